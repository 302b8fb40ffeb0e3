import io

import pytest

from onewindow.materials.watermark import WatermarkError, watermark_file, watermark_read

TEXT = "此件经与原件核对无误，仅供办理政务服务事项时使用（用途：测试）"


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>结婚证</p>").write_pdf()


def test_pdf_copy_carries_visible_text_on_every_page_and_in_metadata() -> None:
    from pypdf import PdfReader
    from weasyprint import HTML

    source = HTML(string="<p>第一页</p><p style='break-before: page'>第二页</p>").write_pdf()
    out, content_type = watermark_file(source, "application/pdf", TEXT)
    assert content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(out))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert "此件经与原件核对无误" in page.extract_text()
    assert watermark_read(out, "application/pdf") == TEXT


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_image_copy_is_drawn_on_and_says_so(fmt: str) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format=fmt)
    out, content_type = watermark_file(buffer.getvalue(), f"image/{fmt.lower()}", TEXT)
    assert content_type == f"image/{fmt.lower()}"
    with Image.open(io.BytesIO(out)) as image:
        pixels = image.convert("RGB").getcolors(maxcolors=100000)
    assert pixels is not None and len(pixels) > 10  # no longer a blank white page
    assert watermark_read(out, content_type) == TEXT


def test_garbage_is_refused() -> None:
    with pytest.raises(WatermarkError):
        watermark_file(b"not a pdf", "application/pdf", TEXT)
    with pytest.raises(WatermarkError):
        watermark_file(b"not an image", "image/png", TEXT)
    with pytest.raises(WatermarkError):
        watermark_file(b"x", "text/plain", TEXT)
