"""Every application error code has an English message (returned when the request prefers
English): the codes are found in the source (every DomainError raised with a literal ``code``,
the class defaults, the codes passed through helpers such as ``_fail(field, message, "code")``,
the page error specs), so a new code without English fails here."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from django.test import RequestFactory

from onewindow.core import errors_en
from onewindow.core.errors import DomainError

SRC = Path(__file__).resolve().parents[2]
BASE_ERRORS = {"DomainError", "ValidationFailed", "NotFound", "PermissionDenied", "NotAuthenticated", "Conflict"}
CODE_PARAMETERS = ("code", "damaged_code")
#: Codes chosen at run time from a mapping (core.api's HTTP errors, core.views' page errors).
RUNTIME_CODES = {"bad_request", "not_authenticated", "permission_denied", "not_found", "method_not_allowed",
                 "too_large", "too_many_requests", "http_error", "internal_error", "bad_host", "csrf_failed",
                 "uri_too_long", "bad_characters"}


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in SRC.rglob("*.py")
            if "tests" not in path.parts and "migrations" not in path.parts}


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    names, grown = set(BASE_ERRORS), True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (isinstance(node, ast.ClassDef) and node.name not in names
                        and any(_name(base) in names for base in node.bases)):
                    names.add(node.name)
                    grown = True
    return names


def _forwarders(trees: dict[Path, ast.Module], errors: set[str]) -> dict[tuple[Path, str], tuple[str, int]]:
    """Functions that pass one of their parameters on as an error's ``code``: (module, name) →
    (parameter, its position). Helpers are module-private: calls are resolved in their module."""
    found: dict[tuple[Path, str], tuple[str, int]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            params = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and _name(call.func) in errors:
                    for keyword in call.keywords:
                        if (keyword.arg == "code" and isinstance(keyword.value, ast.Name)
                                and keyword.value.id in params and keyword.value.id in CODE_PARAMETERS):
                            positional = node.args.posonlyargs + node.args.args
                            index = next((i for i, a in enumerate(positional) if a.arg == keyword.value.id), -1)
                            found[(path, node.name)] = (keyword.value.id, index)
    return found


def raised_codes() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(literal codes → where, field-built codes' literal suffixes → where)."""
    trees = _trees()
    errors = _error_classes(trees)
    forwarders = _forwarders(trees, errors)
    codes: dict[str, list[str]] = defaultdict(list)
    suffixes: dict[str, list[str]] = defaultdict(list)
    for path, tree in trees.items():
        where = str(path.relative_to(SRC))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in errors:
                for statement in node.body:
                    if (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
                            and any(_name(t) == "code" for t in statement.targets)):
                        codes[statement.value.value].append(where)
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            values: list[ast.expr] = []
            if name in errors:
                values = [k.value for k in node.keywords if k.arg == "code"]
            elif (path, name) in forwarders:
                parameter, index = forwarders[(path, name)]
                values = [k.value for k in node.keywords if k.arg == parameter]
                if 0 <= index < len(node.args):
                    values.append(node.args[index])
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    codes[value.value].append(f"{where}:{node.lineno}")
                elif isinstance(value, ast.JoinedStr) and isinstance(value.values[-1], ast.Constant):
                    suffixes[str(value.values[-1].value)].append(f"{where}:{node.lineno}")
    for code in RUNTIME_CODES:
        codes[code].append("runtime")
    return codes, suffixes


def test_the_enumeration_finds_the_codes_raised_through_helpers() -> None:
    codes, suffixes = raised_codes()
    assert len(codes) > 500
    # a literal raise, a class default, a helper's positional code, a helper's keyword code
    for code in ("ticket_not_found", "validation_failed", "building_outside_grid", "catalog_admin_required",
                 "elder_not_found"):
        assert code in codes, code
    assert {"_required", "_too_long", "_invalid"} <= set(suffixes)


def test_every_error_code_has_an_english_message() -> None:
    codes, suffixes = raised_codes()
    missing = sorted(f"{code} ({codes[code][0]})" for code in codes if errors_en.english_for(code) is None)
    assert not missing, f"{len(missing)} codes without English (add them to <app>/errors_en.py): {missing}"
    field_built = sorted(s for s in suffixes if errors_en.english_for(f"some_field{s}") is None)
    assert not field_built, f"field-built codes without an English pattern (SUFFIX_MESSAGES): {field_built}"


def test_english_texts_are_english_sentences() -> None:
    for code, text in errors_en.english_messages().items():
        assert text and text.isascii() and (text[0].isupper() or text[0] == '"'), (code, text)


@pytest.mark.parametrize(("language", "expected"), [
    ("en-GB,en;q=0.9", "Ticket not found, or outside what you may see."), ("zh-CN,zh;q=0.9", "找不到该工单")])
def test_the_message_follows_accept_language(language: str, expected: str) -> None:
    request = RequestFactory().get("/api/v1/tickets/x", HTTP_ACCEPT_LANGUAGE=language)
    request.LANGUAGE_CODE = "en" if language.startswith("en") else "zh-hans"
    error = DomainError("找不到该工单", code="ticket_not_found", status=404)
    assert errors_en.localized_message(request, error.code, error.message) == expected
    assert errors_en.localized_message(request, "name_required", "请填写姓名") == (
        "Enter the name." if language.startswith("en") else "请填写姓名")
    assert errors_en.english_for("applicant_phone_too_long") == "Applicant phone is too long."


@pytest.mark.django_db
def test_an_app_code_answers_in_english_through_the_api(client) -> None:
    url = "/api/v1/halls/00000000-0000-0000-0000-000000000000"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").json()
    assert (english["code"], english["message"]) == ("hall_not_found", "Service hall not found.")
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert chinese["code"] == "hall_not_found" and chinese["message"] == "找不到该服务大厅"
