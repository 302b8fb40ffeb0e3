"""Factories and a stand-in classifier for the hotline's tests."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

from onewindow.tickets.constants import Channel, TicketKind


@dataclass
class FakeSuggestion:
    label: str
    confidence: float
    model_version: str = "test-1"
    alternatives: list[Any] = field(default_factory=list)


# keyword → (label, confidence); the first keyword found in the text decides.
KEYWORDS: list[tuple[str, str, float]] = [
    ("停水", "自来水供应", 0.92),
    ("自来水", "自来水供应", 0.9),
    ("噪音", "噪音污染", 0.85),
    ("垃圾", "环境卫生", 0.8),
    ("违建", "违章建筑", 0.75),
]


def fake_classify(text: str) -> FakeSuggestion | None:
    for word, label, confidence in KEYWORDS:
        if word in text:
            return FakeSuggestion(label, confidence, alternatives=[("环境卫生", 0.05), ("其他", 0.01)])
    return FakeSuggestion("消费维权", 0.3)


def install_fake_classifier(monkeypatch: Any, func: Any = fake_classify) -> None:
    """Make ``onewindow.tickets.classifier.classify`` the given function for one test."""
    import onewindow.tickets as package

    module = types.ModuleType("onewindow.tickets.classifier")
    module.classify = lambda text, **options: func(text)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "onewindow.tickets.classifier", module)
    monkeypatch.setattr(package, "classifier", module, raising=False)


def intake_kwargs(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": TicketKind.HELP, "channel": Channel.HOTLINE, "title": "小区停水",
        "text": "拓东路12号小区从今天早上开始停水，至今没有来水，老人做饭都成问题。",
        "address": "拓东路12号", "lng": 102.71, "lat": 25.01,
        "requester_name": "王秀英", "requester_phone": "13812345678",
    }
    if "text" in overrides and "title" not in overrides:
        values["title"] = ""  # derived from the text
    values.update(overrides)
    return values
