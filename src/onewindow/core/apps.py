from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onewindow.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        # register system checks, periodic jobs and task policies
        from . import background, checks, files, tasks  # noqa: F401
