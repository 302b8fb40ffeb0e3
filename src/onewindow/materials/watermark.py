"""Visible watermarks on copies leaving the library (PDF and images).

PDFs get an overlay drawn by WeasyPrint (CJK glyphs from the system's Noto fonts) merged onto
every page with pypdf: the text runs diagonally across the page, repeated, and once more as a
banner along the bottom edge, so no part of a page can be cut out without it. Images get the
same with Pillow. The text is also written into the file's metadata (PDF ``/Subject`` and
``/OneWindowWatermark``, PNG text chunk, JPEG comment) so a program can read it back.
"""

from __future__ import annotations

import functools
import html
import io
import logging
import shutil
import subprocess

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

METADATA_KEY = "OneWindowWatermark"


class WatermarkError(Exception):
    """The file could not be read or written as the type it claims."""


# --- PDF ------------------------------------------------------------------------------------------
def _overlay_html(text: str, width: float, height: float) -> str:
    line = html.escape(text)
    rows = max(int(height / 110), 3)
    tiles = "".join(f'<p class="t">{line}</p>' for _ in range(rows))
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: {width:.1f}pt {height:.1f}pt; margin: 0 }}
html, body {{ margin: 0; padding: 0; font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif }}
.wrap {{ position: absolute; left: -{width * 0.25:.0f}pt; top: 0; width: {width * 1.5:.0f}pt;
        height: {height:.0f}pt; transform: rotate(-30deg); }}
.t {{ margin: 0 0 {max(height / rows - 16, 20):.0f}pt 0; font-size: 13pt; color: rgba(200, 30, 30, 0.28);
     white-space: nowrap; }}
.banner {{ position: absolute; left: 0; right: 0; bottom: 0; padding: 3pt 6pt; font-size: 8pt;
          color: #b01e1e; background: rgba(255, 255, 255, 0.75); }}
</style></head><body><div class="wrap">{tiles}</div><div class="banner">{line}</div></body></html>"""


@functools.lru_cache(maxsize=32)
def _overlay_pdf(text: str, width: float, height: float) -> bytes:
    from weasyprint import HTML

    return HTML(string=_overlay_html(text, width, height)).write_pdf()  # type: ignore[no-any-return]


def watermark_pdf(data: bytes, text: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise WatermarkError("加密的PDF不能加水印")
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            box = page.mediabox
            width, height = float(box.width), float(box.height)
            overlay = PdfReader(io.BytesIO(_overlay_pdf(text, round(width, 1), round(height, 1)))).pages[0]
            page.merge_page(overlay)
        writer.add_metadata({"/Subject": text, f"/{METADATA_KEY}": text, "/Producer": "OneWindow"})
        out = io.BytesIO()
        writer.write(out)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise WatermarkError(str(exc)) from exc
    return out.getvalue()


# --- Images ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _cjk_font_path() -> tuple[str, int]:
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}:%{index}", "Noto Sans CJK SC:lang=zh-cn"],  # noqa: S607
                capture_output=True, text=True, timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and ":" in found:
            path, _, index = found.rpartition(":")
            return path, int(index or 0)
    return "", 0


def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    path, index = _cjk_font_path()
    if path:
        try:
            return ImageFont.truetype(path, size=size, index=index)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def watermark_image(data: bytes, text: str) -> tuple[bytes, str]:
    """Returns the watermarked image and its content type (PNG stays PNG, else JPEG)."""
    from PIL import Image, ImageDraw, PngImagePlugin, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as source:
            fmt = source.format
            base = source.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise WatermarkError(str(exc)) from exc
    width, height = base.size
    size = max(min(width, height) // 28, 12)
    font = _font(size)
    # Diagonal tiles on a layer twice the size, rotated, then cropped back to the image.
    side = int((width ** 2 + height ** 2) ** 0.5) + size * 4
    layer = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    step = size * 5
    unit = text + "　　"
    repeat = int(side / max(draw.textlength(unit, font=font), 1)) + 2
    line = unit * repeat
    for y in range(0, side, step):
        draw.text((-(y // step) % 3 * size * 3, y), line, font=font, fill=(200, 30, 30, 80))
    layer = layer.rotate(30, resample=Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    base.alpha_composite(layer.crop((left, top, left + width, top + height)))
    # The banner along the bottom edge, readable.
    banner_font = _font(max(size * 2 // 3, 10))
    draw = ImageDraw.Draw(base)
    bbox = draw.textbbox((0, 0), text, font=banner_font)
    band = bbox[3] - bbox[1] + 8
    draw.rectangle((0, height - band, width, height), fill=(255, 255, 255, 200))
    draw.text((4, height - band + 2), text, font=banner_font, fill=(176, 30, 30, 255))
    out = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt(METADATA_KEY, text)
        base.save(out, format="PNG", pnginfo=info)
        return out.getvalue(), "image/png"
    base.convert("RGB").save(out, format="JPEG", quality=88, comment=text.encode("utf-8"))
    return out.getvalue(), "image/jpeg"


def watermarkable(data: bytes, content_type: str) -> bool:
    """Cheap check that copies of this file can be watermarked later (a readable, unencrypted
    PDF with pages, or an image that decodes)."""
    try:
        if content_type == "application/pdf":
            from pypdf import PdfReader

            reader = PdfReader(io.BytesIO(data))
            return not reader.is_encrypted and len(reader.pages) > 0
        if content_type in ("image/png", "image/jpeg"):
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            return True
    except Exception:
        return False
    return False


def watermark_file(data: bytes, content_type: str, text: str) -> tuple[bytes, str]:
    """Watermark by content type: returns (bytes, content type)."""
    if content_type == "application/pdf":
        return watermark_pdf(data, text), "application/pdf"
    if content_type in ("image/png", "image/jpeg"):
        return watermark_image(data, text)
    raise WatermarkError(f"不支持为该类型的文件加水印：{content_type}")


def watermark_read(data: bytes, content_type: str) -> str:
    """The watermark text recorded in a copy's metadata ("" when none)."""
    if content_type == "application/pdf":
        from pypdf import PdfReader

        meta = PdfReader(io.BytesIO(data)).metadata
        return str(meta.get(f"/{METADATA_KEY}", "") or "") if meta is not None else ""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.format == "PNG":
            return str(image.info.get(METADATA_KEY, "") or "")
        comment = image.info.get("comment", b"")
        return comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
