"""Writes of home care, split by stage: ``elders`` (elders, family contacts, assessments and the
allowance policy), ``providers`` (providers, carers, the service catalogue), ``orders`` (placement
to payment, complaints, alerts) and ``settlement`` (spot checks and the monthly settlement).

Each function owns its transaction, validates (DomainError with a stable code and a Chinese
message; nothing is half-written) and appends the audit entry inside it.
"""

from onewindow.grid.services import PhotoIn

from .elders import (
    allowance_rule_save,
    allowances_recompute,
    assessment_record,
    elder_register,
    elder_reveal,
    elder_update,
    family_add,
)
from .orders import (
    alert_resolve,
    alerts_scan,
    order_assign,
    order_cancel,
    order_checkin,
    order_checkout,
    order_complain,
    order_confirm,
    order_dispatch,
    order_pay,
    order_place,
)
from .providers import (
    carer_add,
    provider_manager_add,
    provider_register,
    provider_set_status,
    service_save,
)
from .settlement import (
    settlement_confirm,
    settlement_run,
    spot_check_record,
)

__all__ = [
    "PhotoIn",
    "alert_resolve",
    "alerts_scan",
    "allowance_rule_save",
    "allowances_recompute",
    "assessment_record",
    "carer_add",
    "elder_register",
    "elder_reveal",
    "elder_update",
    "family_add",
    "order_assign",
    "order_cancel",
    "order_checkin",
    "order_checkout",
    "order_complain",
    "order_confirm",
    "order_dispatch",
    "order_pay",
    "order_place",
    "provider_manager_add",
    "provider_register",
    "provider_set_status",
    "service_save",
    "settlement_confirm",
    "settlement_run",
    "spot_check_record",
]
