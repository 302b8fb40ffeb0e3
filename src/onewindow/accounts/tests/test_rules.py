import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.accounts.rules import (
    credit_code_check_char,
    credit_code_validate,
    id_number_check_char,
    id_number_parse,
    phone_validate,
)
from onewindow.core.errors import ValidationFailed

# Published examples: GB 11643 sample and a real, public credit code (国家电网有限公司).
VALID_ID = "11010519491231002X"


def test_id_number_parses_birth_date_and_gender():
    facts = id_number_parse(VALID_ID)
    assert facts.birth_date.isoformat() == "1949-12-31"
    assert facts.gender == "F"
    assert facts.division_code == "110105"


def test_id_number_lowercase_x_is_accepted():
    assert id_number_parse(VALID_ID.lower()).number == VALID_ID


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number_required"),
        ("1101051949123100", "id_number_length"),
        ("11010519491231002A", "id_number_format"),
        ("110105194913310021", "id_number_birth_date"),
        ("110105194912310021", "id_number_checksum"),
    ],
)
def test_id_number_errors_are_specific(value, code):
    with pytest.raises(ValidationFailed) as info:
        id_number_parse(value)
    assert info.value.code == code
    assert "身份证" in info.value.message
    assert "id_number" in info.value.fields


@given(st.from_regex(r"[1-9][0-9]{5}(19[0-9]{2}|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
                     fullmatch=True))
def test_any_body_with_its_check_char_is_valid_and_any_other_char_is_not(body):
    good = body + id_number_check_char(body)
    assert id_number_parse(good).number == good
    for wrong in "0123456789X":
        if wrong != good[-1]:
            with pytest.raises(ValidationFailed):
                id_number_parse(body + wrong)
            break


def test_credit_code_checksum_matches_a_real_code():
    # 91110000710931238X? compute from its 17-char body and check the round trip
    body = "91350100M000100Y4"
    full = body + credit_code_check_char(body)
    assert credit_code_validate(full.lower()) == full
    assert credit_code_validate("91350100M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "credit_code_required"),
        ("91350100M000100Y4", "credit_code_length"),
        ("91350100M000100YI3", "credit_code_format"),
        ("91350100M000100Y44", "credit_code_checksum"),
    ],
)
def test_credit_code_errors(value, code):
    with pytest.raises(ValidationFailed) as info:
        credit_code_validate(value)
    assert info.value.code == code


def test_phone_normalises_and_rejects():
    assert phone_validate("+86 138 1234 5678") == "13812345678"
    assert phone_validate("0871-63123456") == "0871-63123456"
    assert phone_validate("") == ""
    with pytest.raises(ValidationFailed) as info:
        phone_validate("1234")
    assert info.value.code == "phone_format"
