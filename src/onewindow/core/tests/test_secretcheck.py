"""Production refuses placeholder and weak keys (an error at start, not a warning)."""

import base64
import os
import subprocess
import sys
from pathlib import Path

from onewindow.core.secretcheck import (
    data_keys_problem,
    lookup_key_problem,
    production_secret_problems,
    public_url_problem,
    secret_key_problem,
    signing_key_problem,
)

ROOT = Path(__file__).resolve().parents[4]
GOOD_SECRET = "k7Qp2vX9zL4mN8rT1wY6bC3dF5gH0jK2lP4sU7vW9xZ1aB3cD5eF7"
GOOD_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.urlsafe_b64encode(bytes(range(40, 72))).decode()


def test_secret_key_rules():
    assert secret_key_problem(GOOD_SECRET) is None
    assert "placeholder" in secret_key_problem("change-me-50-random-characters")
    assert "too short" in secret_key_problem("k7Qp2vX9zL4mN8rT1wY6")
    assert "distinct" in secret_key_problem("ab" * 40)
    assert "placeholder" in secret_key_problem("django-insecure-" + GOOD_SECRET)
    assert "not set" in secret_key_problem("")


def test_data_and_lookup_key_rules():
    assert data_keys_problem(f"1:{GOOD_KEY}") is None
    assert data_keys_problem(f"1:{GOOD_KEY},2:{OTHER_KEY}") is None
    assert "placeholder" in data_keys_problem("1:base64-of-32-random-bytes")
    assert "32 random bytes" in data_keys_problem("1:c2hvcnQ=")
    assert "version:base64" in data_keys_problem(GOOD_KEY)
    assert "twice" in data_keys_problem(f"1:{GOOD_KEY},1:{GOOD_KEY}")
    zeros = base64.urlsafe_b64encode(bytes(32)).decode()
    assert "not random" in data_keys_problem(f"1:{zeros}")
    assert lookup_key_problem(GOOD_KEY) is None
    assert "placeholder" in lookup_key_problem("base64-of-32-random-bytes")
    assert production_secret_problems(secret_key=GOOD_SECRET, data_keys=f"1:{GOOD_KEY}",
                                      lookup_key=GOOD_KEY) == []
    assert production_secret_problems(secret_key=GOOD_SECRET, data_keys=f"1:{GOOD_KEY}", lookup_key=GOOD_KEY,
                                      audit_key="a short passphrase") == [
        "ONEWINDOW_AUDIT_KEY must be the base64 of 32 random bytes"]
    assert production_secret_problems(secret_key=GOOD_SECRET, data_keys=f"1:{GOOD_KEY}", lookup_key=GOOD_KEY,
                                      audit_key=GOOD_KEY) == []


def _start(env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ONEWINDOW_", "PYTEST", "DJANGO_SETTINGS"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "ONEWINDOW_PRODUCTION": "1"}, **env_extra)
    code = "import django; django.setup(); print('started')"
    command = [sys.executable, "-c", code]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=120, check=False)


def test_production_refuses_to_start_with_the_env_example_placeholders(tmp_path):
    result = _start({"ONEWINDOW_SECRET_KEY": "change-me-50-random-characters",
                     "ONEWINDOW_DATA_KEYS": "1:base64-of-32-random-bytes",
                     "ONEWINDOW_LOOKUP_KEY": "base64-of-32-random-bytes",
                     "ONEWINDOW_AUDIT_KEY": "1:base64-of-32-random-bytes",
                     "ONEWINDOW_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ONEWINDOW_SECRET_KEY is a placeholder" in result.stderr
    assert "ONEWINDOW_DATA_KEYS version 1 is a placeholder" in result.stderr
    assert "ONEWINDOW_AUDIT_KEY version 1 is a placeholder" in result.stderr
    assert "started" not in result.stdout


def test_production_starts_with_real_keys(tmp_path):
    result = _start({"ONEWINDOW_SECRET_KEY": GOOD_SECRET, "ONEWINDOW_DATA_KEYS": f"1:{GOOD_KEY}",
                     "ONEWINDOW_LOOKUP_KEY": OTHER_KEY, "ONEWINDOW_AUDIT_KEY": f"2:{OTHER_KEY},1:{GOOD_KEY}",
                     "ONEWINDOW_SIGNING_KEY": f"1:{OTHER_KEY}",
                     "ONEWINDOW_PUBLIC_URL": "https://zwfw.kmpl.gov.cn",
                     "ONEWINDOW_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_refuses_a_loopback_public_url_and_a_weak_signing_key(tmp_path):
    result = _start({"ONEWINDOW_SECRET_KEY": GOOD_SECRET, "ONEWINDOW_DATA_KEYS": f"1:{GOOD_KEY}",
                     "ONEWINDOW_LOOKUP_KEY": OTHER_KEY, "ONEWINDOW_AUDIT_KEY": f"1:{GOOD_KEY}",
                     "ONEWINDOW_SIGNING_KEY": "1:base64-of-32-random-bytes",
                     "ONEWINDOW_PUBLIC_URL": "http://127.0.0.1:8000",
                     "ONEWINDOW_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ONEWINDOW_SIGNING_KEY version 1 is a placeholder" in result.stderr
    assert "ONEWINDOW_PUBLIC_URL points at this machine (127.0.0.1)" in result.stderr
    assert "started" not in result.stdout


def test_public_url_rules():
    assert public_url_problem("http://127.0.0.1:8000", production=False) is None
    assert public_url_problem("ftp://x.gov.cn", production=False) == (
        "ONEWINDOW_PUBLIC_URL must be an absolute http(s) address, not 'ftp://x.gov.cn'")
    assert public_url_problem("zwfw.gov.cn", production=False) is not None
    assert public_url_problem("https://zwfw.gov.cn/?a=1", production=False) is not None
    assert public_url_problem("https://zwfw.kmpl.gov.cn", production=True) is None
    assert public_url_problem("https://zwfw.kmpl.gov.cn/portal/", production=True) is None
    for bad in ("http://localhost:8000", "https://127.0.0.2", "https://[::1]/", "https://a.localhost",
                "https://zwfw.example.gov.cn", "http://zwfw.kmpl.gov.cn", ""):
        assert public_url_problem(bad, production=True), bad


def test_signing_key_rules():
    assert signing_key_problem(GOOD_KEY) is None
    assert signing_key_problem(f"2:{OTHER_KEY},1:{GOOD_KEY}") is None
    assert signing_key_problem("") == "ONEWINDOW_SIGNING_KEY is not set"
    assert signing_key_problem("1:short") == "ONEWINDOW_SIGNING_KEY version 1 must be the base64 of 32 random bytes"
