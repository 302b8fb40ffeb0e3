from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onewindow.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        # register system checks, periodic jobs and task policies
        from . import background, checks, files, tasks  # noqa: F401
        from .audit_labels import audit_labels_autodiscover
        from .warmup import register_platform_steps

        register_platform_steps()
        audit_labels_autodiscover()  # every app's audit_labels.py: how its actions read
