"""Demo step (``manage.py demo_load``): materials that may be promised, the demo citizen's
material library and one application accepted on commitment, drawn for post-check.

Idempotent: a second run adds nothing. Works without ../shared (the documents are drawn here).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from onewindow.accounts.models import Person, User
from onewindow.catalog.models import Material, ServiceItem

from .constants import CheckStatus
from .models import Commitment, LibraryMaterial
from .services import library_material_store, postcheck_draw

#: Documents a window clerk checked against the originals for the demo citizen (name, key).
DEMO_LIBRARY = (
    ("结婚证", "licence:MARRIAGE_CERT", 3650),
    ("不动产权证书", "name:不动产权证书", 1825),
    ("近期免冠证件照", "name:近期免冠证件照", 180),
)
PROMISE_ITEM = "异地就医备案"


def _document_pdf(title: str, holder: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=(
        "<html><body style='font-family: \"Noto Sans CJK SC\", sans-serif'>"
        f"<h1>{title}</h1><p>持有人：{holder}</p><p>（演示用扫描件，非真实证件）</p></body></html>")).write_pdf()


def _promisable() -> int:
    """Materials whose guide already says 承诺 accept the applicant's commitment (D)."""
    rows = Material.objects.filter(Q(spec__contains="承诺") | Q(name__contains="承诺书")).exclude(
        trust_levels__contains="D")
    changed = 0
    for material in rows:
        material.trust_levels = "".join(sorted(set(material.trust_levels) | {"D"}))
        material.save(update_fields=["trust_levels", "updated_at"])
        changed += 1
    return changed


def _photo_png() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (358, 441), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((119, 80, 239, 220), fill=(222, 196, 170))
    draw.rectangle((79, 240, 279, 441), fill=(40, 60, 110))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _library(citizen: Person, clerk: User) -> int:
    if LibraryMaterial.objects.filter(holder_person=citizen).exists():
        return 0
    made = 0
    now = timezone.now()
    for index, (name, key, days) in enumerate(DEMO_LIBRARY):
        photo = name.endswith("照")
        data, content_type, extension = ((_photo_png(), "image/png", "png") if photo
                                         else (_document_pdf(name, citizen.name), "application/pdf", "pdf"))
        path = default_storage.save(f"demo/library/{citizen.public_id.hex}-{index}.{extension}",
                                    ContentFile(data))
        try:
            library_material_store(
                actor=clerk, holder=citizen, name=name, key=key, source_file=path,
                content_type=content_type, original_name=f"{name}.{extension}",
                valid_until=(now + timedelta(days=days)).date(), region_path=citizen.region_path,
                now=now - timedelta(days=30 - index))
        finally:
            default_storage.delete(path)
        made += 1
    return made


def _commitment_case(citizen: Person) -> int:
    """One online application of the demo citizen accepted on commitment, drawn for post-check."""
    from onewindow.cases import services as case_services

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
                _document_pdf(row.name, citizen.name), name=f"{row.name}.pdf"))
    case_services.case_submit(actor=citizen.user, case=case)
    postcheck_draw(share=1.0)
    return Commitment.objects.filter(holder_person=citizen, check_status=CheckStatus.SCHEDULED).count()


def demo_load_materials(*, small: bool = False) -> dict[str, Any]:
    citizen = Person.objects.filter(user__username="citizen").select_related("user").first()
    clerk = User.objects.filter(username="clerk").first()
    if citizen is None or clerk is None:
        raise RuntimeError("缺少演示账号 citizen 或 clerk：请先加载人员与机构")
    with transaction.atomic():
        promisable = _promisable()
        library = _library(citizen, clerk)
    drawn = _commitment_case(citizen)
    return {
        "可承诺材料（本次设为D级可采信）": promisable,
        "演示居民材料库（本次新建）": library,
        "演示居民材料库（合计）": LibraryMaterial.objects.filter(holder_person=citizen).count(),
        "告知承诺待核查（本次新建）": drawn,
    }
