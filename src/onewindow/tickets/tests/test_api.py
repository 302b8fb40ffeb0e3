"""/api/v1/tickets: wiring, permissions, status codes, shapes and a query-count bound."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.accounts import services as account_services
from onewindow.accounts.constants import UserKind
from onewindow.accounts.tests.factories import UserFactory
from onewindow.core.models import AuditEntry
from onewindow.tickets import services
from onewindow.tickets.models import Ticket, TicketAttachment
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, url, data, user):
    return client.post(url, data, content_type="application/json", **bearer(user))


CALL = {"kind": "help", "channel": "hotline", "title": "小区停水",
        "text": "拓东路12号小区从今天早上开始停水，至今没有来水。", "address": "拓东路12号",
        "lng": 102.71, "lat": 25.01, "requester_name": "王秀英", "requester_phone": "13812345678"}


def test_operator_registers_a_call_and_it_is_dispatched(client, hotline):
    response = post(client, "/api/v1/tickets", CALL, hotline.operator.user)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("12345-") and body["status"] == "dispatched"
    assert body["department"] == {"code": "WATER", "name": "区水务局"}
    assert body["category"]["name"] == "自来水供应"
    assert body["classifier"]["model_version"] == "test-1"
    assert body["requester"] == {"name": "王*英", "phone": "138****5678", "confidential": False, "hidden": False}
    assert [e["action"] for e in body["events"]] == ["receive", "classify", "dispatch"]
    assert "13812345678" not in response.content.decode()


def test_citizens_use_the_web_channel_but_not_the_hotline(client, hotline):
    citizen = UserFactory(username="citizen", kind=UserKind.CITIZEN)
    response = post(client, "/api/v1/tickets", {**CALL, "channel": "web"}, citizen)
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.requester_user == citizen and ticket.channel == "web"
    assert post(client, "/api/v1/tickets", CALL, citizen).status_code == 403
    assert post(client, "/api/v1/tickets", {**CALL, "channel": "import"}, citizen).json()["code"] == "channel_invalid"
    assert client.post("/api/v1/tickets", CALL, content_type="application/json").status_code == 401


def test_bad_input_is_a_chinese_field_error(client, hotline):
    response = post(client, "/api/v1/tickets", {**CALL, "text": "停水"}, hotline.operator.user)
    assert response.status_code == 400
    assert response.json()["fields"] == {"text": "诉求内容过短（至少5个字）"}
    response = post(client, "/api/v1/tickets", {"kind": "help"}, hotline.operator.user)
    assert response.status_code == 422
    assert response.json()["fields"]["text"] == "此项为必填项"


def test_the_whole_way_through_the_api(client, hotline):
    op, water, sup = hotline.operator.user, hotline.water_staff.user, hotline.supervisor.user
    tid = post(client, "/api/v1/tickets", CALL, op).json()["id"]
    url = f"/api/v1/tickets/{tid}"
    # another department does not see it at all
    assert post(client, url + "/accept", {}, hotline.env_staff.user).status_code == 404
    assert client.get(url, **bearer(hotline.env_staff.user)).status_code == 404
    # the operator may not accept for the department
    assert post(client, url + "/accept", {}, op).json()["code"] == "not_owner_department"
    assert post(client, url + "/accept", {}, water).json()["status"] == "accepted"
    assert post(client, url + "/reply", {"text": "太短"}, water).status_code == 400
    assert post(client, url + "/reply", {"text": "管道已抢修，下午三点恢复供水。"}, water).json()["status"] == "replied"
    # a wrong step is a 409 with a Chinese message
    conflict = post(client, url + "/accept", {}, water)
    assert conflict.status_code == 409 and "不能执行" in conflict.json()["message"]
    body = post(client, url + "/callback", {"satisfaction": "unsatisfied", "solved": False}, op).json()
    assert body["status"] == "callback_done"
    assert post(client, url + "/reopen", {"reason": "水压仍不足，重新办理"}, sup).json()["status"] == "reopened"
    assert post(client, url + "/reopen", {"reason": "再来一次"}, sup).status_code == 409
    detail = client.get(url, **bearer(sup)).json()
    assert detail["reopen_count"] == 1
    assert [e["action"] for e in detail["events"]][-3:] == ["reply", "callback", "reopen"]


def test_triage_return_and_redispatch_by_api(client, hotline):
    op = hotline.operator.user
    tid = post(client, "/api/v1/tickets", {**CALL, "title": "商品质量", "text": "网购的衣服质量差，商家拒绝退货。"},
               op).json()["id"]
    queue = client.get("/api/v1/tickets/queues/triage", **bearer(op)).json()
    assert [row["id"] for row in queue["items"]] == [tid]
    assert client.get("/api/v1/tickets/queues/nope", **bearer(op)).status_code == 404
    url = f"/api/v1/tickets/{tid}"
    assert post(client, url + "/dispatch", {"department_code": "NOPE"}, op).json()["fields"] == {
        "department_code": "找不到该部门"}
    body = post(client, url + "/dispatch", {"department_code": "ENV"}, op).json()
    assert body["status"] == "dispatched" and body["dispatch_via"] == "dispatcher"
    returned = post(client, url + "/return", {"reason": "商品质量问题属市场监管局"}, hotline.env_staff.user)
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    body = post(client, url + "/dispatch", {"department_code": "WATER", "limit_class": "complex"}, op).json()
    assert body["department"]["code"] == "WATER" and body["limit_class"] == "complex" and body["return_count"] == 1


def test_scoped_list_with_filters_in_a_bounded_number_of_queries(client, hotline):
    for i in range(12):
        services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(text=f"拓东社区第{i}巷垃圾没人清运。"))
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    auth = bearer(hotline.office_a_staff.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/tickets", {"status": "dispatched", "category": "0101001"}, **auth)
    body = response.json()
    assert body["count"] == 12 and all(row["department"]["code"] == "OFFICE-A" for row in body["items"])
    # auth version (1: on every request in tests, every few seconds in production), auth (2–3), scope
    # (2), category filter, co-handled ids, count, page ids (PostgreSQL), rows, duplicates
    assert len(queries) <= 11, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as again:
        assert client.get("/api/v1/tickets", {"status": "dispatched", "category": "0101001"},
                          **auth).json() == body
    # the same key again: token, user and scope come from the process's cache (ADR 0020)
    assert 0 < len(again) <= len(queries) - 3, [q["sql"] for q in again]
    assert client.get("/api/v1/tickets", **bearer(hotline.env_staff.user)).json()["count"] == 0
    supervisor = client.get("/api/v1/tickets", {"department": "WATER"}, **bearer(hotline.supervisor.user)).json()
    assert supervisor["count"] == 1
    number = Ticket.objects.filter(department=hotline.water).get().number
    assert client.get(f"/api/v1/tickets/by-number/{number}", **bearer(hotline.water_staff.user)).status_code == 200


def test_classify_preview_kb_and_answer_on_the_call(client, hotline):
    op = hotline.operator.user
    preview = post(client, "/api/v1/tickets/classify", {"text": "家里停水了"}, op).json()
    assert preview["category"]["name"] == "自来水供应" and preview["department"]["code"] == "WATER"
    assert not preview["to_triage"]
    assert post(client, "/api/v1/tickets/classify", {"text": "家里停水了"}, hotline.water_staff.user).status_code == 403
    created = post(client, "/api/v1/tickets/kb", {"title": "居住证办理材料", "keywords": "居住证 材料",
                                                   "answer": "携带身份证和租房合同到社区警务室办理。"}, op)
    assert created.status_code == 201
    hits = client.get("/api/v1/tickets/kb", {"q": "办居住证要什么材料"}, **bearer(op)).json()
    assert hits[0]["title"] == "居住证办理材料" and hits[0]["score"] > 0
    body = post(client, "/api/v1/tickets", {**CALL, "kind": "consult", "text": "请问办理居住证需要什么材料？",
                                            "answer_article_id": hits[0]["id"]}, op).json()
    assert body["status"] == "closed" and body["reply_text"].startswith("携带身份证")


def test_supervision_orders_and_extensions_by_api(client, hotline):
    op, water, sup = hotline.operator.user, hotline.water_staff.user, hotline.supervisor.user
    tid = post(client, "/api/v1/tickets", CALL, op).json()["id"]
    url = f"/api/v1/tickets/{tid}"
    assert post(client, url + "/supervision-orders", {"reason": "群众反复来电"}, op).status_code == 403
    order = post(client, url + "/supervision-orders", {"reason": "群众反复来电催办"}, sup)
    assert order.status_code == 201
    orders = client.get("/api/v1/tickets/supervision-orders", **bearer(water)).json()
    assert [o["id"] for o in orders] == [order.json()["id"]]
    answered = post(client, f"/api/v1/tickets/supervision-orders/{order.json()['id']}/answer",
                    {"response": "已加派人员抢修"}, water)
    assert answered.json()["status"] == "answered"
    post(client, url + "/accept", {}, water)
    ext = post(client, url + "/extensions", {"reason": "需更换主管道", "amount": 2, "unit": "natural_days"}, water)
    assert ext.status_code == 201
    assert [e["id"] for e in client.get("/api/v1/tickets/extensions", **bearer(sup)).json()] == [ext.json()["id"]]
    decided = post(client, f"/api/v1/tickets/extensions/{ext.json()['id']}/decide", {"approve": True}, sup).json()
    assert decided["status"] == "approved" and decided["new_due_at"] > decided["old_due_at"]


def test_confidential_requester_and_reveal(client, hotline):
    tid = post(client, "/api/v1/tickets", {**CALL, "confidential": True}, hotline.operator.user).json()["id"]
    dept = client.get(f"/api/v1/tickets/{tid}", **bearer(hotline.water_staff.user)).json()
    assert dept["requester"] == {"name": "（保密）", "phone": "（保密）", "confidential": True, "hidden": True}
    denied = post(client, f"/api/v1/tickets/{tid}/reveal", {"reason": "联系"}, hotline.water_staff.user)
    assert denied.status_code == 403
    full = post(client, f"/api/v1/tickets/{tid}/reveal", {"reason": "回访"}, hotline.operator.user).json()
    assert full == {"name": "王秀英", "phone": "13812345678"}


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def test_attachment_upload(client, hotline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tid = post(client, "/api/v1/tickets", CALL, hotline.operator.user).json()["id"]
    png = _png(4, 3)
    photo = SimpleUploadedFile("现场.png", png, content_type="image/png")
    response = client.post(f"/api/v1/tickets/{tid}/attachments", {"file": photo}, **bearer(hotline.water_staff.user))
    assert response.status_code == 201, response.content
    assert TicketAttachment.objects.get().size == len(png)
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/x-msdownload")
    response = client.post(f"/api/v1/tickets/{tid}/attachments", {"file": bad}, **bearer(hotline.water_staff.user))
    assert response.status_code == 400 and response.json()["code"] == "attachment_type"


def test_attachments_are_judged_by_content_not_by_the_declared_type(client, hotline, settings, tmp_path):
    """An HTML page declared image/png is refused; a PNG declared text/html is stored as a PNG; a
    decompression bomb and a 100-megapixel image are refused; a 5,000-character name is cut."""
    from onewindow.core.tests.test_bad_input import png_header

    settings.MEDIA_ROOT = tmp_path
    tid = post(client, "/api/v1/tickets", CALL, hotline.operator.user).json()["id"]
    auth = bearer(hotline.water_staff.user)
    url = f"/api/v1/tickets/{tid}/attachments"
    html = SimpleUploadedFile("x.png", b"<!DOCTYPE html><script>alert(1)</script>", content_type="image/png")
    response = client.post(url, {"file": html}, **auth)
    assert response.status_code == 400 and response.json()["code"] == "attachment_type"
    for width, height in ((20000, 20000), (10000, 10000)):
        bomb = SimpleUploadedFile("bomb.png", png_header(width, height), content_type="image/png")
        response = client.post(url, {"file": bomb}, **auth)
        assert response.status_code == 400 and response.json()["code"] == "image_too_many_pixels"
    assert not TicketAttachment.objects.exists()
    disguised = SimpleUploadedFile("a" * 5000 + ".png", _png(2, 2), content_type="text/html")
    response = client.post(url, {"file": disguised}, **auth)
    assert response.status_code == 201, response.content
    stored = TicketAttachment.objects.get()
    assert stored.content_type == "image/png" and len(stored.name) == 200 and stored.name.endswith(".png")


def test_categories_are_public(client, hotline):
    rows = client.get("/api/v1/tickets/categories", {"level": 3}).json()
    assert {"code": "0101002", "name": "自来水供应", "full_name": "城乡建设 / 城市建设和市政管理 / 自来水供应",
            "level": 3, "parent_code": "0101", "limit_class": "utility"} in rows


def test_dispatch_rules_are_editable_by_supervisors(client, hotline):
    sup = hotline.supervisor.user
    rules = client.get("/api/v1/tickets/dispatch-rules", **bearer(sup)).json()
    assert rules[0]["department"]["code"] == "WATER" and rules[0]["priority"] == 10
    created = post(client, "/api/v1/tickets/dispatch-rules",
                   {"department_code": "OFFICE-A", "category_code": "0102001", "priority": 2}, sup)
    assert created.status_code == 201
    rule_id = created.json()["id"]
    # a new call about illegal building now goes to the street office instead of the fallback owner
    call = {**CALL, "title": "楼顶违建", "text": "拓东路有人在楼顶私搭违建，占用公共空间。"}
    body = post(client, "/api/v1/tickets", call, hotline.operator.user).json()
    assert body["department"]["code"] == "OFFICE-A" and body["dispatch_via"] == "rule"
    too_broad = post(client, "/api/v1/tickets/dispatch-rules", {"department_code": "ENV"}, sup)
    assert too_broad.status_code == 400 and too_broad.json()["code"] == "rule_too_broad"
    assert post(client, "/api/v1/tickets/dispatch-rules", {"department_code": "ENV", "category_code": "0102001"},
                hotline.operator.user).status_code == 403
    etag = client.get(f"/api/v1/tickets/dispatch-rules/{rule_id}", **bearer(sup))["ETag"]
    updated = client.put(f"/api/v1/tickets/dispatch-rules/{rule_id}",
                         {"department_code": "ENV", "category_code": "0102001", "priority": 4},
                         content_type="application/json", HTTP_IF_MATCH=etag, **bearer(sup))
    assert updated.json()["department"]["code"] == "ENV"
    assert client.delete(f"/api/v1/tickets/dispatch-rules/{rule_id}", **bearer(sup)).status_code == 204
    assert AuditEntry.objects.filter(action="ticket.dispatch_rule").count() == 3


def test_api_ticket_search_takes_the_phone_in_the_body(client, hotline):
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(requester_phone="13900001111"))
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(text="路灯坏了好几天了，晚上很黑。"))
    auth = bearer(hotline.supervisor.user)
    found = client.post("/api/v1/tickets/search", {"q": "13900001111"}, content_type="application/json", **auth)
    assert found.status_code == 200 and found.json()["count"] == 1
    assert "13900001111" not in found.content.decode()
    refused = client.get("/api/v1/tickets", {"q": "13900001111"}, **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "personal_lookup_in_url"
    assert client.get("/api/v1/tickets", {"q": "路灯"}, **auth).json()["count"] == 1
