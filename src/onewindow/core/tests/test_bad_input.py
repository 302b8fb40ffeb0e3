"""Bad input answers a Chinese 4xx in the error shape, never a 500 (issue 9, "20 requests").

Each request here answered 500 before (on PostgreSQL; SQLite stores a NUL, so the middleware
refuses it on both). The checks run in core (``core.inputs``, ``core.pagination``,
``core.uploads``, ``core.selectors.deadline_add``), not in each view.
"""

from __future__ import annotations

import struct
import uuid
import zlib

import pytest
from django.test import Client

from onewindow.accounts import services as account_services
from onewindow.core.errors import ValidationFailed
from onewindow.core.inputs import bad_input_error, json_has_bad_characters, text_has_bad_characters
from onewindow.core.uploads import content_sniff, image_check

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _api_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "detail", "fields", "request_id"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), "a Chinese message"
    return body


def _page_error(response, status: int, code: str) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    html = response.content.decode()
    assert 'class="topbar"' in html and f"<code>{code}</code>" in html
    assert "Bad Request" not in html and "Server Error" not in html
    return html


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims width×height pixels in a few dozen bytes (a decompression bomb's head)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\x00" * 1024, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png(width: int = 4, height: int = 3) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


# --- NUL bytes and lone surrogates ------------------------------------------------------------
def test_nul_in_an_api_path_is_400_bad_characters(client: Client) -> None:
    _api_error(client.get("/api/v1/regions/5301%00"), 400, "bad_characters")


def test_nul_in_a_query_string_is_400_on_the_api_and_on_pages(client: Client, clerk_a) -> None:  # type: ignore[no-untyped-def]
    _api_error(client.get("/api/v1/people?q=%E5%BC%A0%00", **bearer(clerk_a.user)), 400, "bad_characters")
    _api_error(client.get("/api/v1/catalog/search?q=%E5%BC%A0%00"), 400, "bad_characters")
    client.force_login(clerk_a.user)
    html = _page_error(client.get("/staff/people/?q=%00"), 400, "bad_characters")
    assert "无法处理的字符" in html


def test_nul_and_lone_surrogates_in_json_bodies_write_nothing(client: Client, supervisor) -> None:  # type: ignore[no-untyped-def]
    from onewindow.tickets.models import Ticket

    call = ('{"kind": "help", "channel": "hotline", "text": "小区门口垃圾没人清运%s", '
            '"requester_phone": "13812345678"}')
    for bad in ("\\u0000", "\\ud800", "\\udfff\\ud800"):
        response = client.post("/api/v1/tickets", (call % bad).encode(), content_type="application/json",
                               **bearer(supervisor.user))
        _api_error(response, 400, "bad_characters")
    resolve = client.post("/api/v1/regions/resolve", b'{"address": "\\ud800\xe6\xad\xa3\xe4\xb9\x89\xe8\xb7\xaf"}',
                          content_type="application/json")
    _api_error(resolve, 400, "bad_characters")
    raw_nul = client.post("/api/v1/regions/resolve", b'{"address": "a\x00b"}', content_type="application/json")
    assert raw_nul.status_code in (400, 422) and raw_nul.json()["code"] in ("bad_characters", "validation_failed")
    assert not Ticket.objects.exists()
    # a proper surrogate pair (an emoji) is text like any other
    ok = client.post("/api/v1/regions/resolve", b'{"address": "\\ud83d\\ude00 \xe6\xad\xa3\xe4\xb9\x89\xe8\xb7\xaf"}',
                     content_type="application/json")
    assert ok.status_code in (200, 404) and ok.json().get("code") != "bad_characters"


def test_nul_in_a_form_post_is_a_chinese_400_page(client: Client) -> None:
    multipart = client.post("/accounts/login/", {"username": "admin\x00", "password": "x"})
    _page_error(multipart, 400, "bad_characters")
    urlencoded = client.post("/accounts/login/", "username=admin%00&password=x",
                             content_type="application/x-www-form-urlencoded")
    _page_error(urlencoded, 400, "bad_characters")


def test_bad_character_helpers() -> None:
    assert text_has_bad_characters("a\x00") and text_has_bad_characters("\ud800")
    assert not text_has_bad_characters("张三 😀")
    assert json_has_bad_characters({"a": [1, {"b": "x\x00"}]})
    assert json_has_bad_characters({"k\ud800": 1})
    assert not json_has_bad_characters({"a": [1, None, {"b": "正常"}], "c": True})


# --- Bodies over the limit, multipart without a boundary, long file names ---------------------
def test_a_body_over_the_limit_is_413_not_500(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = b'{"username": "' + b"x" * 4096 + b'", "password": "y"}'
    body_json = _api_error(client.post("/api/v1/auth/tokens", body, content_type="application/json"),
                           413, "request_too_large")
    assert "MB" in body_json["message"]
    form = client.post("/accounts/login/", {"username": "x" * 4096, "password": "y"})
    assert "过大" in _page_error(form, 413, "request_too_large")


MULTIPART_ENDPOINTS = [
    "/api/v1/auth/tokens",  # anonymous
    "/api/v1/bundles/{id}/materials/file",
    "/api/v1/cases/{id}/materials/{id}/file",
    "/api/v1/catalog/admin/import",
    "/api/v1/catalog/admin/materials/{id}/files",
    "/api/v1/grid/events",
    "/api/v1/grid/visits",
    "/api/v1/licences/import/file",
    "/api/v1/tickets/{id}/attachments",
]


@pytest.mark.parametrize("path", MULTIPART_ENDPOINTS)
def test_multipart_without_a_boundary_is_400(client: Client, supervisor, path: str) -> None:  # type: ignore[no-untyped-def]
    url = path.replace("{id}", str(uuid.uuid4()))
    headers = {} if "auth/tokens" in path else bearer(supervisor.user)
    response = client.generic("POST", url, b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
                              content_type="multipart/form-data", **headers)
    assert response.status_code in (400, 404, 422), response.content[:300]
    assert response.status_code != 500
    body = response.json()
    assert body["code"] in ("multipart_invalid", "bad_request", "validation_failed", "not_found") or body[
        "code"].endswith("_not_found")


def test_multipart_without_a_boundary_on_a_staff_upload_is_multipart_invalid(client: Client, supervisor) -> None:  # type: ignore[no-untyped-def]
    response = client.generic("POST", "/api/v1/licences/import/file", b"abc", content_type="multipart/form-data",
                              **bearer(supervisor.user))
    _api_error(response, 400, "multipart_invalid")


# --- Numbers and dates out of range -----------------------------------------------------------
def test_page_numbers_the_database_cannot_hold_are_422(client: Client, clerk_a) -> None:  # type: ignore[no-untyped-def]
    auth = bearer(clerk_a.user)
    body = _api_error(client.get(f"/api/v1/people?page={2 ** 66}", **auth), 422, "validation_failed")
    assert body["fields"] == {"page": "数值过大"}
    body = _api_error(client.get(f"/api/v1/people?page_size={10 ** 11}", **auth), 422, "validation_failed")
    assert body["fields"] == {"page_size": "数值过大"}
    _api_error(client.get(f"/api/v1/licences?page={2 ** 66}", **auth), 422, "validation_failed")
    _api_error(client.get(f"/api/v1/me/cases?page={2 ** 66}", **auth), 422, "validation_failed")
    _api_error(client.get(f"/api/v1/cases?page={2 ** 66}", **auth), 422, "validation_failed")
    # ordinary paging still works
    assert client.get("/api/v1/people?page=1&page_size=100", **auth).status_code == 200


@pytest.mark.parametrize("start", ["9999-12-31", "1900-01-01T00:00:00", "0001-01-01T00:00:00%2B08:00",
                                   "9999-12-31T23:00:00-08:00", "1989-12-31T23:59:59",
                                   "2201-01-01T00:00:00"])
def test_deadline_starts_outside_1990_to_2200_are_400(client: Client, start: str) -> None:
    response = client.get(f"/api/v1/calendar/deadline?start={start}&days=5")
    body = _api_error(response, 400, "calendar_start_out_of_range")
    assert "start" in body["fields"]


def test_deadlines_from_1990_have_a_whole_hour_offset(client: Client) -> None:
    body = client.get("/api/v1/calendar/deadline?start=1990-01-01T00:00:00&days=5&unit=natural").json()
    assert body["at"].endswith("+08:00") and body["start"].endswith("+08:00")


def test_overflow_and_data_errors_raised_deep_down_are_400() -> None:
    from django.db import DataError
    from django.http.multipartparser import MultiPartParserError

    assert bad_input_error(OverflowError("date value out of range")).code == "value_out_of_range"  # type: ignore[union-attr]
    assert bad_input_error(DataError("integer out of range")).code == "value_out_of_range"  # type: ignore[union-attr]
    assert bad_input_error(MultiPartParserError("no boundary")).code == "multipart_invalid"  # type: ignore[union-attr]
    assert bad_input_error(UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates")).code == "bad_characters"  # type: ignore[union-attr]
    assert bad_input_error(RuntimeError("a real fault")) is None


# --- Images: decompression bombs and too many pixels; sniffing by content ---------------------
def test_a_48_kb_png_of_20000_by_20000_pixels_is_refused_from_its_header() -> None:
    bomb = png_header(20000, 20000)
    assert len(bomb) < 48 * 1024
    with pytest.raises(ValidationFailed) as caught:
        image_check(bomb, label="bomb.png", field="file", damaged_code="x_damaged")
    assert caught.value.code == "image_too_many_pixels" and caught.value.fields["file"]


def test_a_100_megapixel_png_is_refused_and_a_small_one_passes(settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as caught:
        image_check(png_header(10000, 10000), label="big.png", field="file", damaged_code="x_damaged")
    assert caught.value.code == "image_too_many_pixels"
    assert "50 百万像素" in caught.value.message
    assert image_check(png(4, 3), label="ok.png", field="file", damaged_code="x_damaged") == (4, 3)
    settings.ONEWINDOW_MAX_IMAGE_PIXELS = 10
    with pytest.raises(ValidationFailed) as caught:
        image_check(png(4, 3), label="ok.png", field="file", damaged_code="x_damaged")
    assert caught.value.code == "image_too_many_pixels"


def test_a_damaged_image_gets_the_callers_code() -> None:
    with pytest.raises(ValidationFailed) as caught:
        image_check(b"\x89PNG\r\n\x1a\n" + b"0" * 100, label="坏.png", field="photos",
                    damaged_code="photo_damaged", damaged_message="照片已损坏")
    assert caught.value.code == "photo_damaged" and caught.value.fields == {"photos": "照片已损坏"}


@pytest.mark.parametrize(("head", "expected"), [
    (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF89a", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (b"%PDF-1.7", "application/pdf"),
    (b"ID3\x04", "audio/mpeg"), (b"\xff\xfb\x90", "audio/mpeg"), (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
    (b"\x00\x00\x00\x18ftypmp42", "video/mp4"), ("居民反映的情况说明\n".encode(), "text/plain"),
    (b"<!DOCTYPE html><script>alert(1)</script>", None), (b"  <html><body>", None), (b"<svg onload=x>", None),
    (b"MZ\x90\x00", None), (b"\x00\x01binary", None), (b"", None),
])
def test_content_sniff_judges_by_the_first_bytes(head: bytes, expected: str | None) -> None:
    sniffed = content_sniff(head)
    assert (sniffed.content_type if sniffed else None) == expected


def test_updated_since_outside_the_platform_years_or_offsets_is_refused_before_the_database() -> None:
    """PostgreSQL refuses offsets beyond ±15:59 with an error that ends the transaction; the
    change-feed parameter is checked first (422) and compared in UTC."""
    from datetime import UTC, datetime

    from pydantic import ValidationError

    from onewindow.core.pagination import SyncPageParams

    for bad in ("0464-07-04T04:40:26+21:52", "2201-01-01T00:00:00+08:00", "1989-12-31T23:59:59"):
        with pytest.raises(ValidationError):
            SyncPageParams(updated_since=bad)
    ok = SyncPageParams(updated_since="2026-12-07T08:00:00+21:52").updated_since
    assert ok == datetime(2026, 12, 6, 10, 8, tzinfo=UTC)
