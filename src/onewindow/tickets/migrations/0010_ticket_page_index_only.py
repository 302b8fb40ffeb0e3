"""Scoped ticket pages read (due_at, id) per status in deadline order: with ``id`` in the key the
read is index-only (issue 18; plan and figures in docs/benchmarks.md). The new index is built
before the old one is dropped, so lists are never without one (6.5 s at 1,000,000 tickets, writes
wait meanwhile). On a much larger table, build it with ``CREATE INDEX CONCURRENTLY`` (same name
and definition), drop the old one, and record this migration with ``migrate tickets 0010 --fake``."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0009_open311_fields_and_calls"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["status", "due_at", "id"],
                               include=("region_path", "department", "overdue", "received_at"),
                               name="ticket_status_due_id_idx"),
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_status_due_idx",
        ),
    ]
