"""Test helpers shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from onewindow.core.errors import DomainError


@contextmanager
def raises_code(exc_type: type[DomainError], code: str, *, field: str | None = None) -> Iterator[Any]:
    """``pytest.raises`` for a ``DomainError`` that also asserts its stable ``code`` (and, with
    ``field``, that the error names that field): the type alone lets a wrong error pass."""
    with pytest.raises(exc_type) as caught:
        yield caught
    error = caught.value
    assert error.code == code, f"expected code {code!r}, got {error.code!r} ({error.message})"
    if field is not None:
        assert field in error.fields, f"expected a message for {field!r}, got {sorted(error.fields)}"
