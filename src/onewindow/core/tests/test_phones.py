"""Chinese telephone numbers (pure rules)."""

from __future__ import annotations

import pytest

from onewindow.core.errors import ValidationFailed
from onewindow.core.phones import LANDLINE, MOBILE, Phone, phone_normalise, phone_parse
from onewindow.core.tests.helpers import raises_code


@pytest.mark.parametrize(("value", "expected"), [
    ("13812345678", Phone("13812345678", MOBILE)),
    (" 138 1234 5678 ", Phone("13812345678", MOBILE)),
    ("138-1234-5678", Phone("13812345678", MOBILE)),
    ("+86 138 1234 5678", Phone("13812345678", MOBILE)),
    ("008619912345678", Phone("19912345678", MOBILE)),
    ("8613812345678", Phone("13812345678", MOBILE)),
    ("0871-63123456", Phone("0871-63123456", LANDLINE)),
    ("(0871) 6312 3456", Phone("0871-63123456", LANDLINE)),
    ("（0871）63123456", Phone("0871-63123456", LANDLINE)),
    ("087163123456", Phone("0871-63123456", LANDLINE)),
    ("0871-6312-3456", Phone("0871-63123456", LANDLINE)),
    ("0871-5123456", Phone("0871-5123456", LANDLINE)),  # 7-digit local numbers exist
    ("010-87654321", Phone("010-87654321", LANDLINE)),
    ("021 6234 5678", Phone("021-62345678", LANDLINE)),
    ("+86 871 6312 3456", Phone("0871-63123456", LANDLINE)),
    ("0871-63123456-801", Phone("0871-63123456-801", LANDLINE)),
    ("0871-63123456转801", Phone("0871-63123456-801", LANDLINE)),
])
def test_valid_numbers_are_normalised(value: str, expected: Phone) -> None:
    assert phone_parse(value) == expected


@pytest.mark.parametrize(("value", "code"), [
    ("12345", "phone_service_number"),
    ("110", "phone_service_number"),
    ("95588", "phone_service_number"),
    ("4008123123", "phone_service_number"),
    ("63123456", "phone_area_code_missing"),
    ("6312345", "phone_area_code_missing"),
    ("1381234567", "phone_mobile_length"),
    ("138123456789", "phone_mobile_length"),
    ("12812345678", "phone_mobile_length"),  # no mobile network uses 12
    ("138abc45678", "phone_characters"),
    ("0871-12345", "phone_invalid"),  # a hotline behind an area code is not a landline
    ("0871-0312345", "phone_invalid"),  # local numbers never start with 0 or 1
    ("010-1234567", "phone_invalid"),  # Beijing numbers have 8 digits
    ("0871-631234567", "phone_invalid"),
    ("12", "phone_invalid"),
    ("+1 202 555 0100", "phone_invalid"),
    ("13812345678转8", "phone_invalid"),
])
def test_wrong_numbers_are_refused_with_their_code(value: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        phone_parse(value, field="requester_phone")
    assert caught.value.code == code
    assert set(caught.value.fields) == {"requester_phone"}
    assert caught.value.fields["requester_phone"] == caught.value.message


def test_12345_is_named_in_the_message() -> None:
    with raises_code(ValidationFailed, "phone_service_number") as caught:
        phone_parse("12345")
    assert "12345 是热线号码" in caught.value.message


def test_empty_is_none() -> None:
    assert phone_parse("  ") is None
    assert phone_normalise(None) == ""
    assert phone_normalise("0871 63123456") == "0871-63123456"
