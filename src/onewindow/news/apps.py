from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "onewindow.news"
    label = "news"
    verbose_name = "新闻与政务公开"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (periodic jobs: feed fetching, scheduled publishing)

        nav.register()
