"""Tokens created before expiry existed get the default lifetime from now."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = int(getattr(settings, "ONEWINDOW_TOKEN_TTL_DAYS", 90))
    ApiToken.objects.filter(expires_at__isnull=True, revoked_at__isnull=True).update(
        expires_at=timezone.now() + timedelta(days=days))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
