from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "onewindow.supervision"
    label = "supervision"
    verbose_name = "监督与决策"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (periodic jobs)

        nav.register()  # its links in the navigation by role
