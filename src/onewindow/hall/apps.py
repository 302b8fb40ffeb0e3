from django.apps import AppConfig


class HallConfig(AppConfig):
    name = "onewindow.hall"
    label = "hall"
    verbose_name = "服务大厅"

    def ready(self) -> None:
        from . import handlers, nav, tasks  # noqa: F401  (event subscriptions, periodic jobs)

        nav.register()  # its links in the navigation by role
