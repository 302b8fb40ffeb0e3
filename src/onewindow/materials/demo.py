"""Demo data of the material library: materials that may be promised and the demo citizen's
material library. The demo step itself (with an application accepted on commitment, which needs
the cases app above) is ``cases.demo_materials``.

Idempotent: a second run adds nothing. Works without ../shared (the documents are drawn here).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from onewindow.accounts.models import Person, User
from onewindow.catalog.models import Material

from .models import LibraryMaterial
from .services import library_material_store

#: Documents a window clerk checked against the originals for the demo citizen (name, key).
DEMO_LIBRARY = (
    ("结婚证", "licence:MARRIAGE_CERT", 3650),
    ("不动产权证书", "name:不动产权证书", 1825),
    ("近期免冠证件照", "name:近期免冠证件照", 180),
)


def demo_document_pdf(title: str, holder: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=(
        "<html><body style='font-family: \"Noto Sans CJK SC\", sans-serif'>"
        f"<h1>{title}</h1><p>持有人：{holder}</p><p>（演示用扫描件，非真实证件）</p></body></html>")).write_pdf()


def demo_promisable() -> int:
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


def demo_library(citizen: Person, clerk: User) -> int:
    if LibraryMaterial.objects.filter(holder_person=citizen).exists():
        return 0
    made = 0
    now = timezone.now()
    for index, (name, key, days) in enumerate(DEMO_LIBRARY):
        photo = name.endswith("照")
        data, content_type, extension = ((_photo_png(), "image/png", "png") if photo
                                         else (demo_document_pdf(name, citizen.name), "application/pdf", "pdf"))
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
