"""What every stage of the grid's writes shares: who may write, numbers, history, photos."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import actor_id, actor_label
from onewindow.core.errors import NotFound, PermissionDenied, ValidationFailed
from onewindow.core.inputs import choice as choice  # the grid services take it from here
from onewindow.core.inputs import required_text
from onewindow.core.uploads import image_check

from .. import constants as c
from .. import rules
from ..models import ChangeRecord, GridCounter, Photo


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()




def require_worker(actor: Any, region_path: str) -> None:
    """Grid data is written by grid workers (网格员, community grid leaders, the street's grid
    centre) whose region covers the place; anyone else gets NotFound or PermissionDenied."""
    if actor is None:  # the platform itself (demo loader, jobs)
        return
    scope = scope_for(actor)
    if not scope.has_role(Role.GRID_WORKER):
        raise PermissionDenied("只有网格员可以执行此操作", code="not_grid_worker")
    if not scope.covers_region_path(region_path):
        raise NotFound()


def counter_next(key: str) -> int:
    """The next value of a named sequence: one atomic upsert (SQLite and PostgreSQL)."""
    table = connection.ops.quote_name(GridCounter._meta.db_table)
    sql = (f"INSERT INTO {table} (key, value) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
           f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value")
    with connection.cursor() as cursor:
        cursor.execute(sql, [key[:40]])
        row = cursor.fetchone()
    return int(row[0])


def history(*, actor: Any, source: str, action: str, at: datetime, changes: dict[str, Any] | None = None,
            house: Any = None, household: Any = None, resident: Any = None, declaration: Any = None,
            visit: Any = None, note: str = "", save: bool = True) -> ChangeRecord:
    record = ChangeRecord(
        at=at, actor_id=actor_id(actor), actor_label=actor_label(actor), source=source, action=action,
        house=house, household=household, resident=resident, declaration=declaration, visit=visit,
        changes=changes or {}, note=note[:300])
    if save:
        record.save()
    return record


def text_required(value: str, *, field: str, label: str, min_len: int = 2, max_len: int = c.MAX_TEXT) -> str:
    return required_text(value, field=field, label=label, min_length=min_len, max_length=max_len)


# --- Photos -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PhotoIn:
    """An uploaded photo as the services take it: its name and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedPhoto:
    name: str
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def _photo_error(name: str, message: str, code: str) -> ValidationFailed:
    msg = f"照片“{name[:40]}”{message}"
    return ValidationFailed(msg, code=code, fields={"photos": msg})


def photos_check(photos: Sequence[PhotoIn]) -> list[CheckedPhoto]:
    """Photos are judged by their content: a JPEG, PNG, GIF or WebP that decodes, not too big.

    Whatever the file name or the declared type says, anything else is refused (photo_not_image).
    """
    if len(photos) > c.MAX_PHOTOS:
        msg = f"照片最多{c.MAX_PHOTOS}张"
        raise ValidationFailed(msg, code="photos_too_many", fields={"photos": msg})
    checked = []
    for photo in photos:
        name = (photo.name or "照片").strip()[:100] or "照片"
        if len(photo.content) > c.MAX_PHOTO_BYTES:
            raise _photo_error(name, f"超过 {c.MAX_PHOTO_BYTES // 1024 // 1024} MB", "photo_too_large")
        sniffed = rules.image_sniff(photo.content[:16])
        if sniffed is None:
            raise _photo_error(name, "不是图片（只接受 JPEG、PNG、GIF、WebP 格式的照片）", "photo_not_image")
        damaged = _photo_error(name, "已损坏或不完整，请重新拍摄后上传", "photo_damaged")
        width, height = image_check(photo.content, label=name[:40], field="photos",
                                    damaged_code=damaged.code, damaged_message=damaged.message)
        checked.append(CheckedPhoto(name, photo.content, sniffed[0], sniffed[1], width, height,
                                    hashlib.sha256(photo.content).hexdigest()))
    return checked


def photos_save(checked: Sequence[CheckedPhoto], *, actor: Any, visit: Any = None, event: Any = None,
                saved_paths: list[str]) -> list[Photo]:
    """Store the photos (call inside the transaction; ``saved_paths`` lets the caller remove the
    files again when the transaction fails)."""
    rows = []
    for photo in checked:
        row = Photo(visit=visit, event=event, content_type=photo.content_type, size=len(photo.content),
                    width=photo.width, height=photo.height, sha256=photo.sha256, uploaded_by_id=actor_id(actor))
        row.file.save(f"photo.{photo.extension}", ContentFile(photo.content), save=False)
        saved_paths.append(str(row.file.name))
        row.save()
        rows.append(row)
    return rows


def files_remove(paths: Sequence[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):  # already gone
            default_storage.delete(path)
