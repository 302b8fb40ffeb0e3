"""Pictures and PDFs in a conversation: judged by content (never the declared type or name),
stored privately, shown inline to the citizen and the department's clerks only, pushed live,
audited; bad files refused with Chinese messages and stable codes, nothing half written."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onewindow.cases.tests.helpers import PDF_BYTES, png_bytes
from onewindow.consult import services
from onewindow.consult.models import ConsultAttachment, ConsultMessage
from onewindow.consult.tests.conftest import MONDAY_10, at
from onewindow.consult.tests.test_api import bearer, conforms
from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_10)
    settings.MEDIA_ROOT = str(tmp_path)


def ask(citizen, item):
    return services.consultation_open(actor=citizen.user, text="请问营业执照照片这样可以吗？", item=item, now=MONDAY_10)


def test_a_picture_and_a_pdf_are_stored_with_their_sniffed_type_and_pushed(world, citizen, item_a, monkeypatch):
    pushed = []
    monkeypatch.setattr("onewindow.core.realtime.publish", lambda group, kind, data: pushed.append((kind, data)))
    x = ask(citizen, item_a)
    # a PNG called .pdf is a PNG: the name and declared type never decide
    msg = services.attachment_send(actor=citizen.user, consultation=x, name="C:\\证件\\营业执照.pdf",
                                   content=png_bytes((40, 30)), now=at(7, 10, 1))
    a = msg.attachment
    assert (a.content_type, a.width, a.height, a.size) == ("image/png", 40, 30, len(png_bytes((40, 30))))
    assert a.name == "营业执照.pdf" and a.file.name == f"consult/{a.public_id}.png"
    assert msg.text == "[图片] 营业执照.pdf"
    assert pushed[-1][0] == "message" and pushed[-1][1]["attachment"]["content_type"] == "image/png"
    assert pushed[-1][1]["attachment"]["url"] == f"/consult/{x.public_id}/files/{a.public_id}/"
    reply = services.attachment_send(actor=world.reviewer_a.user, consultation=x, name="样例", content=PDF_BYTES,
                                     text="请参照这份样例", now=at(7, 10, 5))
    x.refresh_from_db()
    assert reply.attachment.content_type == "application/pdf" and reply.attachment.name == "样例.pdf"
    assert reply.text == "请参照这份样例" and x.status == "answered" and x.first_answer_minutes == 5
    audit = AuditEntry.objects.filter(action="consult.message").order_by("-seq").first()
    assert audit.summary["file_type"] == "application/pdf" and audit.summary["size"] == len(PDF_BYTES)


@pytest.mark.parametrize(("content", "code"), [
    (b"<html><script>alert(1)</script></html>", "consult_attachment_type"),
    (b"plain words are not a picture", "consult_attachment_type"),
    (b"", "consult_attachment_empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "consult_attachment_damaged"),
    (b"%PDF-1.4\n1 0 obj", "consult_attachment_damaged"),
    (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"%%EOF", "consult_attachment_too_large"),
])
def test_bad_files_are_refused_and_nothing_is_written(world, citizen, item_a, content, code):
    x = ask(citizen, item_a)
    before = ConsultMessage.objects.count()
    with pytest.raises(DomainError) as exc:
        services.attachment_send(actor=citizen.user, consultation=x, name="a.png", content=content)
    assert exc.value.code == code and exc.value.status == 400 and "file" in exc.value.fields
    assert ConsultMessage.objects.count() == before and not ConsultAttachment.objects.exists()


def test_a_decompression_bomb_is_refused_from_its_header(world, citizen, item_a, settings):
    settings.ONEWINDOW_MAX_IMAGE_PIXELS = 1000
    x = ask(citizen, item_a)
    with pytest.raises(DomainError) as exc:
        services.attachment_send(actor=citizen.user, consultation=x, name="大图.png", content=png_bytes((100, 100)))
    assert exc.value.code == "image_too_many_pixels"


def test_only_the_citizen_and_the_departments_clerks_open_it(client, world, citizen, other_citizen, item_a):
    x = ask(citizen, item_a)
    msg = services.attachment_send(actor=citizen.user, consultation=x, name="p.png", content=png_bytes())
    url = f"/consult/{x.public_id}/files/{msg.attachment.public_id}/"
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(citizen.user)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline") and b"".join(r.streaming_content) == png_bytes()
    page = client.get(f"/consult/{x.public_id}/").content.decode()
    assert f'<img class="consult-img" src="{url}"' in page and 'width="8" height="8"' in page
    client.force_login(world.reviewer_a.user)
    assert client.get(url).status_code == 200
    for outsider in (other_citizen.user, world.reviewer_b.user):
        client.force_login(outsider)
        r = client.get(url)
        assert r.status_code == 404 and "找不到该咨询" in r.content.decode()
    client.force_login(citizen.user)
    wrong = f"/consult/{x.public_id}/files/{x.public_id}/"
    assert client.get(wrong).status_code == 404


def test_the_page_form_takes_a_file_and_shows_errors_on_the_field(client, world, citizen, item_a):
    x = ask(citizen, item_a)
    client.force_login(citizen.user)
    bad = client.post(f"/consult/{x.public_id}/send/",
                      {"text": "", "file": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", "image/png")})
    page = bad.content.decode()
    assert bad.status_code == 400 and 'aria-describedby="consult-file-error"' in page and "类型不受支持" in page
    ok = client.post(f"/consult/{x.public_id}/send/",
                     {"text": "", "file": SimpleUploadedFile("申请表.pdf", PDF_BYTES, "application/octet-stream")})
    assert ok.status_code == 302
    a = ConsultAttachment.objects.get()
    page = client.get(f"/consult/{x.public_id}/").content.decode()
    assert f'href="/consult/{x.public_id}/files/{a.public_id}/"' in page and "申请表.pdf" in page


def test_the_api_sends_and_opens_attachments(client, world, citizen, other_citizen, item_a):
    x = ask(citizen, item_a)
    me = bearer(citizen.user)
    r = client.post(f"/api/v1/consult/{x.public_id}/attachments",
                    {"file": SimpleUploadedFile("照片.png", png_bytes(), "image/png"), "text": "这是照片"}, **me)
    assert r.status_code == 201, r.content
    body = conforms(r, "/consult/{consultation_id}/attachments", "post")
    assert body["text"] == "这是照片" and body["attachment"]["content_type"] == "image/png"
    detail = conforms(client.get(f"/api/v1/consult/{x.public_id}", **me), "/consult/{consultation_id}")
    assert detail["messages"][0]["attachment"] is None and detail["messages"][1]["attachment"]["width"] == 8
    got = client.get(f"/api/v1/consult/{x.public_id}/attachments/{body['attachment']['id']}", **me)
    assert got.status_code == 200 and b"".join(got.streaming_content) == png_bytes()
    hidden = client.get(f"/api/v1/consult/{x.public_id}/attachments/{body['attachment']['id']}",
                        **bearer(other_citizen.user))
    assert hidden.status_code == 404 and hidden.json()["code"] == "consult_not_found"
    bad = client.post(f"/api/v1/consult/{x.public_id}/attachments",
                      {"file": SimpleUploadedFile("a.exe", b"MZ\x90\x00\x03" + bytes(600), "image/png")}, **me)
    assert bad.status_code == 400 and bad.json()["code"] == "consult_attachment_type"
    assert "类型不受支持" in bad.json()["fields"]["file"]


