"""Third-party apps under Chinese names in the admin (their own app names are English and not
translatable): listed in INSTALLED_APPS in place of "axes" and "django_tasks_db". Their models'
and fields' names are translated in locale/zh_Hans (they are marked for translation)."""

from axes.apps import AppConfig as AxesBaseConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesBaseConfig):
    verbose_name = _("Sign-in protection")


class TasksDatabaseConfig(TasksAppConfig):
    # a lazy string, as Django expects of verbose names (the library declares a plain str)
    verbose_name = _("Background tasks")  # type: ignore[assignment]
