from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "onewindow.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self) -> None:
        from onewindow.core.warmup import warmup_register

        from . import nav

        nav.register()  # its links in the navigation by role

        @warmup_register("catalog.search_index")
        def _search_index() -> None:
            from .search import search_index

            search_index()
