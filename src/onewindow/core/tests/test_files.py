"""Cleanup of replaced and orphaned upload files: never a referenced or a young file."""

from __future__ import annotations

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import DatabaseError

from onewindow.cases import services as case_services
from onewindow.cases.tests.helpers import pdf
from onewindow.core import files
from onewindow.core.files import files_cleanup
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "storage")
    return Path(settings.MEDIA_ROOT)


def age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_material_replaced_five_times_keeps_only_its_current_file(media, world, citizen, item_a):
    case = case_services.case_draft_create(actor=citizen.user, item=item_a)
    material = case.materials.order_by("id").first()
    for i in range(5):
        material = case_services.case_material_upload(actor=citizen.user, material=material,
                                                       upload=pdf(f"第{i}版.pdf"))
    slot = media / "cases" / str(case.public_id)
    assert len(all_files(slot)) == 5
    for path in slot.rglob("*"):
        age(path, 2 * DAY)
    result = files_cleanup()
    assert len(result.deleted) == 4 and result.kept_referenced == 1
    assert all_files(media) == [material.file.name]
    assert material.file.open("rb").read(5) == b"%PDF-"
    entry = AuditEntry.objects.get(action=files.AUDIT_FILES_CLEANUP)
    assert entry.summary["deleted"] == 4 and entry.actor_id is None
    assert files_cleanup().deleted == []  # nothing left to do


def test_young_orphans_are_kept_for_the_grace_period(media, world, citizen, item_a):
    case = case_services.case_draft_create(actor=citizen.user, item=item_a)
    material = case.materials.order_by("id").first()
    case_services.case_material_upload(actor=citizen.user, material=material, upload=pdf())
    case_services.case_material_upload(actor=citizen.user, material=material, upload=pdf())
    result = files_cleanup()
    assert result.deleted == [] and result.kept_young == 2
    assert len(files_cleanup(grace_hours=0).deleted) == 1


def test_every_file_field_of_every_model_counts_and_other_folders_are_never_touched(media, settings):
    from onewindow.catalog.models import Material

    kept = {}
    fields = [(m, f) for m, f in files._file_fields()]
    assert {f"{m._meta.label}.{f.name}" for m, f in fields} >= {
        "cases.CaseMaterial.file", "catalog.Material.blank_form", "catalog.Material.sample_file",
        "licences.Licence.file", "tickets.TicketAttachment.file"}
    # A referenced catalogue form and an orphan next to it.
    storage = Material._meta.get_field("blank_form").storage
    kept["form"] = storage.save("catalog/forms/abc/申请表.docx", ContentFile(b"form"))
    referenced = {os.path.realpath(os.path.join(storage.location, kept["form"]))}
    orphan = storage.save("catalog/forms/abc/旧申请表.docx", ContentFile(b"old"))
    outside = [storage.save("audit/checkpoints.jsonl", ContentFile(b"{}\n")),
               storage.save("exports/report.xlsx", ContentFile(b"x"))]
    (media / "licences").mkdir()
    os.symlink(media / "exports", media / "licences" / "link")
    for path in media.rglob("*"):
        if not path.is_symlink():
            age(path, 3 * DAY)

    original = files.referenced_paths
    files.referenced_paths = lambda: original() | referenced  # type: ignore[assignment]
    try:
        result = files_cleanup()
    finally:
        files.referenced_paths = original  # type: ignore[assignment]
    assert result.deleted == [orphan]
    remaining = all_files(media)
    assert kept["form"] in remaining and all(name in remaining for name in outside)


def test_nothing_is_deleted_when_the_references_cannot_be_read(media, monkeypatch):
    path = media / "cases" / "x" / "orphan.pdf"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-")
    age(path, 3 * DAY)

    def broken():
        raise DatabaseError("the connection is lost")

    monkeypatch.setattr(files, "referenced_paths", broken)
    with pytest.raises(DatabaseError):
        files_cleanup()
    assert path.exists()


def test_command_dry_run_and_the_periodic_job_switch(media, settings):
    path = media / "tickets" / "orphan"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    age(path, 3 * DAY)
    out = StringIO()
    call_command("files_cleanup", "--dry-run", stdout=out)
    assert "可删除 1 个无引用文件" in out.getvalue() and path.exists()
    settings.ONEWINDOW_FILES_CLEANUP = False  # the default in tests: the job does nothing
    files.files_cleanup_job()
    assert path.exists()
    settings.ONEWINDOW_FILES_CLEANUP = True
    files.files_cleanup_job()
    assert not path.exists() and path.parent.is_dir()  # the upload folder itself stays
