"""Database roles: the application role may only append to and read the audit trail."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from onewindow.core.audit import audit_record
from onewindow.core.checks import APP_ROLE_OWNS_OBJECTS, AUDIT_ROLE_CAN_MODIFY
from onewindow.core.db_roles import db_roles_sql

pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="roles exist on PostgreSQL only")


def test_the_statements_grant_only_insert_and_select_on_the_audit_table():
    sql = "\n".join(db_roles_sql(database="onewindow", owner="ow_owner", app="ow_app"))
    assert 'REVOKE ALL ON "public"."core_auditentry" FROM "ow_app"' in sql
    assert 'GRANT SELECT, INSERT ON "public"."core_auditentry" TO "ow_app"' in sql
    assert 'REASSIGN OWNED BY "ow_app" TO "ow_owner"' in sql
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE \"ow_owner\"" in sql
    assert "TRUNCATE" not in sql.split("GRANT SELECT, INSERT ON", 1)[1]
    out = StringIO()
    call_command("db_roles", "--owner", "ow_owner", "--app", "ow_app", stdout=out)
    assert 'GRANT SELECT, INSERT ON "public"."core_auditentry" TO "ow_app";' in out.getvalue()
    with pytest.raises(CommandError, match="必须不同"):
        call_command("db_roles", "--owner", "same", "--app", "same")


@pytest.mark.django_db
def test_check_deploy_is_silent_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("covered by the PostgreSQL tests")
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert AUDIT_ROLE_CAN_MODIFY not in ids


@pg_only
@pytest.mark.django_db
def test_check_deploy_warns_when_the_role_can_modify_the_audit_table():
    # The test suite connects as the superuser that owns every table.
    messages = {m.id: m for m in run_checks(include_deployment_checks=True)}
    assert AUDIT_ROLE_CAN_MODIFY in messages and APP_ROLE_OWNS_OBJECTS in messages
    text = messages[AUDIT_ROLE_CAN_MODIFY].msg
    assert "超级用户" in text and "可 DELETE" in text and "可 TRUNCATE" in text
    assert "db_roles" in messages[AUDIT_ROLE_CAN_MODIFY].hint


@pytest.fixture
def roles(django_db_blocker):
    """Apply db_roles to the test database with roles named after it; undo afterwards."""
    name = connection.settings_dict["NAME"]
    owner, app = f"{name}_own"[:63], f"{name}_app"[:63]
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("db_roles", "--owner", owner, "--app", app, "--apply", stdout=out)
    assert "只能 INSERT/SELECT" in out.getvalue()
    yield owner, app
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        user = connection.settings_dict["USER"] or "postgres"
        for role in (app, owner):
            cursor.execute(f'REASSIGN OWNED BY "{role}" TO "{user}"')
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def _connect(role: str):  # type: ignore[no-untyped-def]
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=role,
                           dbname=s["NAME"], autocommit=True)


@pg_only
@pytest.mark.django_db(transaction=True)
def test_the_app_role_appends_and_reads_but_cannot_rewrite_the_trail(roles):
    import psycopg
    from psycopg import errors

    from onewindow.core.db_roles import audit_role_report

    owner, app = roles
    audit_record(actor=None, action="test.before", summary={})
    with _connect(app) as conn:
        # What the platform does: append through the head row, read, use ordinary tables.
        seq, prev = conn.execute("UPDATE core_auditchainhead SET last_seq = last_seq + 1 WHERE id = 1 "
                                 "RETURNING last_seq, last_hash").fetchone()
        conn.execute("INSERT INTO core_auditentry (seq, at, actor_label, action, object_type, object_id, "
                     "summary, request_id, ip, prev_hash, hash, key_version) VALUES "
                     "(%s, now(), 'system', 'test.app', '', '', '{}', '', '', %s, %s, 1)",
                     [seq, prev, "f" * 64])
        assert conn.execute("SELECT count(*) FROM core_auditentry").fetchone()[0] == 2
        conn.execute("INSERT INTO core_outboxevent (name, payload, created_at, attempts, last_error) "
                     "VALUES ('t', '{}', now(), 0, '')")
        conn.execute("DELETE FROM core_outboxevent WHERE name = 't'")
        for statement in ("UPDATE core_auditentry SET action = 'forged'",
                          "DELETE FROM core_auditentry",
                          "TRUNCATE core_auditentry",
                          "ALTER TABLE core_auditentry DISABLE TRIGGER USER",
                          "DROP TABLE core_auditentry",
                          "CREATE TRIGGER t BEFORE INSERT ON core_auditentry FOR EACH ROW "
                          "EXECUTE FUNCTION core_auditentry_append_only()",
                          f'SET ROLE "{owner}"',
                          "CREATE TABLE app_owned (id int)"):
            with pytest.raises((errors.InsufficientPrivilege, psycopg.errors.InvalidParameterValue)):
                conn.execute(statement)
        with conn.cursor() as cursor:
            assert audit_role_report(cursor) == ([], 0)
    # Migrations run as the owner: new tables are usable by the application at once.
    with _connect(owner) as conn:
        conn.execute("CREATE TABLE later_table (id int)")
    with _connect(app) as conn:
        conn.execute("INSERT INTO later_table VALUES (1)")
        conn.execute("DELETE FROM later_table")
    with _connect(owner) as conn:
        conn.execute("DROP TABLE later_table")
