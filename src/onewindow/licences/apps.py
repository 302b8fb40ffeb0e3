from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "onewindow.licences"
    label = "licences"
    verbose_name = "电子证照"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (register the periodic expiry job)
