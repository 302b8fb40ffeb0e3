from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "onewindow.materials"
    label = "materials"
    verbose_name = "材料库"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (register the periodic post-check draw)

        nav.register()
