"""The audit chain is keyed and anchored: each attack the issue names is detected.

Attacks (as the table's owner could do them, with the triggers off): TRUNCATE, deleting the
tail together with the chain-head row, moving the head back, editing an entry and recomputing
every later hash, downgrading entries to the unkeyed scheme, forging checkpoints.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from onewindow.core import audit
from onewindow.core.audit import (
    GENESIS_HASH,
    AuditChainBroken,
    audit_checkpoint_write,
    audit_record,
    audit_verify_chain,
    entry_digest,
)
from onewindow.core.audit_anchor import (
    Checkpoint,
    FileCheckpointStore,
    SqlCheckpointStore,
    checkpoint_store,
)
from onewindow.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def entries(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        audit_record(actor=None, action="test.step", object_type="test", object_id=str(i),
                     summary={"i": i})


def recompute_from(seq: int, *, key_version: int = 0, key: bytes | None = None) -> None:
    """Rewrite hashes from ``seq`` on so that the chain links again (what an attacker does)."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    for e in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        fields = dict(prev_hash=prev, seq=e.seq, at=e.at, actor_id=e.actor_id, actor_label=e.actor_label,
                      action=e.action, object_type=e.object_type, object_id=e.object_id,
                      summary=e.summary, request_id=e.request_id, ip=e.ip)
        if key is None:
            digest = entry_digest(**fields, key_version=0)
        else:  # a guessed key
            import hmac
            import json
            from datetime import UTC
            canonical = json.dumps({**{k: v for k, v in fields.items() if k != "prev_hash"},
                                    "at": e.at.astimezone(UTC).isoformat(timespec="microseconds"),
                                    "actor": e.actor_id, "v": key_version},
                                   sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            digest = hmac.new(key, (prev + canonical).encode(), hashlib.sha256).hexdigest()
        AuditEntry.objects.filter(seq=e.seq).update(prev_hash=prev, hash=digest, key_version=key_version)
        prev = digest
    AuditChainHead.objects.filter(id=1).update(last_hash=prev)


def test_entries_carry_a_keyed_mac_not_a_plain_hash():
    entries(2)
    first = AuditEntry.objects.get(seq=1)
    assert first.key_version == 1
    plain = entry_digest(prev_hash=GENESIS_HASH, seq=1, at=first.at, actor_id=None, actor_label="system",
                         action="test.step", object_type="test", object_id="0", summary={"i": 0},
                         request_id=first.request_id, ip=first.ip)
    assert first.hash != plain
    assert audit_verify_chain().ok


def test_another_key_does_not_verify(settings):
    entries(2)
    settings.ONEWINDOW_AUDIT_KEY = "1:another-key-entirely-0123456789abcdef"
    verdict = audit_verify_chain(store=None)
    assert not verdict.ok and verdict.first_bad_seq == 1 and "校验码不符" in verdict.reason


def test_edit_and_recompute_later_hashes_is_detected(tamperable):
    entries(5)
    AuditEntry.objects.filter(seq=3).update(summary={"i": 999})
    recompute_from(3)  # plain SHA-256, as audit_verify used to accept
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 3
    recompute_from(3, key_version=1, key=b"guessed" * 5)
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 3 and "校验码不符" in verdict.reason


def test_truncate_is_detected_against_the_last_checkpoint(tamperable):
    entries(5)
    assert audit_checkpoint_write().seq == 5
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE core_auditentry, core_auditchainhead")
        else:
            cursor.execute("DELETE FROM core_auditentry")
            cursor.execute("DELETE FROM core_auditchainhead")
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.checked == 0 and verdict.first_bad_seq == 1
    assert "截断" in verdict.reason and "第 5 条" in verdict.reason
    with pytest.raises(CommandError, match="审计链被篡改"):
        call_command("audit_verify")
    with pytest.raises(AuditChainBroken):  # never signs the wiped state
        audit_checkpoint_write()


def test_deleting_the_tail_with_the_head_row_is_detected(tamperable):
    entries(5)
    audit_checkpoint_write()
    AuditEntry.objects.filter(seq__gte=4).delete()
    AuditChainHead.objects.all().delete()
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 4 and "只有 3 条" in verdict.reason


def test_moving_the_head_back_is_detected(tamperable):
    entries(5)
    audit_checkpoint_write()
    third = AuditEntry.objects.get(seq=3)
    AuditEntry.objects.filter(seq__gte=4).delete()
    AuditChainHead.objects.filter(id=1).update(last_seq=3, last_hash=third.hash)
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 4
    # ... and new entries written on top of the moved head do not hide it: the new entry 5
    # is not the one the checkpoint signed.
    entries(3, start=10)
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 5 and "检查点不符" in verdict.reason


def test_a_tail_cut_after_the_last_checkpoint_is_what_the_head_row_catches(tamperable):
    entries(3)
    audit_checkpoint_write()
    entries(2, start=3)
    AuditEntry.objects.filter(seq=5).delete()
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 5  # head row still says 5


def test_downgrading_entries_to_the_unkeyed_scheme_is_detected(tamperable):
    entries(4)
    audit_checkpoint_write()
    recompute_from(1)  # the whole chain rewritten as plain SHA-256 "legacy" entries
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 1 and "旧校验方式" in verdict.reason


def _legacy_entries(n: int) -> None:
    """Entries as the platform wrote them before the chain was keyed."""
    from django.utils import timezone

    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        at = timezone.now()
        digest = entry_digest(prev_hash=prev, seq=seq, at=at, actor_id=None, actor_label="system",
                              action="old.step", object_type="", object_id="", summary={}, request_id="",
                              ip="")
        AuditEntry.objects.create(seq=seq, at=at, actor_label="system", action="old.step", summary={},
                                  prev_hash=prev, hash=digest, key_version=0)
        prev = digest
    AuditChainHead.objects.update_or_create(id=1, defaults={"last_seq": n, "last_hash": prev})


def test_entries_from_before_the_key_stay_valid_as_the_prefix(tamperable):
    _legacy_entries(3)
    entries(2)
    assert [e.key_version for e in AuditEntry.objects.order_by("seq")] == [0, 0, 0, 1, 1]
    assert audit_verify_chain().ok
    cp = audit_checkpoint_write()
    assert cp.legacy_until == 3 and cp.seq == 5
    entries(1)
    assert audit_checkpoint_write().legacy_until == 3
    assert audit_verify_chain().ok
    # an unkeyed entry after the keyed ones is a forgery
    AuditEntry.objects.filter(seq=4).update(summary={"forged": True})
    recompute_from(4)
    verdict = audit_verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == 4


def test_key_rotation_keeps_old_entries_verifiable(settings):
    entries(2)
    old = settings.ONEWINDOW_AUDIT_KEY
    settings.ONEWINDOW_AUDIT_KEY = f"2:the-second-key-0123456789abcdefghij,1:{old}"
    entries(2, start=2)
    assert [e.key_version for e in AuditEntry.objects.order_by("seq")] == [1, 1, 2, 2]
    assert audit_verify_chain().ok
    settings.ONEWINDOW_AUDIT_KEY = "2:the-second-key-0123456789abcdefghij"
    verdict = audit_verify_chain(store=None)
    assert not verdict.ok and "缺少第 1 版审计密钥" in verdict.reason


def test_forged_or_removed_checkpoints_are_reported(tmp_path):
    entries(3)
    store = checkpoint_store()
    cp = audit_checkpoint_write(store=store)
    forged = Checkpoint(**{**cp.__dict__, "seq": 2})
    store.append(forged)
    verdict = audit_verify_chain(store=store)
    assert not verdict.ok and "签名无效" in verdict.reason
    with pytest.raises(AuditChainBroken, match="签名无效"):
        audit_checkpoint_write(store=store)
    broken = FileCheckpointStore(tmp_path / "broken.jsonl")
    broken.path.write_text("not json\n")
    assert "检查点存储损坏" in audit_verify_chain(store=broken).reason


def test_checkpoints_are_written_only_when_the_chain_moved_and_extend_it():
    assert audit_checkpoint_write() is None  # empty chain
    entries(2)
    first = audit_checkpoint_write()
    assert (first.seq, first.hash) == (2, AuditEntry.objects.get(seq=2).hash)
    assert audit_checkpoint_write() is None
    entries(1)
    assert audit_checkpoint_write().seq == 3
    store = checkpoint_store()
    assert [c.seq for c in store.all()] == [2, 3] and store.latest().seq == 3
    verdict = audit_verify_chain()
    assert verdict.ok and verdict.checkpoint_seq == 3 and verdict.warnings == []
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "已校验 3 条" in out.getvalue() and "最近检查点：第 3 条" in out.getvalue()


def test_the_timer_job_writes_checkpoints():
    from onewindow.core.timer import periodic_jobs

    entries(2)
    periodic_jobs()["core.audit_checkpoint"]()
    assert checkpoint_store().latest().seq == 2


def test_a_restore_from_backup_is_re_anchored_by_the_operator(tamperable):
    entries(5)
    audit_checkpoint_write()
    # The database comes back from last night's backup: entries 4 and 5 are gone.
    third = AuditEntry.objects.get(seq=3)
    AuditEntry.objects.filter(seq__gte=4).delete()
    AuditChainHead.objects.filter(id=1).update(last_seq=3, last_hash=third.hash)
    assert not audit_verify_chain().ok
    with pytest.raises(CommandError, match="未写入检查点"):
        call_command("audit_checkpoint")
    out = StringIO()
    call_command("audit_checkpoint", "--restored", "12 月 1 日备份恢复", stdout=out)
    assert "已写入检查点：第 3 条" in out.getvalue()
    assert audit_verify_chain().ok
    reanchor = AuditEntry.objects.get(action="audit.reanchor")
    assert reanchor.summary == {"note": "12 月 1 日备份恢复", "superseded_seq": 5}


def test_no_checkpoint_yet_is_a_warning():
    entries(1)
    verdict = audit_verify_chain()
    assert verdict.ok and "尚无检查点" in verdict.warnings[0]


def test_sql_checkpoint_store_is_append_only(tmp_path):
    store = SqlCheckpointStore(f"sqlite:///{tmp_path / 'anchor.sqlite3'}")
    entries(2)
    audit_checkpoint_write(store=store)
    entries(1)
    audit_checkpoint_write(store=store)
    assert [c.seq for c in store.all()] == [2, 3] and store.latest().seq == 3
    assert audit_verify_chain(store=store).ok
    raw = sqlite3.connect(tmp_path / "anchor.sqlite3")
    for sql in ("UPDATE audit_checkpoint SET seq = 1", "DELETE FROM audit_checkpoint"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(sql)
    raw.close()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a second PostgreSQL database")
def test_sql_checkpoint_store_on_a_second_postgresql_database():
    import psycopg

    s = connection.settings_dict
    base = f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    name = f"{s['NAME']}_anchor"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        store = SqlCheckpointStore(f"{base}/{name}")
        entries(3)
        audit_checkpoint_write(store=store)
        assert store.latest().seq == 3 and audit_verify_chain(store=store).ok
        with psycopg.connect(f"{base}/{name}", autocommit=True) as conn, \
                pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM audit_checkpoint")
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_append_is_two_statements_on_postgresql_and_no_savepoint():
    entries(1)
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        audit_record(actor=None, action="test.count", summary={})
    sql = [q["sql"] for q in ctx.captured_queries]
    statements = [q for q in sql if q.split()[0].upper() not in ("BEGIN", "COMMIT", "SAVEPOINT")]
    assert not any("SAVEPOINT" in q.upper() for q in sql)
    assert len(statements) == (2 if connection.vendor == "postgresql" else 3)
    assert statements[0].startswith("UPDATE") and "RETURNING" in statements[0]


def test_a_rolled_back_transaction_leaves_no_gap():
    entries(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.rolled_back", summary={})
        raise RuntimeError("the change failed")
    entries(1, start=1)
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1, 2]
    assert audit_verify_chain().ok


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need PostgreSQL")
def test_concurrent_appends_stay_gapless_and_verifiable():
    entries(1)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", object_id=f"{n}-{i}", summary={})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 62))
    assert audit_verify_chain().ok


def test_keys_accept_a_bare_key_or_versions():
    assert set(audit._parse_keys("just-one-passphrase")) == {1}
    keys = audit._parse_keys("3:c2Vjb25k,1:Zmlyc3Q=")
    assert set(keys) == {1, 3} and all(len(k) == 32 for k in keys.values())
