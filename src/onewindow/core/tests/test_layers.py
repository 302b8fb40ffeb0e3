"""The layer rule, kept by a test: API functions (``<app>/api*.py``) and pages (``<app>/views*.py``)
read through selectors and write through services; they never touch the ORM themselves.

The test parses every such module with ``ast`` (no import, no database) and fails on any use of a
model manager (``X.objects``). Relation managers (``case.steps.filter(...)``) cannot be told
apart from other attribute calls without type information, so they are not checked here; review
keeps those in selectors too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import onewindow

ROOT = Path(onewindow.__file__).resolve().parent

# Modules allowed to use a model manager, each with the reason it cannot go through a selector.
# Keep it short and explicit: a new entry needs a reason a reviewer would accept.
ALLOWED: dict[str, str] = {}


def _layer_modules() -> list[Path]:
    found: list[Path] = []
    for app in sorted(p for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        for pattern in ("api.py", "api_*.py", "*_api.py", "views.py", "*_views.py", "views_*.py"):
            found.extend(sorted(app.glob(pattern)))
        for package in ("api", "views"):
            if (app / package / "__init__.py").exists():
                found.extend(sorted((app / package).rglob("*.py")))
    return sorted(set(found))


def orm_uses(source: str) -> list[tuple[int, str]]:
    """(line, text) of every ``<something>.objects`` attribute access in ``source``."""
    tree = ast.parse(source)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            hits.append((node.lineno, ast.unparse(node)))
    return sorted(hits)


def test_the_scanner_finds_a_manager_and_ignores_look_alikes() -> None:
    source = (
        "def f(request, Case, selectors):\n"
        "    a = Case.objects.filter(pk=1).first()\n"
        "    b = request.GET.get('objects')\n"
        "    c = selectors.case_list(actor=request.user).filter(pk=1)\n"
        "    d = {'objects': 1}.get('objects')\n"
        "    return a, b, c, d\n"
    )
    assert orm_uses(source) == [(2, "Case.objects")]


def test_the_layer_modules_are_found() -> None:
    names = {f"{p.parent.name}/{p.name}" for p in _layer_modules()}
    assert {"cases/api.py", "cases/views.py", "tickets/api.py", "hall/views.py"} <= names


def test_api_and_views_do_not_query_the_orm() -> None:
    offenders = []
    for path in _layer_modules():
        rel = str(path.relative_to(ROOT))
        if rel in ALLOWED:
            continue
        for line, text in orm_uses(path.read_text(encoding="utf-8")):
            offenders.append(f"{rel}:{line}: {text}")
    assert not offenders, (
        "API functions and pages must read through the app's selectors (and write through its "
        "services), not the ORM. Move these reads into <app>/selectors.py:\n" + "\n".join(offenders))


def test_the_allow_list_has_no_stale_entries() -> None:
    for rel, reason in ALLOWED.items():
        path = ROOT / rel
        assert reason.strip(), rel
        assert path.exists(), f"{rel} is allow-listed but does not exist"
        assert orm_uses(path.read_text(encoding="utf-8")), f"{rel} is allow-listed but no longer needs it"
