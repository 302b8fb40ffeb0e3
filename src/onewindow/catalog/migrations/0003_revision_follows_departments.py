"""Department and region changes advance the catalogue revision.

The search index and the per-process item cache (ADR 0022) show each item with its department's
name and region; they are stamped with the catalogue revision only, so a department renamed or
moved to another region — by a service, the admin, a shell or a bulk update — stayed stale in
every process until the next publish, and an online application filed meanwhile took the old
region path. Triggers bump the revision in the same transaction as the change, as the auth
version's triggers do for staff and scopes (accounts 0004).
"""

from django.db import migrations

from onewindow.core.migration_sql import run_sql_by_vendor

# (table, columns whose UPDATE matters): inserts change no cached item; deletes are refused
# while items point at the row (PROTECT), so only updates are watched.
WATCHED = [
    ("accounts_department", ("code", "name", "short_name", "kind", "region_id", "phone", "is_active")),
    ("regions_region", ("code", "name", "path", "parent_id", "level")),
]

# WHEN keeps a save that changes none of the columns (Django writes them all) from bumping.
PG_UP = [
    """CREATE OR REPLACE FUNCTION catalog_revision_bump() RETURNS trigger AS $$
    BEGIN
        INSERT INTO catalog_catalogrevision (id, value) VALUES (1, 1)
        ON CONFLICT (id) DO UPDATE SET value = catalog_catalogrevision.value + 1;
        RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    *[
        f"CREATE TRIGGER {table}_catalogrevision AFTER UPDATE OF {', '.join(columns)} ON {table} "
        f"FOR EACH ROW WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in columns)}) "
        "EXECUTE FUNCTION catalog_revision_bump();"
        for table, columns in WATCHED
    ],
]
PG_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {table}_catalogrevision ON {table};" for table, _ in WATCHED],
    "DROP FUNCTION IF EXISTS catalog_revision_bump();",
]
SQLITE_UP = [
    f"CREATE TRIGGER {table}_catalogrevision AFTER UPDATE OF {', '.join(columns)} ON {table} "
    f"WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in columns)} "
    "BEGIN INSERT OR IGNORE INTO catalog_catalogrevision (id, value) VALUES (1, 0); "
    "UPDATE catalog_catalogrevision SET value = value + 1 WHERE id = 1; END;"
    for table, columns in WATCHED
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {table}_catalogrevision;" for table, _ in WATCHED]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_material_trust_levels"),
        ("accounts", "0005_service_clients_in_auth_version"),
        ("regions", "0001_initial"),
    ]

    operations = [
        run_sql_by_vendor({"sqlite": SQLITE_UP, "postgresql": PG_UP},
                          {"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
    ]
