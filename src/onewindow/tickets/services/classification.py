"""Classification: the sparse-first classifier's suggestion, keyword refinement and live suggestions
while typing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from onewindow.accounts.models import Department

from .. import constants as c
from .. import rules, selectors
from ..dispatch import dispatch_decide
from ..models import (
    Category,
)
from ._common import logger


# --- Classification ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    """The classifier's decision in the shape the ticket records it."""

    label: str
    confidence: float
    model_version: str
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    threshold: float | None = None  # the model's own auto-dispatch threshold, when it has one
    stage: str = "full"  # "fast": the sparse model alone (intake); "full": with embeddings
    refinable: bool = False  # the full stage may still change a fast suggestion
    ms: float = 0.0  # how long the classification took (milliseconds)


def _alternatives(raw: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in list(raw or [])[:5]:
        if isinstance(item, dict):
            label, conf = item.get("label"), item.get("confidence", item.get("score"))
        elif isinstance(item, list | tuple) and len(item) >= 2:
            label, conf = item[0], item[1]
        else:
            label, conf = getattr(item, "label", None), getattr(item, "confidence", None)
        if label is None:
            continue
        try:
            out.append({"label": str(label), "confidence": round(float(conf or 0.0), 4)})
        except (TypeError, ValueError):
            continue
    return out


def classify(text: str, *, threshold: float | None = None, stage: str = "full") -> Suggestion | None:
    """Ask the classifier (tickets.classifier) for a category; None when it has no answer.

    ``threshold`` is the district's auto-dispatch threshold: with category paths the classifier
    answers with the deepest category whose confidence reaches it. ``stage="fast"`` asks the
    sparse model alone (intake and the live suggestion: milliseconds; the embedding members run
    later in ``ticket_classify_refine``). A missing or failing model never stops intake: the
    ticket then goes to the dispatcher.
    """
    from .. import classifier

    unavailable = getattr(classifier, "ClassifierUnavailable", None)
    started = time.perf_counter()
    try:
        result = classifier.classify(text, threshold=threshold, stage=stage)
    except Exception as exc:
        if unavailable is not None and isinstance(exc, unavailable):
            logger.info("no trained ticket classifier yet; the ticket goes to triage")
        else:
            logger.exception("ticket classifier failed; the ticket goes to triage")
        return None
    if result is None:
        return None
    label = getattr(result, "label", None)
    if label is None and isinstance(result, dict):
        label = result.get("label")
    if not label:
        return None

    def get(name: str, default: Any) -> Any:
        if isinstance(result, dict):
            return result.get(name, default)
        return getattr(result, name, default)

    try:
        confidence = float(get("confidence", 0.0))
    except (TypeError, ValueError):
        confidence = 0.0
    try:
        own = float(get("threshold", None))
    except (TypeError, ValueError):
        own = None
    return Suggestion(label=str(label)[:100], confidence=max(0.0, min(confidence, 1.0)),
                      model_version=str(get("model_version", ""))[:60],
                      alternatives=_alternatives(get("alternatives", [])), threshold=own,
                      stage=str(get("stage", stage)), refinable=bool(get("refinable", False)),
                      ms=round((time.perf_counter() - started) * 1000, 2))


@dataclass(frozen=True)
class Classification:
    """What the classifier says about a text, and the category that leads to."""

    suggestion: Suggestion | None
    predicted: Category | None  # the category the classifier's label names
    category: Category | None  # ``predicted``, or the subcategory the text's keywords point to
    keyword: str = ""  # the word that refined it

    @property
    def confidence(self) -> float | None:
        return self.suggestion.confidence if self.suggestion is not None and self.category is not None else None


def category_refined(category: Category | None, text: str) -> tuple[Category | None, str]:
    """A category that is not a leaf, refined by the keywords of its subcategories found in
    the text ("城乡建设" + "垃圾" → "环境卫生"; see rules.category_refine)."""
    if category is None or category.level >= 3:
        return category, ""
    refined = rules.category_refine(path=category.path, text=text, candidates=selectors.category_keyword_table())
    if refined is None:
        return category, ""
    deeper = selectors.category_by_path(refined[0])
    return (deeper, refined[1]) if deeper is not None else (category, "")


def classification_for(text: str, *, suggestion: Suggestion | None = None, stage: str = "full") -> Classification:
    """Classify a text (or take a suggestion already made) and resolve it to a category."""
    suggestion = suggestion if suggestion is not None else classify(text, stage=stage)
    if suggestion is None:
        return Classification(None, None, None)
    predicted = selectors.category_resolve(suggestion.label)
    category, keyword = category_refined(predicted, text)
    return Classification(suggestion, predicted, category, keyword)


SUGGESTION_MIN_CHARS = 4


def classifier_ready() -> bool:
    """Whether a trained model is there (a missing model sends every ticket to triage)."""
    try:
        from .. import classifier  # type: ignore[attr-defined]
    except ImportError:
        return False
    version = getattr(classifier, "current_version", None)
    try:
        return version() is not None if callable(version) else True
    except Exception:
        return False


@dataclass(frozen=True)
class LiveSuggestion:
    """What the operator sees while typing: the category path, the confidence in words, and
    the department the rules would give the ticket at the place typed so far."""

    state: str  # "ok", "too_short" (keep typing), "unavailable" (no trained model), "unknown"
    classification: Classification
    department: Department | None = None
    to_triage: bool = True
    level: str = "low"  # rules.confidence_level

    @property
    def level_label(self) -> str:
        return c.CONFIDENCE_LABELS[self.level]


def suggestion_live(*, text: str, region_path: str = "") -> LiveSuggestion:
    """The live suggestion for the operator's call form (and the classify API)."""
    empty = Classification(None, None, None)
    if len((text or "").strip()) < SUGGESTION_MIN_CHARS:
        return LiveSuggestion("too_short", empty)
    classified = classification_for(text, stage="fast")  # while the operator types: milliseconds
    if classified.suggestion is None:
        return LiveSuggestion("unknown" if classifier_ready() else "unavailable", empty)
    config = selectors.hotline_config(region_path=region_path) if region_path else selectors.hotline_config()
    confidence = classified.suggestion.confidence
    department = None
    if classified.category is not None:
        decision = dispatch_decide(rules=selectors.dispatch_rule_specs(), category_path=classified.category.path,
                                   region_path=region_path, fallback_department_id=None,
                                   confidence=confidence, threshold=config.triage_threshold)
        department = selectors.department_by_id(decision.department_id)
    return LiveSuggestion("ok", classified, department=department,
                          to_triage=classified.category is None or confidence < config.triage_threshold,
                          level=rules.confidence_level(confidence, config.triage_threshold))
