"""Service accounts join the auth version (ADR 0020): a client's scopes, revocation or user
change bumps it, so cached bearer tokens of that client are read again (merges the two 0004s)."""

from django.db import migrations

from onewindow.core.migration_sql import run_sql_by_vendor

TABLE = "accounts_serviceclient"
COLUMNS = "scopes, revoked_at, user_id, secret_hash"

PG_UP = [
    f"CREATE TRIGGER {TABLE}_authversion AFTER UPDATE OF {COLUMNS} OR DELETE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_authversion_bump();",
]
PG_DOWN = [f"DROP TRIGGER IF EXISTS {TABLE}_authversion ON {TABLE};"]
_BUMP = ("BEGIN INSERT OR IGNORE INTO accounts_authversion (id, value) VALUES (1, 0); "
         "UPDATE accounts_authversion SET value = value + 1 WHERE id = 1; END;")
SQLITE_UP = [
    f"CREATE TRIGGER {TABLE}_authversion_update AFTER UPDATE OF {COLUMNS} ON {TABLE} {_BUMP}",
    f"CREATE TRIGGER {TABLE}_authversion_delete AFTER DELETE ON {TABLE} {_BUMP}",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {TABLE}_authversion_update;",
               f"DROP TRIGGER IF EXISTS {TABLE}_authversion_delete;"]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_auth_version"),
        ("accounts", "0004_service_clients"),
    ]

    operations = [
        run_sql_by_vendor({"postgresql": PG_UP, "sqlite": SQLITE_UP},
                          {"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
    ]
