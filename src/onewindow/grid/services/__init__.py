"""Writes of grid governance, split by stage (see each module). Import from here."""

from .basic import (
    MemberIn,
    building_create,
    house_create,
    house_update,
    household_create,
    household_refresh,
    person_resolve,
    resident_add,
    resident_leave,
    resident_reveal,
    resident_update,
)
from .common import PhotoIn, photos_check
from .declarations import (
    declaration_accept,
    declaration_payload,
    declaration_reject,
    declaration_submit,
    tenant_register,
)
from .registration import registration_end, residence_register
from .work import (
    MemberCorrection,
    VisitCorrections,
    event_report,
    event_site_check,
    proxy_eligible,
    proxy_start,
    quota_set,
    visit_record,
)

__all__ = [
    "MemberCorrection", "MemberIn", "PhotoIn", "VisitCorrections", "building_create", "declaration_accept",
    "declaration_payload", "declaration_reject", "declaration_submit", "event_report", "event_site_check",
    "house_create", "house_update", "household_create", "household_refresh", "person_resolve", "photos_check",
    "proxy_eligible", "proxy_start", "quota_set", "registration_end", "residence_register", "resident_add",
    "resident_leave", "resident_reveal", "resident_update", "tenant_register", "visit_record",
]
