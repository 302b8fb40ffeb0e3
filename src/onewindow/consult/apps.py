from django.apps import AppConfig


class ConsultConfig(AppConfig):
    name = "onewindow.consult"
    label = "consult"
    verbose_name = "在线应询"

    def ready(self) -> None:
        from . import nav, tasks  # noqa: F401  (periodic job: first-answer escalation)

        nav.register()
        from onewindow.catalog.guide_panels import guide_panel_register

        from .views import guide_faq_panel

        guide_panel_register("consult.faq", guide_faq_panel, order=50)
