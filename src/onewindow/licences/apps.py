from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "onewindow.licences"
    label = "licences"
    verbose_name = "电子证照"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (register the periodic expiry job)

        nav.register()  # its links in the navigation by role
