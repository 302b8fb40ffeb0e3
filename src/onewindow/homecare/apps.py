from django.apps import AppConfig


class HomecareConfig(AppConfig):
    name = "onewindow.homecare"
    label = "homecare"
    verbose_name = "居家养老服务"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (periodic alert job, navigation links)

        nav.register()
