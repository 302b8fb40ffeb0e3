from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "onewindow.tickets"
    label = "tickets"
    verbose_name = "12345 接诉即办"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (register periodic jobs and event handlers)

        nav.register()  # its links in the navigation by role
