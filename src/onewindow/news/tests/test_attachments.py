"""Pictures and PDFs of news items: checked by content, added while the item is written or
reviewed, public only once it is published (internal 审核依据 never), shown inline on the
detail page, listed in the API, audited; bad files refused with codes, nothing half written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.cases.tests.helpers import PDF_BYTES, png_bytes
from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEntry
from onewindow.news import services
from onewindow.news.constants import NewsStatus
from onewindow.news.models import NewsAttachment
from onewindow.news.tests.factories import news_make
from onewindow.news.tests.test_api import bearer, conforms

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def draft(newsroom, **kw):
    return news_make(department=newsroom.bureau, title="老旧小区改造工程开工", status=NewsStatus.DRAFT, **kw)


def test_files_follow_the_items_publication_and_internal_ones_never_show(client, newsroom):
    item = draft(newsroom)
    before = item.updated_at
    photo = services.news_attachment_add(actor=newsroom.editor.user, item=item, name="现场.jpg.png",
                                         content=png_bytes((64, 48)), caption="开工现场")
    plan = services.news_attachment_add(actor=newsroom.editor.user, item=item, name="改造方案", content=PDF_BYTES)
    basis = services.news_attachment_add(actor=newsroom.editor.user, item=item, name="会议纪要.pdf",
                                         content=PDF_BYTES, internal=True)
    item.refresh_from_db()
    assert item.updated_at > before  # the detail's ETag changes
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 64, 48) and plan.name == "改造方案.pdf"
    assert AuditEntry.objects.filter(action="news.attachment_add").count() == 3
    public = f"/news/{item.public_id}/files/{photo.public_id}/"
    assert client.get(public).status_code == 404  # a draft's files are not public
    client.force_login(newsroom.editor.user)
    staff_page = client.get(f"/staff/news/{item.public_id}/").content.decode()
    assert "会议纪要.pdf" in staff_page and "仅内部可见" in staff_page
    r = client.get(f"/staff/news/{item.public_id}/files/{basis.public_id}/")
    assert r.status_code == 200 and r["Cache-Control"] == "private, no-store"
    client.logout()
    item.status = NewsStatus.PUBLISHED
    item.save(update_fields=["status"])
    r = client.get(public)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Cache-Control"] == "public, max-age=3600"
    page = client.get(f"/news/{item.public_id}/").content.decode()
    assert f'<img src="{public}" alt="开工现场" width="64" height="48"' in page
    assert "<figcaption>开工现场</figcaption>" in page
    assert f"/news/{item.public_id}/files/{plan.public_id}/" in page and "改造方案.pdf" in page
    assert "会议纪要" not in page
    hidden = client.get(f"/news/{item.public_id}/files/{basis.public_id}/")
    assert hidden.status_code == 404 and "该附件不存在或已撤回" in hidden.content.decode()
    other_street = client
    other_street.force_login(newsroom.street_editor.user)
    assert client.get(f"/staff/news/{item.public_id}/files/{basis.public_id}/").status_code == 404


@pytest.mark.parametrize(("content", "code"), [
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "news_attachment_type"),
    (b"MZ\x90\x00" + bytes(600), "news_attachment_type"),
    (b"\xff\xd8\xff\xe0" + bytes(100), "news_attachment_damaged"),
    (b"", "news_attachment_empty"),
])
def test_bad_files_are_refused(newsroom, content, code):
    item = draft(newsroom)
    with pytest.raises(DomainError) as exc:
        services.news_attachment_add(actor=newsroom.editor.user, item=item, name="x.jpg", content=content)
    assert exc.value.code == code and exc.value.fields["file"]
    assert not NewsAttachment.objects.exists()


def test_who_and_when(newsroom):
    item = draft(newsroom)
    with pytest.raises(DomainError) as exc:
        services.news_attachment_add(actor=newsroom.street_editor.user, item=item, name="a.pdf", content=PDF_BYTES)
    assert exc.value.code == "news_not_your_department"
    published = news_make(department=newsroom.bureau, title="已发布的新闻稿件")
    with pytest.raises(DomainError) as exc:
        services.news_attachment_add(actor=newsroom.editor.user, item=published, name="a.pdf", content=PDF_BYTES)
    assert exc.value.code == "news_wrong_state" and not published.attachments.exists()
    for i in range(10):
        services.news_attachment_add(actor=newsroom.editor.user, item=item, name=f"{i}.pdf", content=PDF_BYTES)
    with pytest.raises(DomainError) as exc:
        services.news_attachment_add(actor=newsroom.editor.user, item=item, name="11.pdf", content=PDF_BYTES)
    assert exc.value.code == "news_attachments_too_many" and item.attachments.count() == 10


def test_the_newsroom_page_uploads_and_removes(client, newsroom):
    item = draft(newsroom)
    client.force_login(newsroom.editor.user)
    bad = client.post(f"/staff/news/{item.public_id}/files/",
                      {"file": SimpleUploadedFile("a.png", b"<html></html>", "image/png"), "caption": "说明"})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'aria-describedby="news-file-error"' in html and "类型不受支持" in html
    missing = client.post(f"/staff/news/{item.public_id}/files/", {})
    assert missing.status_code == 400 and "请选择要上传的图片或 PDF" in missing.content.decode()
    ok = client.post(f"/staff/news/{item.public_id}/files/",
                     {"file": SimpleUploadedFile("图.png", png_bytes(), "application/octet-stream"), "internal": "1"})
    a = NewsAttachment.objects.get()
    assert ok.status_code == 302 and a.internal and a.content_type == "image/png"
    gone = client.post(f"/staff/news/{item.public_id}/files/{a.public_id}/remove/")
    assert gone.status_code == 302 and not NewsAttachment.objects.exists()
    assert AuditEntry.objects.filter(action="news.attachment_remove").exists()


def test_the_api_lists_public_files_only(client, newsroom):
    item = draft(newsroom)
    editor = bearer(newsroom.editor.user)
    r = client.post(f"/api/v1/news/staff/items/{item.public_id}/attachments",
                    {"file": SimpleUploadedFile("p.png", png_bytes(), "image/png"), "caption": "配图"}, **editor)
    assert r.status_code == 201, r.content
    photo = conforms(r, "/news/staff/items/{item_id}/attachments", "post")
    r = client.post(f"/api/v1/news/staff/items/{item.public_id}/attachments",
                    {"file": SimpleUploadedFile("纪要.pdf", PDF_BYTES, "application/pdf"), "internal": "true"},
                    **editor)
    assert r.status_code == 201 and r.json()["internal"] is True
    staff = conforms(client.get(f"/api/v1/news/staff/items/{item.public_id}", **editor), "/news/staff/items/{item_id}")
    assert [a["name"] for a in staff["attachments"]] == ["p.png", "纪要.pdf"]
    got = client.get(f"/api/v1/news/staff/items/{item.public_id}/attachments/{r.json()['id']}", **editor)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF_BYTES
    bad = client.post(f"/api/v1/news/staff/items/{item.public_id}/attachments",
                      {"file": SimpleUploadedFile("x.gif", b"GIF89a" + bytes(20), "image/gif")}, **editor)
    assert bad.status_code == 400 and bad.json()["code"] == "news_attachment_damaged"
    item.status = NewsStatus.PUBLISHED
    item.save(update_fields=["status", "updated_at"])
    public = conforms(client.get(f"/api/v1/news/items/{item.public_id}"), "/news/items/{item_id}")
    assert [(a["name"], a["caption"], a["url"]) for a in public["attachments"]] == [
        ("p.png", "配图", f"/news/{item.public_id}/files/{photo['id']}/")]
    item.status = NewsStatus.DRAFT
    item.save(update_fields=["status", "updated_at"])
    removed = client.delete(f"/api/v1/news/staff/items/{item.public_id}/attachments/{photo['id']}", **editor)
    assert removed.status_code == 204 and item.attachments.count() == 1
