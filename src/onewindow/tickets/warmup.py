"""What a web worker of the hotline loads before serving (see onewindow.core.warmup): the
classifier (through one classification, so that its word segmenter and vectoriser are loaded
too) and the reference data intake reads."""

from __future__ import annotations

from onewindow.core.warmup import warmup_register

SAMPLE = "小区门口的垃圾桶满了三天没人清运，气味很大，请尽快处理。"


def register() -> None:
    @warmup_register("tickets.classifier")
    def _classifier() -> None:
        from . import services

        services.classify(SAMPLE)  # None without a model: nothing to load then

    @warmup_register("tickets.reference")
    def _reference() -> None:
        from . import selectors

        selectors.hotline_config()
        selectors.dispatch_rule_specs()
        selectors.time_limits()
        selectors.category_keyword_table()
