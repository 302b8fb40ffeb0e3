"""Demo step (``manage.py demo_load``) of materials by trust level: materials that may be
promised, the demo citizen's material library, and one application of the citizen accepted on
commitment (告知承诺) and drawn for post-check. Here, above both apps, because the application
goes through the cases app. Idempotent: a second run adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from onewindow.accounts.models import Person, User
from onewindow.catalog.models import ServiceItem
from onewindow.materials.constants import CheckStatus
from onewindow.materials.demo import demo_document_pdf, demo_library, demo_promisable
from onewindow.materials.models import Commitment, LibraryMaterial
from onewindow.materials.services import postcheck_draw

PROMISE_ITEM = "异地就医备案"


def _commitment_case(citizen: Person) -> int:
    """One online application of the demo citizen accepted on commitment, drawn for post-check."""
    from . import services as case_services

    if Commitment.objects.filter(holder_person=citizen).exists() or citizen.user is None:
        return 0
    item = (ServiceItem.objects.filter(current_version__name=PROMISE_ITEM, current_version__is_online=True)
            .select_related("current_version").first())
    if item is None:
        return 0
    case = case_services.case_draft_create(actor=citizen.user, item=item)
    for row in case.materials.order_by("order"):
        row.case = case
        if "D" in row.accepted_levels and row.state == "missing":
            case_services.case_material_commit(actor=citizen.user, material=row)
        elif row.state == "missing":
            case_services.case_material_upload(actor=citizen.user, material=row, upload=ContentFile(
                demo_document_pdf(row.name, citizen.name), name=f"{row.name}.pdf"))
    case_services.case_submit(actor=citizen.user, case=case)
    postcheck_draw(share=1.0)
    return Commitment.objects.filter(holder_person=citizen, check_status=CheckStatus.SCHEDULED).count()


def demo_load_materials(*, small: bool = False) -> dict[str, Any]:
    citizen = Person.objects.filter(user__username="citizen").select_related("user").first()
    clerk = User.objects.filter(username="clerk").first()
    if citizen is None or clerk is None:
        raise RuntimeError("缺少演示账号 citizen 或 clerk：请先加载人员与机构")
    with transaction.atomic():
        promisable = demo_promisable()
        library = demo_library(citizen, clerk)
    drawn = _commitment_case(citizen)
    return {
        "可承诺材料（本次设为D级可采信）": promisable,
        "演示居民材料库（本次新建）": library,
        "演示居民材料库（合计）": LibraryMaterial.objects.filter(holder_person=citizen).count(),
        "告知承诺待核查（本次新建）": drawn,
    }
