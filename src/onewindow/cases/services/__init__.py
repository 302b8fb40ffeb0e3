"""Writes of applications (办件). Every transition goes through ``rules.transition_check``,
locks the case row, writes a timeline event and an audit entry in the same transaction, and
tells the applicant.

Reach: an actor who cannot see a case gets NotFound (404); one who sees it but whose role may
not take the action gets PermissionDenied (``case_role_forbidden``); an action the status does
not allow is a Conflict (``case_transition_illegal`` and related codes).

Split by stage: ``materials``, ``intake``, ``review``, ``deadlines``, ``bundles``, ``ratings``, ``throttle``."""

from ._common import (
    CLERK,
    CLOCK_FIELDS,
    FORM_TEXT_MAX,
    LEVEL_RANK,
    ROLE_PREFERENCE,
    S,
    accept_days,
    case_timeline_note,
    follow_up_days,
    max_upload_bytes,
    notification_send,
    warning_share,
)
from .bundles import (
    BundleMaterial,
    bundle_checklist,
    bundle_draft_create,
    bundle_material_upload,
    bundle_submit,
)
from .deadlines import (
    deadline_warnings_raise,
    deadlines_recompute,
)
from .intake import (
    PROXY_ROLES,
    case_draft_create,
    case_draft_discard,
    case_draft_update,
    case_proxy_submit,
    case_submit,
    case_window_intake,
)
from .materials import (
    MATERIAL_FILE_FIELDS,
    StoredFile,
    case_licence_open,
    case_material_commit,
    case_material_open,
    case_material_paper,
    case_material_upload,
    file_store,
)
from .ratings import (
    follow_up_answer,
    notifications_mark_read,
    rating_create,
)
from .review import (
    case_accept,
    case_assign,
    case_close,
    case_decide,
    case_deliver,
    case_exchange_export_record,
    case_not_accept,
    case_prereview,
    case_request_supplement,
    case_resubmit,
    case_result_issue,
    case_special_end,
    case_special_start,
    case_step_complete,
    case_withdraw,
    result_type_code,
)
from .throttle import (
    progress_query_allowed,
    throttle_cleanup,
    throttle_hit,
    throttle_hits,
)
from .transitions import TRANSITION_SERVICES

__all__ = [
    "CLERK",
    "CLOCK_FIELDS",
    "FORM_TEXT_MAX",
    "LEVEL_RANK",
    "MATERIAL_FILE_FIELDS",
    "PROXY_ROLES",
    "ROLE_PREFERENCE",
    "TRANSITION_SERVICES",
    "BundleMaterial",
    "S",
    "StoredFile",
    "accept_days",
    "bundle_checklist",
    "bundle_draft_create",
    "bundle_material_upload",
    "bundle_submit",
    "case_accept",
    "case_assign",
    "case_close",
    "case_decide",
    "case_deliver",
    "case_draft_create",
    "case_draft_discard",
    "case_draft_update",
    "case_exchange_export_record",
    "case_licence_open",
    "case_material_commit",
    "case_material_open",
    "case_material_paper",
    "case_material_upload",
    "case_not_accept",
    "case_prereview",
    "case_proxy_submit",
    "case_request_supplement",
    "case_resubmit",
    "case_result_issue",
    "case_special_end",
    "case_special_start",
    "case_step_complete",
    "case_submit",
    "case_timeline_note",
    "case_window_intake",
    "case_withdraw",
    "deadline_warnings_raise",
    "deadlines_recompute",
    "file_store",
    "follow_up_answer",
    "follow_up_days",
    "max_upload_bytes",
    "notification_send",
    "notifications_mark_read",
    "progress_query_allowed",
    "rating_create",
    "result_type_code",
    "throttle_cleanup",
    "throttle_hit",
    "throttle_hits",
    "warning_share",
]
