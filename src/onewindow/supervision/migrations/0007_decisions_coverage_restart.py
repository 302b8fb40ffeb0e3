"""The coverage of the clerks' decisions now also vouches for the dispatchers' returns (0006),
which start empty: forget it, so the next refresh fills five weeks of both (until then the
monitor reads live)."""

from django.db import migrations


def coverage_forget(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("supervision", "ClerkDecisionsCoverage").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0006_monitor_returns_same_person"),
    ]

    operations = [migrations.RunPython(coverage_forget, migrations.RunPython.noop)]
