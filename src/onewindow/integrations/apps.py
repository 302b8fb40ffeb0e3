from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "onewindow.integrations"
    label = "integrations"
    verbose_name = "系统对接"

    def ready(self) -> None:
        from . import nav, tasks

        nav.register()
        tasks.webhooks_subscribe()
