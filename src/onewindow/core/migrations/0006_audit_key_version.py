"""Audit entries record the version of the key their MAC was made with (0: unkeyed SHA-256).

Added with a plain ``ALTER TABLE … ADD COLUMN … DEFAULT 0`` on both databases: Django would
rebuild the table on SQLite, which drops the append-only trigger. Existing entries keep their
SHA-256 hashes (version 0); the chain continues from them with keyed MACs.
"""

from django.db import migrations, models

ADD = 'ALTER TABLE core_auditentry ADD COLUMN key_version smallint NOT NULL DEFAULT 0'
DROP = 'ALTER TABLE core_auditentry DROP COLUMN key_version'
# The chain head row exists from the start on (appends no longer create it on the fly).
HEAD = ("INSERT INTO core_auditchainhead (id, last_seq, last_hash) "
        "SELECT 1, COALESCE(MAX(seq), 0), COALESCE((SELECT hash FROM core_auditentry ORDER BY seq DESC LIMIT 1), "
        "'0000000000000000000000000000000000000000000000000000000000000000') FROM core_auditentry "
        "WHERE NOT EXISTS (SELECT 1 FROM core_auditchainhead WHERE id = 1)")


def forwards(apps, schema_editor):
    schema_editor.execute(ADD)
    schema_editor.execute(HEAD)


def backwards(apps, schema_editor):
    schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_worker_heartbeat"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="auditentry",
                    name="key_version",
                    field=models.SmallIntegerField(default=0),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
