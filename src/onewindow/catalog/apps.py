from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "onewindow.catalog"
    label = "catalog"
    verbose_name = "事项目录"

    def ready(self) -> None:
        from . import nav

        nav.register()  # its links in the navigation by role
