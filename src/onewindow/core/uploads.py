"""Uploaded files judged by their content, never by the name or the type the client declares.

- ``content_sniff(head)``: the type of a file from its first bytes (images, PDF, audio, video,
  plain text), or None. An HTML page declared ``image/png`` is None.
- ``image_check(data, ...)``: an image must decode and have at most
  ``ONEWINDOW_MAX_IMAGE_PIXELS`` pixels (50 million by default); a 48 KB PNG of 20000×20000
  pixels (a decompression bomb) is refused from its header, before any pixel is decoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from .errors import ValidationFailed

DEFAULT_MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


_MAGIC: tuple[tuple[bytes, int, Sniffed], ...] = (
    (b"\xff\xd8\xff", 0, Sniffed("image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", 0, Sniffed("image/png", "png")),
    (b"GIF87a", 0, Sniffed("image/gif", "gif")),
    (b"GIF89a", 0, Sniffed("image/gif", "gif")),
    (b"%PDF-", 0, Sniffed("application/pdf", "pdf")),
    (b"ID3", 0, Sniffed("audio/mpeg", "mp3")),
    (b"ftyp", 4, Sniffed("video/mp4", "mp4")),
)
_MP3_FRAME_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3")
_HTML_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe",
                b"<object", b"<embed", b"<a ", b"<img", b"<div", b"<meta", b"<style", b"<link")


def _plain_text(head: bytes) -> bool:
    """UTF-8 text without control characters that a browser would not take for markup."""
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut by the end of the head is still text
        if exc.start < len(head) - 3:
            return False
        text = head[:exc.start].decode("utf-8")
    if any(ord(ch) < 32 and ch not in "\t\r\n\x0c" for ch in text):
        return False
    start = text.lstrip("\ufeff \t\r\n").lower().encode()
    return not start.startswith(_HTML_STARTS)


def content_sniff(head: bytes) -> Sniffed | None:
    """The type of a file from its first bytes (give at least 512), or None if not accepted."""
    for magic, offset, sniffed in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return sniffed
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio/wav", "wav")
    if head[:2] in _MP3_FRAME_SYNC:
        return Sniffed("audio/mpeg", "mp3")
    if head and _plain_text(head):
        return Sniffed("text/plain", "txt")
    return None


def max_image_pixels() -> int:
    return int(getattr(settings, "ONEWINDOW_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def image_check(source: bytes | IO[bytes], *, label: str, field: str, damaged_code: str,
                damaged_message: str = "") -> tuple[int, int]:
    """(width, height) of an image that decodes and is not too large; else a ValidationFailed.

    ``label`` names the file in the message (“身份证正面.png”); ``damaged_code`` and
    ``damaged_message`` are the caller's for an image that does not decode. Too many pixels is
    ``image_too_many_pixels``.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    stream.seek(0)
    limit = max_image_pixels()
    too_many = f"图片“{label}”像素过多（不能超过 {limit // 1_000_000} 百万像素），请缩小后重新上传"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                if width * height > limit:
                    raise ValidationFailed(too_many, code="image_too_many_pixels", fields={field: too_many})
                image.verify()
    except Image.DecompressionBombError:
        raise ValidationFailed(too_many, code="image_too_many_pixels", fields={field: too_many}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        message = damaged_message or f"图片“{label}”已损坏或不完整，请重新导出后上传"
        raise ValidationFailed(message, code=damaged_code, fields={field: message}) from None
    finally:
        stream.seek(0)
    return width, height


@dataclass(frozen=True)
class CheckedUpload:
    """An upload judged by its content: a clean file name, the sniffed type, the bytes and, for
    an image, its size in pixels."""

    name: str
    content_type: str
    extension: str
    content: bytes
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def upload_name_clean(name: str, *, default: str = "附件") -> str:
    """The last path part of a client's file name without control characters, ≤ 200 characters."""
    import re

    cleaned = re.sub(r"[\x00-\x1f\x7f]", "", re.split(r"[\\/]", name or "")[-1]).strip()
    return cleaned[-200:] or default


def upload_check(*, name: str, content: bytes, allowed: frozenset[str] | set[str] | tuple[str, ...],
                 max_bytes: int, field: str, code_prefix: str, kinds_label: str) -> CheckedUpload:
    """A file of one of the ``allowed`` sniffed types, at most ``max_bytes``, images decoding
    within the pixel limit; else ``ValidationFailed`` with ``<code_prefix>_empty``, ``_too_large``,
    ``_type`` or ``_damaged`` (or ``image_too_many_pixels``). The declared type is never read."""
    label = upload_name_clean(name)
    if not content:
        msg = f"文件“{label[:40]}”是空的"
        raise ValidationFailed(msg, code=f"{code_prefix}_empty", fields={field: msg})
    if len(content) > max_bytes:
        msg = f"文件“{label[:40]}”超过 {max_bytes // 1024 // 1024} MB"
        raise ValidationFailed(msg, code=f"{code_prefix}_too_large", fields={field: msg})
    sniffed = content_sniff(content[:512])
    if sniffed is None or sniffed.content_type not in allowed:
        msg = f"文件“{label[:40]}”的类型不受支持（可上传{kinds_label}）"
        raise ValidationFailed(msg, code=f"{code_prefix}_type", fields={field: msg})
    width = height = None
    if sniffed.content_type.startswith("image/"):
        width, height = image_check(content, label=label[:40], field=field, damaged_code=f"{code_prefix}_damaged",
                                    damaged_message=f"图片“{label[:40]}”已损坏或不完整，请重新上传")
    elif sniffed.content_type == "application/pdf" and b"%%EOF" not in content[-2048:]:
        msg = f"文件“{label[:40]}”不是完整的 PDF，请重新导出后上传"
        raise ValidationFailed(msg, code=f"{code_prefix}_damaged", fields={field: msg})
    if "." not in label[-6:]:
        label = f"{label}.{sniffed.extension}"
    return CheckedUpload(name=label, content_type=sniffed.content_type, extension=sniffed.extension,
                         content=content, width=width, height=height)
