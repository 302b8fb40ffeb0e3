"""The auth version (ADR 0020): one row that triggers bump on any change of who may do what.

Processes cache bearer tokens, users and scopes stamped with this value
(``accounts.authcache``); a change made anywhere — a service, the admin, a shell, a bulk update —
bumps it in the same transaction, so the caches of every process drop their entries once they
read it again (at most ``ONEWINDOW_AUTH_CACHE_SECONDS`` later).
"""

from django.db import migrations, models

from onewindow.core.migration_sql import run_sql_by_vendor

# (table, events, columns whose UPDATE matters or None for every column)
WATCHED = [
    ("accounts_staff", ("INSERT", "UPDATE", "DELETE"),
     ("user_id", "name", "roles", "region_id", "window_id", "is_active")),
    ("accounts_staff_departments", ("INSERT", "UPDATE", "DELETE"), None),
    ("accounts_user", ("UPDATE", "DELETE"),
     ("is_active", "password", "username", "kind", "display_name", "first_name", "last_name",
      "is_staff", "is_superuser", "email", "preferred_language")),
    ("accounts_apitoken", ("UPDATE", "DELETE"), ("user_id", "key_hash", "expires_at", "revoked_at")),
    ("regions_region", ("UPDATE",), ("path",)),
]


def _event(event, columns):
    return f"UPDATE OF {', '.join(columns)}" if event == "UPDATE" and columns else event


PG_UP = [
    """CREATE OR REPLACE FUNCTION accounts_authversion_bump() RETURNS trigger AS $$
    BEGIN
        INSERT INTO accounts_authversion (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = accounts_authversion.value + 1;
        RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    *[
        f"CREATE TRIGGER {table}_authversion AFTER "
        f"{' OR '.join(_event(e, columns) for e in events)} ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION accounts_authversion_bump();"
        for table, events, columns in WATCHED
    ],
]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_authversion ON {table};" for table, _, _ in WATCHED],
    "DROP FUNCTION IF EXISTS accounts_authversion_bump();",
]
SQLITE_UP = [
    f"CREATE TRIGGER {table}_authversion_{event.lower()} AFTER {_event(event, columns)} ON {table} "
    "BEGIN INSERT OR IGNORE INTO accounts_authversion (id, value) VALUES (1, 0); "
    "UPDATE accounts_authversion SET value = value + 1 WHERE id = 1; END;"
    for table, events, columns in WATCHED for event in events
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {table}_authversion_{event.lower()};"
    for table, events, _ in WATCHED for event in events
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_registration"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "权限版本", "verbose_name_plural": "权限版本"},
        ),
        run_sql_by_vendor({"sqlite": SQLITE_UP, "postgresql": PG_UP},
                          {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
    ]
