from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "onewindow.grid"
    label = "grid"
    verbose_name = "网格化社会治理"

    def ready(self) -> None:
        from . import handlers, nav  # noqa: F401  (subscriptions to the hotline's events)

        nav.register()  # its links in the navigation by role
