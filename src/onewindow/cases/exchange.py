"""The national 办件信息 exchange record of a case (全国一体化在线政务服务平台 办件数据汇聚).

One function, ``exchange_record``, turns a case into the fields the provincial/national exchange
takes (see docs/api.md “National 办件信息 exchange” for the mapping and the field list). Codes
that come from the exchange's own code lists (办件类型, 证件类型, 申请人类型, 办件状态) are kept in
the tables below; a province whose code list differs overrides them with
``ONEWINDOW_EXCHANGE_CODES`` ({"status": {...}, "id_type": {...}, ...}). Pure: no database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from onewindow.core.masking import mask_id_number

from .constants import ApplicantKind, CaseStatus

S = CaseStatus

#: 办件类型: 即办件 (decided on the spot: promised limit 0) or 承诺件 (a promised time limit).
CASE_KINDS = {"immediate": ("1", "即办件"), "promised": ("2", "承诺件")}
#: 申请人类型.
APPLICANT_TYPES = {ApplicantKind.PERSON.value: ("1", "自然人"), ApplicantKind.ENTERPRISE.value: ("2", "法人")}
#: 证件类型 of the applicant: the resident identity card for persons, the unified social credit
#: code (GB 32100-2015) for legal persons.
ID_TYPES = {ApplicantKind.PERSON.value: ("111", "居民身份证"),
            ApplicantKind.ENTERPRISE.value: ("001", "统一社会信用代码")}
#: Our status → the exchange's 办件状态 (code, name). Pauses and the steps inside the review
#: report the stage the case is in; delivered and closed cases are 办结.
STATUSES: dict[str, tuple[str, str]] = {
    S.SUBMITTED: ("01", "申请"),
    S.PREREVIEWED: ("01", "申请"),
    S.SUPPLEMENT: ("03", "补正"),
    S.ACCEPTED: ("02", "受理"),
    S.NOT_ACCEPTED: ("07", "不予受理"),
    S.IN_REVIEW: ("04", "审查"),
    S.SPECIAL: ("05", "特别程序"),
    S.APPROVED: ("06", "决定"),
    S.REFUSED: ("06", "决定"),
    S.DELIVERED: ("08", "办结"),
    S.CLOSED: ("08", "办结"),
    S.WITHDRAWN: ("09", "撤回"),
}
#: 办结结果 once a decision exists.
RESULTS: dict[str, tuple[str, str]] = {
    S.APPROVED: ("1", "准予"), S.REFUSED: ("2", "不予"), S.NOT_ACCEPTED: ("3", "不予受理"), S.WITHDRAWN: ("4", "撤回"),
}

EXCHANGE_COLUMNS = (
    "case_number", "item_code", "item_name", "case_kind_code", "case_kind", "applicant_type_code",
    "applicant_type", "applicant_name", "id_type_code", "id_type", "id_number", "department_code",
    "department_name", "channel", "submitted_at", "accepted_at", "promised_due_at", "closed_at",
    "result_code", "result", "status", "national_status_code", "national_status", "updated_at",
)


def _codes(table: str, default: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    override = (getattr(settings, "ONEWINDOW_EXCHANGE_CODES", None) or {}).get(table) or {}
    merged = dict(default)
    for key, value in override.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            merged[key] = (str(value[0]), str(value[1]))
    return merged


def case_kind(*, promised_limit_days: int | None, legal_limit_days: int | None) -> str:
    """即办件 when the promised (else the legal) time limit is zero; otherwise 承诺件."""
    limit = promised_limit_days if promised_limit_days is not None else legal_limit_days
    return "immediate" if limit == 0 else "promised"


def _time(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def exchange_record(*, number: str, item_code: str, item_name: str, status: str, applicant_kind: str,
                    applicant_name: str, id_number: str, department_code: str, department_name: str,
                    channel: str, submitted_at: datetime | None, accepted_at: datetime | None,
                    promised_due_at: datetime | None, closed_at: datetime | None,
                    decided_status: str = "", promised_limit_days: int | None = None,
                    legal_limit_days: int | None = None, updated_at: datetime | None = None,
                    reveal_id: bool = False) -> dict[str, Any]:
    """The exchange fields of one case. The ID number of a person is masked unless
    ``reveal_id`` (a credit code is public and always in full)."""
    kind = case_kind(promised_limit_days=promised_limit_days, legal_limit_days=legal_limit_days)
    kind_code, kind_name = _codes("case_kind", CASE_KINDS)[kind]
    applicant_code, applicant_type = _codes("applicant_type", APPLICANT_TYPES).get(applicant_kind, ("", ""))
    id_code, id_type = _codes("id_type", ID_TYPES).get(applicant_kind, ("", ""))
    status_code, status_name = _codes("status", STATUSES).get(status, ("", ""))
    result_code, result_name = _codes("result", RESULTS).get(
        decided_status or (status if status in (S.NOT_ACCEPTED, S.WITHDRAWN) else ""), ("", ""))
    if applicant_kind == ApplicantKind.PERSON and not reveal_id:
        id_number = mask_id_number(id_number) if id_number else ""
    return {
        "case_number": number, "item_code": item_code, "item_name": item_name,
        "case_kind_code": kind_code, "case_kind": kind_name,
        "applicant_type_code": applicant_code, "applicant_type": applicant_type,
        "applicant_name": applicant_name, "id_type_code": id_code, "id_type": id_type,
        "id_number": id_number or "", "department_code": department_code, "department_name": department_name,
        "channel": channel, "submitted_at": _time(submitted_at), "accepted_at": _time(accepted_at),
        "promised_due_at": _time(promised_due_at), "closed_at": _time(closed_at),
        "result_code": result_code, "result": result_name, "status": status,
        "national_status_code": status_code, "national_status": status_name, "updated_at": _time(updated_at),
    }


def case_exchange_record(case: Any, *, decided_status: str = "") -> dict[str, Any]:
    """``exchange_record`` of a loaded ``Case`` (department, item and applicant selected)."""
    if case.applicant_kind == ApplicantKind.ENTERPRISE and case.applicant_enterprise_id:
        id_number = case.applicant_enterprise.credit_code
    elif case.applicant_person_id:
        id_number = case.applicant_person.id_number
    else:
        id_number = ""
    return exchange_record(
        number=case.number or "", item_code=case.item.implementation_code, item_name=case.item_name,
        status=case.status, applicant_kind=case.applicant_kind, applicant_name=case.applicant_name,
        id_number=id_number, department_code=case.department.code, department_name=case.department.name,
        channel=case.channel, submitted_at=case.submitted_at, accepted_at=case.accepted_at,
        promised_due_at=case.promised_due_at, closed_at=case.closed_at,
        decided_status=decided_status or getattr(case, "decided_status", "") or "",
        promised_limit_days=case.promised_limit_days, legal_limit_days=case.legal_limit_days,
        updated_at=case.updated_at)
