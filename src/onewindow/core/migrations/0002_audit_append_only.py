"""The database itself refuses UPDATE of audit entries (SQLite and PostgreSQL).

DELETE stays possible at the database level because Django's flush (tests, data resets) needs
it; the platform never deletes entries, and a deleted entry breaks the hash chain, which
``manage.py audit_verify`` reports.
"""

from django.db import migrations

from onewindow.core.migration_sql import run_sql_by_vendor

SQLITE_UP = [
    "CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
]
PG_UP = [
    """CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit trail is append-only'; END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE ON core_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only();",
]


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        run_sql_by_vendor({"sqlite": SQLITE_UP, "postgresql": PG_UP},
                          {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
    ]
