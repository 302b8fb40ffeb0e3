from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.accounts.rules import (
    SmsLimits,
    bank_card_validate,
    card_validate,
    credit_code_check_char,
    credit_code_validate,
    id_number_check_char,
    id_number_parse,
    luhn_valid,
    mobile_validate,
    phone_validate,
    signin_throttle,
    sms_send_wait,
    social_security_card_validate,
    username_validate,
)
from onewindow.core.errors import ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.core.workdays import SHANGHAI

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
            with raises_code(ValidationFailed, "id_number_checksum"):
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


# --- registration and sign-in rules -----------------------------------------------------------
def _code(func, *args):
    with pytest.raises(ValidationFailed) as info:
        func(*args)
    return info.value.code


def test_mobile_numbers_only():
    assert mobile_validate("+86 138-1234-5678") == "13812345678"
    assert _code(mobile_validate, "") == "phone_required"
    assert _code(mobile_validate, "0871-12345678") == "mobile_format"
    assert _code(mobile_validate, "12345") == "mobile_format"


def test_usernames():
    assert username_validate(" li_hua2026 ") == "li_hua2026"
    assert _code(username_validate, "abc") == "username_format"
    assert _code(username_validate, "李华") == "username_format"
    assert _code(username_validate, "53010319900101123X"[:-1] + "5") == "username_personal_data"
    assert _code(username_validate, "") == "username_required"


def test_bank_cards_pass_luhn():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert bank_card_validate("6222 0212 3456 7890 128") == "6222021234567890128"
    assert _code(bank_card_validate, "6222021234567890127") == "bank_card_checksum"
    assert _code(bank_card_validate, "12345") == "bank_card_format"


def test_social_security_cards_and_kinds():
    assert social_security_card_validate("a1234567b") == "A1234567B"
    assert _code(social_security_card_validate, "530103199001011238") == "social_security_card_format"
    assert card_validate("social_security_card", "A12345678") == "A12345678"
    assert _code(card_validate, "passport", "X") == "card_kind_invalid"


@pytest.mark.parametrize(("failures", "since", "captcha", "wait", "locked"), [
    (0, 0, False, 0, False),
    (1, 0, False, 0, False),
    (2, 0, False, 1, False),  # from the second failure: 1 s
    (3, 0.5, True, 2, False),  # then 2 s, and a CAPTCHA
    (4, 1, True, 3, False),  # 4 s, one already passed
    (5, 8, True, 0, False),  # waited long enough
    (9, 0, True, 60, False),  # capped at 60 s
    (10, 0, True, 900, True),  # hard lock for the cool-off
    (10, 899.5, True, 1, True),
    (10, 900, True, 0, False),  # cool-off over
])
def test_signin_throttle(failures, since, captcha, wait, locked):
    state = signin_throttle(failures=failures, seconds_since_last=since, captcha_after=3, lock_after=10,
                            cooloff_seconds=900)
    assert (state.captcha_required, state.wait_seconds, state.locked) == (captcha, wait, locked)


def test_sms_send_wait():
    limits = SmsLimits(interval_seconds=60, per_phone_hour=3, per_phone_day=5, per_client_hour=4,
                       per_client_day=10)
    assert sms_send_wait(phone_ages=[], client_ages=[], limits=limits) == 0
    assert sms_send_wait(phone_ages=[10], client_ages=[10], limits=limits) == 51
    assert sms_send_wait(phone_ages=[100, 200, 300], client_ages=[], limits=limits) == 3600 - 300 + 1
    assert sms_send_wait(phone_ages=[100, 200, 3700], client_ages=[], limits=limits) == 0
    assert sms_send_wait(phone_ages=[4000, 5000, 6000, 7000, 80000], client_ages=[], limits=limits) == 86400 - 80000 + 1
    assert sms_send_wait(phone_ages=[], client_ages=[70, 80, 90, 100], limits=limits) == 3600 - 100 + 1


# --- Edges the mutation run found untested (make mutation) ------------------------------------
def _with_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def test_a_male_id_number_and_its_parts():
    number = _with_check("53010319850615001")  # 17th digit 1: odd, male
    facts = id_number_parse(f"  {number.lower()} ")
    assert facts.gender == "M" and facts.number == number
    assert facts.division_code == "530103" and facts.birth_date.isoformat() == "1985-06-15"
    assert id_number_parse(_with_check("53010319850615002")).gender == "F"


@pytest.mark.parametrize("first17", ["53010318991231001", "53010321000101001", "53010330001231001"])
def test_birth_dates_before_1900_or_in_the_future_are_refused(first17):
    with pytest.raises(ValidationFailed) as caught:
        id_number_parse(_with_check(first17), field="card")
    assert caught.value.code == "id_number_birth_date" and set(caught.value.fields) == {"card"}


def test_birth_date_edges_1900_and_today_are_accepted():
    from datetime import date

    assert id_number_parse(_with_check("53010319000101001")).birth_date == date(1900, 1, 1)
    today = datetime.now(SHANGHAI).date()
    assert id_number_parse(_with_check(f"530103{today:%Y%m%d}001")).birth_date == today


def test_born_today_means_today_in_china_whatever_the_hosts_zone(monkeypatch):
    """At 06:00 in Shanghai (22:00 UTC the day before) a baby born today is accepted, on a host
    whose clock runs in UTC."""
    import time
    from datetime import UTC, date

    import onewindow.accounts.rules as rules_module

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            instant = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
            return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        monkeypatch.setattr(rules_module, "datetime", Clock)
        assert id_number_parse(_with_check("53010320261208001")).birth_date == date(2026, 12, 8)
        with pytest.raises(ValidationFailed):
            id_number_parse(_with_check("53010320261209001"))
    finally:
        monkeypatch.undo()
        time.tzset()


def test_id_number_check_chars_cover_all_eleven_remainders():
    seen = {id_number_check_char(f"5301031990010100{i}"[:17]) for i in range(10)}
    seen |= {id_number_check_char(f"1101051949123100{i}"[:17]) for i in range(10)}
    assert id_number_check_char("11010519491231002") == "X"
    assert seen <= set("10X98765432") and len(seen) >= 8


def test_error_messages_name_the_field_and_the_length():
    with pytest.raises(ValidationFailed) as caught:
        id_number_parse("1234", field="idno")
    assert caught.value.code == "id_number_length"
    assert caught.value.fields == {"idno": "身份证号码应为18位，您填写了4位"}
    with pytest.raises(ValidationFailed) as caught:
        id_number_parse("", field="idno")
    assert caught.value.code == "id_number_required" and caught.value.fields == {"idno": "请填写身份证号码"}
    with pytest.raises(ValidationFailed) as caught:
        credit_code_validate("91", field="uscc")
    assert caught.value.code == "credit_code_length"
    assert caught.value.fields == {"uscc": "统一社会信用代码应为18位，您填写了2位"}
    with pytest.raises(ValidationFailed) as caught:
        credit_code_validate(" ", field="uscc")
    assert caught.value.code == "credit_code_required" and caught.value.fields == {"uscc": "请填写统一社会信用代码"}


def test_credit_codes_whose_check_character_is_0():
    body = next(f"91530103MA{n:06d}X"[:17] for n in range(10**6)
                if credit_code_check_char(f"91530103MA{n:06d}X"[:17]) == "0")
    assert credit_code_validate(f" {body.lower()}0 ") == body + "0"
    with pytest.raises(ValidationFailed) as caught:
        credit_code_validate(body + "1")
    assert caught.value.code == "credit_code_checksum"


def test_credit_code_characters_and_division_digits():
    with pytest.raises(ValidationFailed) as caught:
        credit_code_validate("91530103MA6O00000I")
    assert caught.value.code == "credit_code_format" and "I、O" in caught.value.message
    assert "：IO（" in caught.value.message
    with pytest.raises(ValidationFailed) as caught:
        credit_code_validate("91A30103MA6000000" + "0")
    assert caught.value.code == "credit_code_format" and "第3至8位" in caught.value.message


def test_phone_and_mobile_edges():
    assert phone_validate("+86 138 1234 5678") == "13812345678"
    assert phone_validate(" ") == ""
    assert phone_validate("0871-63123456") == "0871-63123456" and phone_validate("087163123456") == "087163123456"
    with pytest.raises(ValidationFailed) as caught:
        phone_validate("12812345678", field="tel")
    assert caught.value.code == "phone_format" and set(caught.value.fields) == {"tel"}
    assert mobile_validate("+86 138-1234-5678") == "13812345678"
    with pytest.raises(ValidationFailed) as caught:
        mobile_validate("", field="m")
    assert caught.value.code == "phone_required" and caught.value.fields == {"m": "请填写手机号码"}
    with pytest.raises(ValidationFailed) as caught:
        mobile_validate("0871-63123456", field="m")
    assert caught.value.code == "mobile_format" and set(caught.value.fields) == {"m"}


def test_username_edges():
    assert username_validate(" abcd ") == "abcd" and username_validate("a" * 30) == "a" * 30
    for bad, code in (("", "username_required"), ("abc", "username_format"), ("a" * 31, "username_format"),
                      ("ab-c", "username_format"), ("11010519491231002X", "username_personal_data")):
        with pytest.raises(ValidationFailed) as caught:
            username_validate(bad, field="u")
        assert caught.value.code == code and set(caught.value.fields) == {"u"}
    assert username_validate("1101051949123100ab") == "1101051949123100ab"


def test_signin_throttle_edges():
    at_lock = signin_throttle(failures=5, seconds_since_last=10.5, captcha_after=3, lock_after=5,
                              cooloff_seconds=60)
    assert at_lock.locked and at_lock.captcha_required and at_lock.wait_seconds == 50
    expired = signin_throttle(failures=6, seconds_since_last=61, captcha_after=3, lock_after=5, cooloff_seconds=60)
    assert not expired.locked and expired.wait_seconds == 0 and expired.captcha_required
    first = signin_throttle(failures=1, seconds_since_last=0, captcha_after=3, lock_after=5, cooloff_seconds=60)
    assert first.wait_seconds == 0 and not first.captcha_required and not first.locked
    # 2nd failure waits the base, 4th 4× the base, capped; ceil of fractions
    assert signin_throttle(failures=2, seconds_since_last=0, captcha_after=9, lock_after=99, cooloff_seconds=60,
                           delay_base_seconds=1.5).wait_seconds == 2
    assert signin_throttle(failures=4, seconds_since_last=1, captcha_after=9, lock_after=99, cooloff_seconds=60,
                           delay_base_seconds=2).wait_seconds == 7
    capped = signin_throttle(failures=30, seconds_since_last=0, captcha_after=9, lock_after=99, cooloff_seconds=60,
                             delay_max_seconds=45)
    assert capped.wait_seconds == 45 and capped.captcha_required
    assert signin_throttle(failures=3, seconds_since_last=0, captcha_after=3, lock_after=5,
                           cooloff_seconds=60).captcha_required


def test_sms_wait_edges():
    limits = SmsLimits(interval_seconds=60, per_phone_hour=2, per_phone_day=3, per_client_hour=4, per_client_day=5)
    assert sms_send_wait(phone_ages=[], client_ages=[], limits=limits) == 0
    assert sms_send_wait(phone_ages=[59.5], client_ages=[], limits=limits) == 1
    assert sms_send_wait(phone_ages=[60], client_ages=[], limits=limits) == 0
    assert sms_send_wait(phone_ages=[100, 3000], client_ages=[], limits=limits) == 3600 - 3000 + 1
    assert sms_send_wait(phone_ages=[100, 3600], client_ages=[], limits=limits) == 0  # 3600 s: out of the hour
    assert sms_send_wait(phone_ages=[100, 3600, 7200], client_ages=[], limits=limits) == 86400 - 7200 + 1
    assert sms_send_wait(phone_ages=[4000, 5000, 80000], client_ages=[], limits=limits) == 86400 - 80000 + 1
    assert sms_send_wait(phone_ages=[], client_ages=[10, 20, 30, 40], limits=limits) == 3600 - 40 + 1
    assert sms_send_wait(phone_ages=[], client_ages=[4000, 5000, 6000, 7000, 8000], limits=limits) == 86400 - 8000 + 1


# --- Mutation testing (issue 9, second round): each refusal names the caller's field ----------
@pytest.mark.parametrize(("func", "value", "code", "words"), [
    (bank_card_validate, "", "card_number_required", "请填写银行卡号"),
    (bank_card_validate, "4111-1111-1111-111", "bank_card_format", "16至19位数字"),  # 15 digits
    (bank_card_validate, "41111111111111111111", "bank_card_format", "16至19位数字"),  # 20 digits
    (bank_card_validate, "4111x11111111111", "bank_card_format", "16至19位数字"),
    (bank_card_validate, "4111111111111112", "bank_card_checksum", "请核对"),
    (social_security_card_validate, " ", "card_number_required", "请填写社会保障卡卡号"),
    (social_security_card_validate, "A1234567", "social_security_card_format", "9位字母或数字"),
    (credit_code_validate, "", "credit_code_required", "请填写统一社会信用代码"),
    (credit_code_validate, "9153", "credit_code_length", "您填写了4位"),
    (credit_code_validate, "91I30103MA6K0000X0", "credit_code_format", "不允许的字符：I"),
    (credit_code_validate, "91AB0103MA6K0000X0", "credit_code_format", "行政区划码"),
    (phone_validate, "12345", "phone_format", "固定电话"),
    (mobile_validate, "", "phone_required", "请填写手机号码"),
    (mobile_validate, "0871-12345678", "mobile_format", "手机"),
    (username_validate, "", "username_required", "请填写用户名"),
    (username_validate, "ab", "username_format", "用户名"),
])
def test_each_refusal_has_its_code_and_names_the_callers_field(func, value, code, words):
    with raises_code(ValidationFailed, code, field="the_field") as caught:
        func(value, field="the_field")
    assert words in caught.value.message and caught.value.fields == {"the_field": caught.value.message}


def test_card_lengths_and_separators():
    sixteen, nineteen = "4111111111111111", "6222021234567890128"
    assert bank_card_validate(" 4111-1111 1111-1111 ") == sixteen
    assert bank_card_validate(nineteen) == nineteen
    assert social_security_card_validate(" a12-34 567b ") == "A1234567B"
    assert card_validate("bank_card", sixteen, field="x") == sixteen
    with raises_code(ValidationFailed, "bank_card_checksum", field="x"):
        card_validate("bank_card", "4111111111111112", field="x")
    with raises_code(ValidationFailed, "social_security_card_format", field="x"):
        card_validate("social_security_card", "A1", field="x")
    with raises_code(ValidationFailed, "card_kind_invalid", field="card_kind"):
        card_validate("", sixteen)
    assert luhn_valid("0") and luhn_valid("18") and not luhn_valid("19") and luhn_valid("59")
