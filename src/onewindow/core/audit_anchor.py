"""Signed checkpoints of the audit chain, kept outside the application database.

A checkpoint says "entry ``seq`` of the chain had hash ``hash`` at time ``at``", signed with
a key derived from the audit key (which the database does not hold). They go to an
append-only store behind ``CheckpointStore``:

- ``FileCheckpointStore`` (default): one JSON line per checkpoint in
  ``<storage dir>/audit/checkpoints.jsonl``, opened with O_APPEND and fsync'd. Put it on a
  volume the database server cannot write, and make it append-only for the operating system
  (``chattr +a``), or on another machine;
- ``SqlCheckpointStore``: a table in a second database (PostgreSQL or SQLite) whose
  triggers refuse UPDATE and DELETE; give the platform a role with INSERT and SELECT only;
- anything else (an external timestamping service): a class with ``append``/``all``/``latest``
  named by its dotted path.

``ONEWINDOW_AUDIT_CHECKPOINTS`` chooses: ``file`` (default), ``file:/abs/path.jsonl``,
``postgres://…`` / ``sqlite:////abs/path.sqlite3``, or ``python:package.module.Class``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

from django.conf import settings
from django.utils.module_loading import import_string

CHECKPOINT_CONTEXT = b"onewindow audit checkpoint v1"


class CheckpointStoreError(Exception):
    """The store holds something that is not a well-formed checkpoint."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    legacy_until: int  # entries up to this seq may carry the unkeyed (pre-key) hash
    key_version: int
    note: str = ""  # "restore: …" re-anchors the chain after a restore from backup
    signature: str = ""

    def payload(self) -> bytes:
        data = asdict(self)
        data.pop("signature")
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    @property
    def at_datetime(self) -> datetime:
        return datetime.fromisoformat(self.at)

    @property
    def is_restore(self) -> bool:
        return self.note.startswith("restore")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> Checkpoint:
        try:
            data = json.loads(line)
            return cls(seq=int(data["seq"]), hash=str(data["hash"]), at=str(data["at"]),
                       legacy_until=int(data["legacy_until"]), key_version=int(data["key_version"]),
                       note=str(data.get("note", "")), signature=str(data["signature"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointStoreError(f"not a checkpoint: {line[:80]!r}") from exc


def _checkpoint_key(audit_key: bytes) -> bytes:
    return hmac.new(audit_key, CHECKPOINT_CONTEXT, hashlib.sha256).digest()


def checkpoint_sign(cp: Checkpoint, keys: dict[int, bytes]) -> Checkpoint:
    signature = hmac.new(_checkpoint_key(keys[cp.key_version]), cp.payload(), hashlib.sha256).hexdigest()
    return Checkpoint(**{**asdict(cp), "signature": signature})


def checkpoint_valid(cp: Checkpoint, keys: dict[int, bytes]) -> bool:
    key = keys.get(cp.key_version)
    if key is None:
        return False
    expected = hmac.new(_checkpoint_key(key), cp.payload(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, cp.signature)


def checkpoint_new(*, seq: int, hash: str, at: datetime, legacy_until: int, key_version: int,
                   keys: dict[int, bytes], note: str = "") -> Checkpoint:
    cp = Checkpoint(seq=seq, hash=hash, at=at.astimezone(UTC).isoformat(timespec="microseconds"),
                    legacy_until=legacy_until, key_version=key_version, note=note)
    return checkpoint_sign(cp, keys)


class CheckpointStore(Protocol):
    def append(self, cp: Checkpoint) -> None: ...

    def all(self) -> list[Checkpoint]:
        """Every checkpoint, oldest first; raises CheckpointStoreError on a malformed one."""
        ...

    def latest(self) -> Checkpoint | None: ...

    def describe(self) -> str: ...


class FileCheckpointStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def describe(self) -> str:
        return f"file {self.path}"

    def append(self, cp: Checkpoint) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, (cp.to_json() + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def _lines(self, text: str) -> list[Checkpoint]:
        return [Checkpoint.from_json(line) for line in text.splitlines() if line.strip()]

    def all(self) -> list[Checkpoint]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return self._lines(text)

    def latest(self) -> Checkpoint | None:
        """The last line only (reads the end of the file: the store grows without bound)."""
        try:
            with self.path.open("rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                block = min(size, 16384)
                f.seek(size - block)
                tail = f.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return None
        lines = [line for line in tail.splitlines() if line.strip()]
        if not lines:
            return None
        return Checkpoint.from_json(lines[-1])


SQL_COLUMNS = "seq, hash, at, legacy_until, key_version, note, signature"
PG_SETUP = [
    """CREATE TABLE IF NOT EXISTS audit_checkpoint (
        id bigserial PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL, at text NOT NULL,
        legacy_until bigint NOT NULL, key_version integer NOT NULL, note text NOT NULL,
        signature text NOT NULL)""",
    """CREATE OR REPLACE FUNCTION audit_checkpoint_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit checkpoints are append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_change ON audit_checkpoint",
    """CREATE TRIGGER audit_checkpoint_no_change BEFORE UPDATE OR DELETE ON audit_checkpoint
       FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only()""",
]
SQLITE_SETUP = [
    """CREATE TABLE IF NOT EXISTS audit_checkpoint (
        id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, hash TEXT NOT NULL,
        at TEXT NOT NULL, legacy_until INTEGER NOT NULL, key_version INTEGER NOT NULL,
        note TEXT NOT NULL, signature TEXT NOT NULL)""",
    """CREATE TRIGGER IF NOT EXISTS audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
       BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
       BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END""",
]


class SqlCheckpointStore:
    """Checkpoints in a table of a second database (never the application's own)."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = urlparse(url)
        self.vendor = "sqlite" if parsed.scheme == "sqlite" else "postgresql"
        self._ready = False

    def describe(self) -> str:
        parsed = urlparse(self.url)
        return f"database {parsed.scheme}://{parsed.hostname or ''}{parsed.path}"

    def _connect(self) -> Any:
        if self.vendor == "sqlite":
            path = urlparse(self.url).path
            path = path[1:] if path.startswith("//") else path
            return sqlite3.connect(path, timeout=20, isolation_level=None)
        import psycopg

        return psycopg.connect(self.url.replace("postgres://", "postgresql://", 1), autocommit=True)

    def setup(self) -> None:
        """Create the table and its triggers (run once, as the store's owner role)."""
        with self._session() as conn:
            for sql in SQLITE_SETUP if self.vendor == "sqlite" else PG_SETUP:
                conn.execute(sql)
        self._ready = True

    def _session(self) -> closing[Any]:
        return closing(self._connect())

    def _ensure(self) -> None:
        if not self._ready:
            self.setup()

    def append(self, cp: Checkpoint) -> None:
        self._ensure()
        mark = "?" if self.vendor == "sqlite" else "%s"
        values = (cp.seq, cp.hash, cp.at, cp.legacy_until, cp.key_version, cp.note, cp.signature)
        with self._session() as conn:
            conn.execute(f"INSERT INTO audit_checkpoint ({SQL_COLUMNS}) VALUES "  # noqa: S608
                         f"({', '.join([mark] * 7)})", values)

    def _rows(self, sql: str) -> list[Checkpoint]:
        self._ensure()
        with self._session() as conn:
            rows = conn.execute(sql).fetchall()
        return [Checkpoint(seq=int(r[0]), hash=r[1], at=r[2], legacy_until=int(r[3]),
                           key_version=int(r[4]), note=r[5], signature=r[6]) for r in rows]

    def all(self) -> list[Checkpoint]:
        return self._rows(f"SELECT {SQL_COLUMNS} FROM audit_checkpoint ORDER BY id")  # noqa: S608

    def latest(self) -> Checkpoint | None:
        rows = self._rows(f"SELECT {SQL_COLUMNS} FROM audit_checkpoint ORDER BY id DESC LIMIT 1")  # noqa: S608
        return rows[0] if rows else None


def checkpoint_store() -> CheckpointStore:
    spec = (settings.ONEWINDOW_AUDIT_CHECKPOINTS or "file").strip()
    if spec == "file":
        return FileCheckpointStore(Path(settings.STORAGE_DIR) / "audit" / "checkpoints.jsonl")
    if spec.startswith("file:"):
        return FileCheckpointStore(spec[len("file:"):])
    if spec.startswith(("postgres://", "postgresql://", "sqlite://")):
        return SqlCheckpointStore(spec)
    if spec.startswith("python:"):
        return import_string(spec[len("python:"):])()  # type: ignore[no-any-return]
    raise ValueError(f"ONEWINDOW_AUDIT_CHECKPOINTS: unknown store {spec!r}")
