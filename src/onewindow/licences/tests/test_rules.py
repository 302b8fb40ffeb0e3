from datetime import date

import pytest

from onewindow.licences.constants import VERIFY_ALPHABET, LicenceStatus, VerifyStatus
from onewindow.licences.rules import (
    default_valid_until,
    licence_number_new,
    licence_number_store,
    mask_credit_code,
    parse_date_cell,
    parse_status_cell,
    verification_code_new,
    verification_code_normalise,
    verify_status,
)


def test_verification_codes_are_16_unambiguous_symbols_and_differ():
    codes = {verification_code_new() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 16 and set(code) <= set(VERIFY_ALPHABET)
        assert not set(code) & set("01IOL")


def test_normalise_accepts_grouped_lowercase_and_rejects_garbage():
    code = verification_code_new()
    grouped = "-".join(code[i:i + 4] for i in range(0, 16, 4)).lower()
    assert verification_code_normalise(f"  {grouped} ") == code
    assert verification_code_normalise("ABCD") == ""
    assert verification_code_normalise("O" * 16) == ""  # O is not in the alphabet
    assert verification_code_normalise("") == ""


def test_default_validity_is_n_years_less_one_day_or_long_term():
    assert default_valid_until(date(2024, 5, 1), 5) == date(2029, 4, 30)
    assert default_valid_until(date(2024, 2, 29), 1) == date(2025, 2, 27)
    assert default_valid_until(date(2024, 5, 1), None) is None


@pytest.mark.parametrize("text", ["2024-05-01", "2024/5/1", "2024年5月1日", "20240501", "2024.05.01"])
def test_date_cells_in_common_spellings(text):
    assert parse_date_cell(text) == date(2024, 5, 1)


def test_long_term_and_bad_dates():
    assert parse_date_cell("长期", long_term_ok=True) is None
    assert parse_date_cell("", long_term_ok=True) is None
    with pytest.raises(ValueError):
        parse_date_cell("长期")
    with pytest.raises(ValueError):
        parse_date_cell("2024-13-01")
    with pytest.raises(ValueError):
        parse_date_cell("next week")


def test_status_words():
    assert parse_status_cell("") == LicenceStatus.VALID
    assert parse_status_cell("注销") == LicenceStatus.REVOKED
    assert parse_status_cell("已过期") == LicenceStatus.EXPIRED
    with pytest.raises(ValueError):
        parse_status_cell("挂失")


def test_verify_status_revoked_wins_and_dates_expire_before_the_job():
    today = date(2026, 3, 1)
    assert verify_status(status="valid", valid_until=None, today=today) == VerifyStatus.VALID
    assert verify_status(status="valid", valid_until=today, today=today) == VerifyStatus.VALID
    assert verify_status(status="valid", valid_until=date(2026, 2, 28), today=today) == VerifyStatus.EXPIRED
    assert verify_status(status="expired", valid_until=None, today=today) == VerifyStatus.EXPIRED
    assert verify_status(status="revoked", valid_until=date(2030, 1, 1), today=today) == VerifyStatus.REVOKED


def test_mask_credit_code():
    assert mask_credit_code("91530103MA6K00000X") == "9153**********000X"
    assert mask_credit_code("") == ""


# --- Mutation testing (issue 9): edges the tests above left open -------------------------------
def test_a_licence_number_equal_to_the_holders_id_number_is_stored_as_a_keyed_hash():
    from onewindow.core.crypto import lookup_hash

    id_number = "53010319800101123X"
    stored, hashed = licence_number_store(f" {id_number} ", id_number)
    assert hashed is True and stored == "H:" + lookup_hash(id_number)[:48] and len(stored) == 50
    # the check character in lower case on either side is the same number
    assert licence_number_store(id_number, id_number.lower()) == (stored, True)
    assert licence_number_store(id_number.lower(), id_number)[1] is True


def test_other_licence_numbers_are_stored_as_given():
    id_number = "53010319800101123X"
    assert licence_number_store(" JY25301030012345 ", id_number) == ("JY25301030012345", False)
    assert licence_number_store("530103198001011230", id_number) == ("530103198001011230", False)  # 18, not theirs
    assert licence_number_store(id_number, "") == (id_number, False)  # no holder number known
    assert licence_number_store("530103800101123", "530103800101123") == ("530103800101123", False)  # 15-digit
    assert licence_number_store(None, id_number) == ("", False)  # type: ignore[arg-type]


def test_new_licence_numbers_carry_the_prefix_the_date_and_eight_random_digits():
    numbers = [licence_number_new(prefix="JY", on=date(2026, 3, 1)) for _ in range(300)]
    for number in numbers:
        assert number.startswith("JY20260301") and len(number) == 18 and number[2:].isdigit()
    tails = {number[-8:] for number in numbers}
    assert len(tails) > 250  # drawn from 10^8 values, not a few dozen
    assert max(int(t[:4]) for t in tails) > 100  # the leading digits vary too


def test_date_and_status_cells_edge_cases():
    assert parse_date_cell(None, long_term_ok=True) is None
    assert parse_date_cell("long-term", long_term_ok=True) is None  # case-insensitive
    with pytest.raises(ValueError, match="next week"):  # the message names the bad cell
        parse_date_cell("next week")
    assert parse_status_cell(None) == LicenceStatus.VALID
    assert parse_status_cell(" revoked ") == LicenceStatus.REVOKED
    assert parse_status_cell("Expired") == LicenceStatus.EXPIRED
    with pytest.raises(ValueError, match="挂失"):
        parse_status_cell("挂失")


def test_short_credit_codes_are_masked_whole_and_longer_ones_keep_four_each_side():
    assert mask_credit_code("12345678") == "********"
    assert mask_credit_code("1234567") == "*******"
    assert mask_credit_code("123456789") == "1234*6789"
