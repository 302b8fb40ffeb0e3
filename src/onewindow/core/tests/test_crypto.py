import pytest
from django.test import override_settings

from onewindow.core import crypto


def test_seal_round_trip_and_random_nonce():
    a = crypto.seal("530103199001011234")
    b = crypto.seal("530103199001011234")
    assert a != b
    assert a.startswith("v1:")
    assert crypto.open_sealed(a) == "530103199001011234"


def test_tampered_value_does_not_open():
    token = crypto.seal("13812345678")
    head, body = token.split(":", 1)
    flipped = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    with pytest.raises(crypto.DecryptionError):
        crypto.open_sealed(f"{head}:{flipped}")


def test_key_rotation_old_values_still_open():
    old = crypto.seal("老数据")
    with override_settings(ONEWINDOW_DATA_KEYS="1:test-data_key_1-0123456789abcdef0123456789abcdef,2:second-key"):
        from django.conf import settings

        crypto._keyring.cache_clear()
        try:
            new = crypto.seal("新数据")
            assert crypto.key_version(new) == 2
            assert crypto.open_sealed(new) == "新数据"
            # rotation keeps version 1 readable
            assert settings.ONEWINDOW_DATA_KEYS.startswith("1:")
        finally:
            crypto._keyring.cache_clear()
    assert crypto.open_sealed(old) == "老数据"


def test_lookup_hash_is_keyed_and_normalised():
    assert crypto.lookup_hash(" 11010519491231002x ") == crypto.lookup_hash("11010519491231002X")
    assert len(crypto.lookup_hash("x")) == 64
    import hashlib

    assert crypto.lookup_hash("x") != hashlib.sha256(b"X").hexdigest()
