"""The open cases' due-date index gains ``id`` as a key and the scope columns (region path,
department) as included ones, so counting a scope's open cases is an index-only scan (issue 18).
Built before the old index is dropped."""

from django.db import migrations, models

OPEN = ["submitted", "prereviewed", "supplement", "accepted", "in_review", "special", "approved", "refused"]


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_material_trust_levels"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("status__in", OPEN)), fields=["due_at", "id"],
                               include=("region_path", "department"), name="case_open_due_id"),
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_open_due",
        ),
    ]
