"""Model fields for personal data: encrypted at rest, clear in Python."""

from __future__ import annotations

from typing import Any

from django.db import models

from .crypto import open_sealed, seal


class EncryptedTextField(models.TextField):
    """A text column that stores AES-GCM sealed values.

    The Python value is the clear text; the database only ever sees ``v<n>:...``. Pair it with
    a ``*_hash`` column (see ``crypto.lookup_hash``) when exact lookup is needed; encrypted
    columns cannot be filtered or ordered on.
    """

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return open_sealed(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return seal(str(value))
