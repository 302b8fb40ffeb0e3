"""Writes of the hotline: intake (one function for every channel) and every step after it.

Each function owns its transaction, locks the ticket row, checks the step against the status
machine (rules.TRANSITIONS) and the actor's role, writes a TicketEvent for the timeline and an
audit entry, and publishes outbox events other apps may use (e.g. to text the requester).

Who may do what:
- hotline operators (热线话务员) take calls, answer from the knowledge base, call back;
- dispatchers = hotline operators or supervisors: triage, dispatch, redispatch, merge;
- department reviewers (部门审批人员) of the owner department: accept, return, reply,
  ask for more time, answer supervision orders; of a co-handling department: its feedback;
- supervisors (监督管理人员): supervision orders, extension decisions, reopen (once), close.

Split by stage: ``classification``, ``location``, ``attachments``, ``intake``, ``handling``,
``supervision``, ``periodic``, ``admin``, ``open311``, ``imports``; shared helpers in ``_common``.
"""

from ._common import (
    DUPLICATE_CANDIDATES,
    EVENT_TICKET_CLOSED,
    EVENT_TICKET_DISPATCHED,
    EVENT_TICKET_MERGED,
    EVENT_TICKET_REOPENED,
    EVENT_TICKET_REPLIED,
    EVENT_TICKET_SITE_CHECKED,
    logger,
    phone_clean,
)
from .admin import (
    FALLBACK_TAXONOMY,
    UTILITY_NAMES,
    CategorySeedResult,
    category_rows_read,
    category_seed,
    dispatch_rule_delete,
    dispatch_rule_save,
    hotline_config_update,
    kb_article_save,
    time_limit_set,
)
from .attachments import (
    AttachmentIn,
    ticket_attachment_add,
)
from .classification import (
    SUGGESTION_MIN_CHARS,
    Classification,
    LiveSuggestion,
    Suggestion,
    category_refined,
    classification_for,
    classifier_ready,
    classify,
    suggestion_live,
)
from .handling import (
    ticket_accept,
    ticket_callback,
    ticket_close,
    ticket_cohandler_add,
    ticket_cohandler_reply,
    ticket_dispatch,
    ticket_duplicate_dismiss,
    ticket_merge,
    ticket_reopen,
    ticket_reply,
    ticket_return,
    ticket_site_check,
)
from .imports import (
    IMPORT_COLUMNS,
    IMPORT_MAX_ROWS,
    KIND_BY_LABEL,
    ImportResult,
    import_rows_read,
    parse_local_datetime,
    tickets_import,
)
from .intake import (
    CALL_ID_RE,
    REFINE_TASK,
    CallInfo,
    ticket_answer_on_call,
    ticket_call_intake,
    ticket_classify_refine,
    ticket_export_record,
    ticket_intake,
    ticket_intake_check,
)
from .location import (
    Location,
    location_resolve,
    region_resolve,
)
from .open311 import (
    OPEN311_KEY_PREFIX,
    open311_client_authenticate,
    open311_client_create,
    open311_client_revoke,
    open311_client_rotate,
    open311_key_hash,
)
from .periodic import (
    TickResult,
    tickets_deadline_tick,
    tickets_deadlines_recompute,
)
from .supervision import (
    extension_decide,
    extension_request_create,
    supervision_order_answer,
    supervision_order_create,
    ticket_requester_reveal,
)

__all__ = [
    "CALL_ID_RE",
    "DUPLICATE_CANDIDATES",
    "EVENT_TICKET_CLOSED",
    "EVENT_TICKET_DISPATCHED",
    "EVENT_TICKET_MERGED",
    "EVENT_TICKET_REOPENED",
    "EVENT_TICKET_REPLIED",
    "EVENT_TICKET_SITE_CHECKED",
    "FALLBACK_TAXONOMY",
    "IMPORT_COLUMNS",
    "IMPORT_MAX_ROWS",
    "KIND_BY_LABEL",
    "OPEN311_KEY_PREFIX",
    "REFINE_TASK",
    "SUGGESTION_MIN_CHARS",
    "UTILITY_NAMES",
    "AttachmentIn",
    "CallInfo",
    "CategorySeedResult",
    "Classification",
    "ImportResult",
    "LiveSuggestion",
    "Location",
    "Suggestion",
    "TickResult",
    "category_refined",
    "category_rows_read",
    "category_seed",
    "classification_for",
    "classifier_ready",
    "classify",
    "dispatch_rule_delete",
    "dispatch_rule_save",
    "extension_decide",
    "extension_request_create",
    "hotline_config_update",
    "import_rows_read",
    "kb_article_save",
    "location_resolve",
    "logger",
    "open311_client_authenticate",
    "open311_client_create",
    "open311_client_revoke",
    "open311_client_rotate",
    "open311_key_hash",
    "parse_local_datetime",
    "phone_clean",
    "region_resolve",
    "suggestion_live",
    "supervision_order_answer",
    "supervision_order_create",
    "ticket_accept",
    "ticket_answer_on_call",
    "ticket_attachment_add",
    "ticket_call_intake",
    "ticket_callback",
    "ticket_classify_refine",
    "ticket_close",
    "ticket_cohandler_add",
    "ticket_cohandler_reply",
    "ticket_dispatch",
    "ticket_duplicate_dismiss",
    "ticket_export_record",
    "ticket_intake",
    "ticket_intake_check",
    "ticket_merge",
    "ticket_reopen",
    "ticket_reply",
    "ticket_requester_reveal",
    "ticket_return",
    "ticket_site_check",
    "tickets_deadline_tick",
    "tickets_deadlines_recompute",
    "tickets_import",
    "time_limit_set",
]
