"""Cleanup of uploaded files that no row references any more (replaced or orphaned uploads).

Safe by construction:

- only files older than the grace period (``ONEWINDOW_FILES_CLEANUP_GRACE_HOURS``, default
  24 h) are candidates, so an upload whose row is not committed yet is never touched;
- the candidates are listed first and the references read afterwards, from every
  ``FileField`` (and ``ImageField``) of every installed model, so a file that any row
  references when the cleanup decides is kept; if any of these reads fails, nothing is deleted;
- only the upload folders are scanned (the top-level folders that ``FileField`` values live
  in, plus ``ONEWINDOW_FILES_CLEANUP_DIRS``), never anything listed in
  ``ONEWINDOW_FILES_CLEANUP_KEEP`` (the audit checkpoints); symbolic links are not followed.

Runs hourly in the timer (``core.files_cleanup``) and on demand with ``manage.py
files_cleanup [--dry-run]``.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models

from .audit import audit_record
from .timer import periodic

logger = logging.getLogger(__name__)

AUDIT_FILES_CLEANUP = "files.cleanup"


@dataclass
class CleanupResult:
    scanned: int = 0
    deleted: list[str] = field(default_factory=list)
    kept_referenced: int = 0
    kept_young: int = 0
    bytes_freed: int = 0
    dry_run: bool = False


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    out = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                out.append((model, f))
    return out


def _filesystem_roots() -> dict[str, FileSystemStorage]:
    roots: dict[str, FileSystemStorage] = {}
    for model, f in _file_fields():
        storage = f.storage
        if isinstance(storage, FileSystemStorage):
            roots[os.path.realpath(storage.location)] = storage
        else:
            logger.info("files cleanup skips %s.%s (not on the file system)", model._meta.label, f.name)
    return roots


def referenced_paths() -> set[str]:
    """Real paths of every file any row references, over every FileField of every model."""
    out: set[str] = set()
    for model, f in _file_fields():
        storage = f.storage
        if not isinstance(storage, FileSystemStorage):
            continue
        root = storage.location
        names = (model._base_manager.exclude(**{f"{f.attname}__isnull": True})
                 .exclude(**{f.attname: ""}).values_list(f.attname, flat=True))
        for name in names.iterator(chunk_size=5000):
            out.add(os.path.realpath(os.path.join(root, str(name))))
    return out


def _upload_dirs(root: str) -> list[str]:
    keep = set(settings.ONEWINDOW_FILES_CLEANUP_KEEP)
    dirs = set(settings.ONEWINDOW_FILES_CLEANUP_DIRS)
    for model, f in _file_fields():
        if isinstance(f.storage, FileSystemStorage) and os.path.realpath(f.storage.location) == root:
            first = (model._base_manager.exclude(**{f.attname: ""})
                     .exclude(**{f"{f.attname}__isnull": True})
                     .values_list(f.attname, flat=True).first())
            if first and "/" in str(first):
                dirs.add(str(first).split("/", 1)[0])
    return sorted(d for d in dirs if d and d not in keep and not d.startswith("."))


def _candidates(root: str, *, older_than: float, result: CleanupResult) -> list[tuple[str, int]]:
    out = []
    for top in _upload_dirs(root):
        base = os.path.join(root, top)
        if not os.path.isdir(base) or os.path.islink(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if not os.path.isfile(path) or os.path.islink(path):
                    continue
                result.scanned += 1
                if st.st_mtime > older_than:
                    result.kept_young += 1
                    continue
                out.append((os.path.realpath(path), st.st_size))
    return out


def _remove_empty_dirs(root: str, *, older_than: float) -> None:
    for top in _upload_dirs(root):
        base = os.path.join(root, top)
        for dirpath, _dirnames, _filenames in sorted(os.walk(base), key=lambda x: -len(x[0])):
            if dirpath == base:
                continue
            try:
                if not os.listdir(dirpath) and os.stat(dirpath).st_mtime <= older_than:
                    os.rmdir(dirpath)
            except OSError:
                continue


def files_cleanup(*, grace_hours: float | None = None, dry_run: bool = False,
                  now: float | None = None) -> CleanupResult:
    """Delete upload files no row references that are older than the grace period."""
    grace = settings.ONEWINDOW_FILES_CLEANUP_GRACE_HOURS if grace_hours is None else grace_hours
    older_than = (now if now is not None else time.time()) - grace * 3600
    result = CleanupResult(dry_run=dry_run)
    by_root: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for root in _filesystem_roots():
        by_root[root] = _candidates(root, older_than=older_than, result=result)
    # Read the references after listing: a row committed before this point keeps its file.
    referenced = referenced_paths()
    for root, candidates in by_root.items():
        for path, size in candidates:
            if path in referenced:
                result.kept_referenced += 1
                continue
            relative = os.path.relpath(path, root)
            if not dry_run:
                try:
                    os.remove(path)
                except FileNotFoundError:
                    continue
                except OSError:
                    logger.warning("could not delete orphaned file %s", relative, exc_info=True)
                    continue
            result.deleted.append(relative)
            result.bytes_freed += size
        if not dry_run:
            _remove_empty_dirs(root, older_than=older_than)
    if result.deleted and not dry_run:
        audit_record(actor=None, action=AUDIT_FILES_CLEANUP, object_type="storage", object_id="files",
                     summary={"deleted": len(result.deleted), "bytes": result.bytes_freed,
                              "grace_hours": grace, "sample": sorted(result.deleted)[:20]})
        logger.info("files cleanup: deleted %d orphaned files (%d bytes)", len(result.deleted),
                    result.bytes_freed)
    return result


@periodic("core.files_cleanup", every=3600)
def files_cleanup_job() -> None:
    if settings.ONEWINDOW_FILES_CLEANUP:
        files_cleanup()
