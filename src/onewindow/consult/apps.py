from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "onewindow.consult"
    label = "consult"
    verbose_name = "在线应询"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (periodic job: first-answer escalation)

        nav.register()
