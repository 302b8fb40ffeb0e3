"""The electronic seal image printed on issued documents (a PNG drawn with Pillow).

A round red seal as GA 241 describes official seals: a ring, the issuer's name along the upper
arc, a five-pointed star in the middle and the seal's purpose (e.g. 行政审批专用章) under it. It
is an image of the seal only: what proves the document is the Ed25519 signature (see
``signing``), which the verification page checks. Fonts come from fontconfig (Noto CJK); without
them the seal is drawn without text.
"""

from __future__ import annotations

import io
import math
import subprocess
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

RED = (200, 16, 16, 235)
SIZE = 480  # pixels; printed at 40 mm (≈ 300 dpi)


@lru_cache(maxsize=2)
def _font_path() -> str | None:
    for family in ("Noto Serif CJK SC:bold", "Noto Sans CJK SC:bold"):
        try:
            found = subprocess.run(["fc-match", "-f", "%{file}", family],  # noqa: S603, S607
                                   capture_output=True, text=True, timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        if found and "CJK" in found:
            return found
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    path = _font_path()
    if path is None:
        return None
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return None


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=RED)


@lru_cache(maxsize=64)
def seal_png(issuer: str, purpose: str = "") -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE / 2
    draw.ellipse((12, 12, SIZE - 12, SIZE - 12), outline=RED, width=16)
    _star(draw, c, c, SIZE * 0.16)
    name = (issuer or "").strip()[:20] or "—"
    font = _font(int(SIZE * (0.12 if len(name) <= 12 else 0.095)))
    if font is not None:
        # the name along the upper arc, from lower left over the top to lower right
        span = min(240.0, 19.0 * len(name) + 30)
        radius = SIZE / 2 - 40 - font.size / 2
        for i, ch in enumerate(name):
            angle = -span / 2 + (span * (i + 0.5) / len(name))
            box = int(font.size * 1.5)
            glyph = Image.new("RGBA", (box, box), (255, 255, 255, 0))
            ImageDraw.Draw(glyph).text((box / 2, box / 2), ch, font=font, fill=RED, anchor="mm")
            rotated = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True)
            rad = math.radians(angle - 90)
            x = c + radius * math.cos(rad) - rotated.width / 2
            y = c + radius * math.sin(rad) - rotated.height / 2
            image.alpha_composite(rotated, (int(x), int(y)))
        small = _font(int(SIZE * 0.075))
        if purpose and small is not None:
            width = draw.textlength(purpose, font=small)
            draw.text((c - width / 2, c + SIZE * 0.2), purpose, font=small, fill=RED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
