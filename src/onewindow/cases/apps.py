from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onewindow.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from . import handlers, nav, tasks  # noqa: F401  (event subscriptions, periodic jobs)

        nav.register()  # its links in the navigation by role
