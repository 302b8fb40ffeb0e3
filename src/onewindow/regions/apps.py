from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "onewindow.regions"
    label = "regions"
    verbose_name = "行政区划与网格"

    def ready(self) -> None:
        from onewindow.core.warmup import warmup_register

        @warmup_register("regions.gazetteer")
        def _gazetteer() -> None:
            from .selectors import gazetteer_index, region_locate_warm

            gazetteer_index()
            region_locate_warm()
