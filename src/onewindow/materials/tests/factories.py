"""Items whose materials have trust levels, and whole journeys to a verified library material."""

from __future__ import annotations

from typing import Any

from onewindow.cases import services as case_services
from onewindow.cases.models import Case
from onewindow.cases.tests.factories import service_item_make
from onewindow.cases.tests.helpers import pdf
from onewindow.catalog.models import ServiceItem


def marriage_item(department: Any, *, name: str = "生育登记", promise: bool = False) -> ServiceItem:
    """An online item whose first material is the marriage certificate (ABC) and whose second
    is a declaration that may be promised (ABCD when ``promise``)."""
    item = service_item_make(department=department, materials=2, name=name, service_object="natural",
                             promised_limit_value=5, legal_limit_value=20)
    version = item.current_version
    assert version is not None
    first, second = list(version.materials.order_by("order"))
    first.name = "结婚证原件"
    first.trust_levels = "ABC"
    first.save(update_fields=["name", "trust_levels"])
    second.name = "婚育情况声明"
    second.trust_levels = "ABCD" if promise else "ABC"
    second.save(update_fields=["name", "trust_levels"])
    return item


def submitted_with_upload(user: Any, item: ServiceItem, *, commit: bool = False) -> Case:
    """A citizen's online case: the marriage certificate uploaded (C), the declaration
    uploaded or promised (D)."""
    case = case_services.case_draft_create(actor=user, item=item)
    for row in case.materials.order_by("order"):
        row.case = case
        if commit and "D" in row.accepted_levels:
            case_services.case_material_commit(actor=user, material=row)
        elif row.state == "missing":
            case_services.case_material_upload(actor=user, material=row, upload=pdf(f"{row.name}.pdf"))
    return case_services.case_submit(actor=user, case=case)
