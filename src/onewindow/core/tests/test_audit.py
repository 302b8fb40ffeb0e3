import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from onewindow.core.audit import audit_record, audit_verify_chain
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def _entries(n=5):
    for i in range(n):
        audit_record(actor=None, action="test.step", object_type="test", object_id=str(i),
                     summary={"i": i, "phone": "13812345678"})


def test_chain_links_every_entry_and_masks_personal_data():
    _entries(3)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].summary["phone"] == "138****5678"
    assert audit_verify_chain().ok


def test_database_refuses_update():
    _entries(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(action="forged")
    assert AuditEntry.objects.get(seq=1).action == "test.step"


def test_verification_names_the_first_edited_entry(tamperable):
    _entries(5)
    # A database administrator edits entry 3 behind the platform's back.
    AuditEntry.objects.filter(seq=3).update(summary={"i": 999})
    verdict = audit_verify_chain()
    assert not verdict.ok
    assert verdict.first_bad_seq == 3
    assert verdict.checked == 2
    with pytest.raises(CommandError, match="第 3 条"):
        call_command("audit_verify")


def test_verification_notices_a_deleted_entry(tamperable):
    _entries(4)
    AuditEntry.objects.filter(seq=2).delete()
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 2


def test_verification_notices_a_deleted_last_entry(tamperable):
    _entries(3)
    AuditEntry.objects.filter(seq=3).delete()
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 3


def test_command_reports_an_intact_chain(capsys):
    _entries(2)
    call_command("audit_verify")
    assert "已校验 2 条" in capsys.readouterr().out
