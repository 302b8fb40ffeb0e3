"""Services of the hotline against a real database: intake, dispatch, handling, supervision."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.db import connection

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.tickets import selectors, services
from onewindow.tickets.constants import Action, Channel, LimitClass, LimitUnit, Status, TicketKind, Urgency
from onewindow.tickets.models import Category, ExtensionRequest, Ticket, TicketEvent, TicketReturn
from onewindow.tickets.tests.factories import install_fake_classifier, intake_kwargs

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def intake(hotline, **kw):
    kw.setdefault("now", MONDAY)
    return services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(**kw))


def actions(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id").values_list("action", flat=True))


# --- Intake -----------------------------------------------------------------------------------
def test_a_call_is_classified_dispatched_by_rule_and_timed(hotline, district):
    t = intake(hotline)
    assert t.number == "12345-20261123-000001"
    assert t.status == Status.DISPATCHED
    assert t.department == hotline.water
    assert t.dispatch_via == "rule" and t.dispatched_by is None
    assert (t.classifier_label, t.classifier_confidence, t.classifier_version) == ("自来水供应", 0.92, "test-1")
    assert t.classifier_alternatives == [{"label": "环境卫生", "confidence": 0.05},
                                         {"label": "其他", "confidence": 0.01}]
    assert t.category.name == "自来水供应"
    # utility outage: 24 hours; warned at 80 %
    assert t.limit_class == LimitClass.UTILITY
    assert t.due_at == MONDAY + timedelta(hours=24)
    assert t.warning_at == MONDAY + timedelta(hours=19, minutes=12)
    # point-in-polygon: the grid of community A1
    assert t.region == district.grid_a1 and t.region_path == district.grid_a1.path
    assert actions(t) == [Action.RECEIVE, Action.CLASSIFY, Action.DISPATCH]
    assert AuditEntry.objects.filter(action="ticket.create", object_id=str(t.public_id)).count() == 1


def test_personal_data_is_encrypted_at_rest_and_findable_by_hash(hotline):
    t = intake(hotline)
    with connection.cursor() as cursor:
        cursor.execute("SELECT requester_name, requester_phone FROM tickets_ticket WHERE id = %s", [t.id])
        name, phone = cursor.fetchone()
    assert "王秀英" not in name and "13812345678" not in phone and phone.startswith("v1:")
    again = Ticket.objects.get(pk=t.pk)
    assert again.requester_phone == "13812345678"
    from onewindow.core.crypto import lookup_hash

    assert Ticket.objects.filter(requester_phone_hash=lookup_hash("13812345678")).count() == 1
    audit = AuditEntry.objects.get(action="ticket.create")
    assert "13812345678" not in str(audit.summary)


def test_numbers_count_up_per_day(hotline):
    a = intake(hotline)
    b = intake(hotline, text="鼓楼社区菜市场门口垃圾堆了三天没人清运，味道很大。", lng=None, lat=None)
    c = intake(hotline, received_at=MONDAY + timedelta(days=1), now=MONDAY + timedelta(days=1))
    assert [a.number[-6:], b.number[-6:]] == ["000001", "000002"]
    assert c.number == "12345-20261124-000001"


def test_low_confidence_goes_to_the_dispatchers_queue(hotline):
    t = intake(hotline, title="买的电器有质量问题", text="上周在商场买的电饭煲用了两天就坏了，商家不给退。",
               kind=TicketKind.COMPLAINT)
    assert t.status == Status.TRIAGE and t.department is None
    assert "低于阈值" in t.dispatch_note
    assert t in selectors.triage_queue(actor=hotline.operator.user)
    assert list(selectors.triage_queue(actor=hotline.water_staff.user)) == []


def test_no_rule_means_the_fallback_owner_takes_it(hotline):
    t = intake(hotline, text="拓东路有人在楼顶私搭违建，占用公共空间，存在安全隐患。")
    assert t.category.name == "违章建筑"
    assert (t.status, t.department, t.dispatch_via) == (Status.DISPATCHED, hotline.fallback, "fallback")


def test_rule_by_region_sends_sanitation_to_the_street_office(hotline, district):
    a = intake(hotline, text="拓东社区巷子里垃圾堆了三天没人清运。", lng=102.71, lat=25.01)
    b = intake(hotline, text="鼓楼社区门口垃圾堆了三天没人清运，很臭。", lng=102.76, lat=25.01)
    assert a.department == hotline.office_a
    assert b.department == hotline.office_b
    assert b.region == district.community_b1


def test_urgent_calls_get_two_hours_and_an_operator_chosen_category_is_trusted(hotline):
    noise = Category.objects.get(name="噪音污染")
    t = intake(hotline, urgency=Urgency.URGENT, category=noise, text="工地深夜施工，电锯声音非常大，无法入睡。")
    assert t.due_at == MONDAY + timedelta(hours=2)
    assert t.department == hotline.env
    # the suggestion is still recorded even though the operator chose the category
    assert t.classifier_label == "消费维权"


def test_intake_without_a_location_falls_back_to_the_district(hotline, district):
    t = intake(hotline, lng=None, lat=None, address="")
    assert t.region == district.district


def test_only_operators_register_calls_but_citizens_may_use_the_web_form(hotline, clerk_a):
    with raises_code(PermissionDenied, "not_operator"):
        services.ticket_intake(actor=clerk_a.user, **intake_kwargs(), now=MONDAY)
    web = services.ticket_intake(actor=None, **intake_kwargs(channel=Channel.WEB), now=MONDAY)
    assert web.channel == Channel.WEB and web.created_by is None


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"text": "停水"}, "text", "text_required"),
    ({"kind": "rumour"}, "kind", "kind_invalid"),
    ({"requester_phone": "abc"}, "requester_phone", "phone_characters"),
    ({"lng": 500.0}, "lng", "coordinates_invalid"),
    ({"lat": None}, "lng", "coordinates_incomplete"),
])
def test_bad_input_names_the_field(hotline, overrides, field, code):
    with raises_code(ValidationFailed, code, field=field):
        intake(hotline, **overrides)
    assert not Ticket.objects.exists()


def test_a_broken_or_missing_classifier_never_stops_intake(hotline, monkeypatch):
    def broken(text):
        raise RuntimeError("model file missing")

    install_fake_classifier(monkeypatch, broken)
    t = intake(hotline)
    assert t.status == Status.TRIAGE and t.classifier_label == ""
    install_fake_classifier(monkeypatch, lambda text: None)
    assert intake(hotline).status == Status.TRIAGE


def test_classifier_results_as_dicts_are_understood(hotline, monkeypatch):
    install_fake_classifier(monkeypatch, lambda text: {
        "label": "城乡建设 / 城市建设和市政管理 / 自来水供应", "confidence": 0.7, "model_version": "v9",
        "alternatives": [{"label": "x", "score": 0.2}]})
    t = intake(hotline)
    assert t.category.name == "自来水供应" and t.classifier_version == "v9"
    assert t.classifier_alternatives == [{"label": "x", "confidence": 0.2}]


# --- Dispatcher -------------------------------------------------------------------------------
def test_dispatcher_assigns_from_triage_and_may_mark_it_complex(hotline):
    t = intake(hotline, title="商品质量", text="网购的衣服质量差，商家拒绝退货，平台也不处理。")
    services.ticket_dispatch(actor=hotline.operator.user, ticket=t, department=hotline.env,
                             limit_class=LimitClass.COMPLEX, now=MONDAY + timedelta(minutes=5))
    assert t.status == Status.DISPATCHED and t.department == hotline.env
    assert t.dispatched_by == hotline.operator.user and t.dispatch_via == "dispatcher"
    assert t.limit_class == LimitClass.COMPLEX
    assert t.due_at.astimezone(SH).date() == (MONDAY + timedelta(days=15)).date()
    with raises_code(NotFound, "ticket_not_found"):  # not theirs, not in their street: they do not see it
        services.ticket_dispatch(actor=hotline.water_staff.user, ticket=t, department=hotline.water)
    with raises_code(PermissionDenied, "not_dispatcher"):  # the street office sees it (its street) but may not dispatch
        services.ticket_dispatch(actor=hotline.office_a_staff.user, ticket=t, department=hotline.water)


def test_department_accepts_replies_and_the_callback_closes(hotline):
    t = intake(hotline)
    with raises_code(NotFound, "ticket_not_found"):  # another department does not even see it
        services.ticket_accept(actor=hotline.env_staff.user, ticket=t)
    with raises_code(Conflict, "ticket_bad_transition"):  # no reply before accepting
        services.ticket_reply(actor=hotline.water_staff.user, ticket=t, text="已安排维修人员处理。")
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t, now=MONDAY + timedelta(minutes=30))
    services.ticket_reply(actor=hotline.water_staff.user, ticket=t, text="管道抢修完毕，已于下午三点恢复供水。",
                          now=MONDAY + timedelta(hours=6))
    assert t.status == Status.REPLIED and t.replied_by == hotline.water_staff.user
    with raises_code(PermissionDenied, "not_dispatcher"):
        services.ticket_callback(actor=hotline.water_staff.user, ticket=t, satisfaction="satisfied", solved=True)
    services.ticket_callback(actor=hotline.operator.user, ticket=t, satisfaction="satisfied", solved=True,
                             now=MONDAY + timedelta(hours=8))
    assert t.status == Status.CLOSED and t.solved and t.closed_at == MONDAY + timedelta(hours=8)
    assert actions(t) == [Action.RECEIVE, Action.CLASSIFY, Action.DISPATCH, Action.ACCEPT, Action.REPLY,
                          Action.CALLBACK, Action.CLOSE]


def test_return_counts_against_the_dispatcher_and_is_redispatched(hotline):
    t = intake(hotline, text="拓东路有人在楼顶私搭违建，占用公共空间。")  # fallback owner
    fallback_staff = staff_make(username="fb", region=hotline.fallback.region, roles=[Role.DEPT_REVIEWER],
                                departments=[hotline.fallback])
    with raises_code(ValidationFailed, "reason_required"):
        services.ticket_return(actor=fallback_staff.user, ticket=t, reason="")
    services.ticket_return(actor=fallback_staff.user, ticket=t, reason="属于街道城管职责，请改派拓东街道",
                           now=MONDAY + timedelta(hours=1))
    assert t.status == Status.RETURNED and t.department is None and t.return_count == 1
    first = TicketReturn.objects.get(ticket=t)
    assert first.dispatched_by is None and first.dispatch_via == "fallback"
    assert t in selectors.triage_queue(actor=hotline.operator.user)
    services.ticket_dispatch(actor=hotline.operator.user, ticket=t, department=hotline.office_a,
                             now=MONDAY + timedelta(hours=2))
    assert t.status == Status.DISPATCHED and t.department == hotline.office_a
    services.ticket_return(actor=hotline.office_a_staff.user, ticket=t, reason="楼顶加建属区城管执法局管辖",
                           now=MONDAY + timedelta(hours=3))
    second = TicketReturn.objects.filter(ticket=t).order_by("id").last()
    assert second.dispatched_by == hotline.operator.user and second.dispatch_via == "dispatcher"
    assert t.return_count == 2


def test_returns_are_refused_after_two_working_days(hotline):
    t = intake(hotline)
    with pytest.raises(Conflict) as info:
        services.ticket_return(actor=hotline.water_staff.user, ticket=t, reason="不属于本单位职责",
                               now=MONDAY + timedelta(days=3))
    assert info.value.code == "return_too_late"
    services.ticket_return(actor=hotline.water_staff.user, ticket=t, reason="不属于本单位职责",
                           now=MONDAY + timedelta(days=2))
    assert t.status == Status.RETURNED


def test_unsatisfied_callback_may_be_reopened_once_by_a_supervisor(hotline):
    t = intake(hotline)
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t, now=MONDAY)
    services.ticket_reply(actor=hotline.water_staff.user, ticket=t, text="已恢复供水，请知悉。", now=MONDAY)
    services.ticket_callback(actor=hotline.operator.user, ticket=t, satisfaction="unsatisfied", solved=False,
                             note="水压仍然很低")
    assert t.status == Status.CALLBACK_DONE
    assert t in selectors.reopen_candidates(actor=hotline.supervisor.user)
    with raises_code(PermissionDenied, "not_supervisor"):
        services.ticket_reopen(actor=hotline.operator.user, ticket=t, reason="群众不满意")
    later = MONDAY + timedelta(days=1)
    services.ticket_reopen(actor=hotline.supervisor.user, ticket=t, reason="水压问题未解决，重新办理", now=later)
    assert t.status == Status.REOPENED and t.reopen_count == 1 and t.department == hotline.water
    assert t.due_at == later + timedelta(hours=24) and t.satisfaction == "" and t.replied_at is None
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t, now=later)
    services.ticket_reply(actor=hotline.water_staff.user, ticket=t, text="已更换加压泵，水压恢复。", now=later)
    services.ticket_callback(actor=hotline.operator.user, ticket=t, satisfaction="unsatisfied", solved=False)
    with pytest.raises(Conflict) as info:
        services.ticket_reopen(actor=hotline.supervisor.user, ticket=t, reason="还是不满意")
    assert info.value.code == "reopen_limit"
    services.ticket_close(actor=hotline.supervisor.user, ticket=t, note="已尽力解决，做好解释")
    assert t.status == Status.CLOSED


def test_satisfied_tickets_cannot_be_reopened(hotline):
    t = intake(hotline)
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t)
    services.ticket_reply(actor=hotline.water_staff.user, ticket=t, text="已恢复供水，请知悉。")
    services.ticket_callback(actor=hotline.operator.user, ticket=t, satisfaction="basic", solved=True)
    with pytest.raises(Conflict) as info:
        services.ticket_reopen(actor=hotline.supervisor.user, ticket=t, reason="抽查发现问题")
    assert info.value.code == "reopen_not_unsatisfied"


# --- Duplicates -------------------------------------------------------------------------------
def test_duplicates_are_flagged_merged_and_all_requesters_get_the_answer(hotline):
    main = intake(hotline)
    dup = intake(hotline, text="拓东路12号小区停水了，到现在还没有来水，请尽快处理。", requester_name="李建国",
                 requester_phone="13900001111", lng=102.7102, lat=25.0101, now=MONDAY + timedelta(hours=1))
    assert dup.duplicate_of == main and dup.duplicate_score >= 0.5
    assert Action.DUPLICATE_FLAG in actions(dup)
    assert dup in selectors.duplicate_queue(actor=hotline.operator.user)
    unrelated = intake(hotline, text="拓东路12号门口路灯坏了好几天，晚上很黑。")
    assert unrelated.duplicate_of is None

    services.ticket_merge(actor=hotline.operator.user, ticket=dup, into=main)
    assert dup.status == Status.MERGED and dup.merged_into == main
    services.ticket_accept(actor=hotline.water_staff.user, ticket=main)
    services.ticket_reply(actor=hotline.water_staff.user, ticket=main, text="管网抢修完成，已恢复供水。")
    dup.refresh_from_db()
    assert dup.reply_text == "管网抢修完成，已恢复供水。" and dup.replied_at is not None
    assert Action.MERGE_ANSWER in actions(dup)
    with raises_code(ValidationFailed, "merge_self"):
        services.ticket_merge(actor=hotline.operator.user, ticket=main, into=main)


def test_duplicate_candidates_are_the_querysets_rows(hotline):
    """The duplicate check's written-out statement (issue 18) answers the rows, in the order,
    that the former queryset answered: for a new ticket and a saved one, with and without a
    category, in a community and without a place, across the window's edges and statuses."""
    from onewindow.tickets.services import intake as intake_module

    made = [intake(hotline, now=MONDAY + timedelta(hours=h)) for h in (0, 1, 30, 80)]
    made.append(intake(hotline, text="拓东路12号门口路灯坏了好几天，晚上很黑。", now=MONDAY + timedelta(hours=2)))
    made.append(intake(hotline, address="", lng=None, lat=None, text="有人反映停水的问题一直没有解决，请尽快处理",
                       now=MONDAY + timedelta(hours=3)))
    services.ticket_accept(actor=hotline.water_staff.user, ticket=made[1])
    Ticket.objects.filter(pk=made[2].pk).update(status=Status.CLOSED)
    window = timedelta(hours=72)
    probes = [*Ticket.objects.all(), Ticket(title="小区停水", text="又停水了", received_at=MONDAY,
                                             region_path=made[0].region_path, category=made[0].category)]
    probes.append(Ticket(title="停水", text="停水", received_at=MONDAY, region_path="", category=None))
    seen = 0
    for probe in probes:
        codes = [p for p in probe.region_path.split("/") if p]
        prefix = "/" + "/".join(codes[:3]) + "/" if codes else ""
        ids = (selectors.category_ids_under(probe.category.path[:4]) if probe.category is not None else None)
        former = list(intake_module._duplicate_candidates_orm(probe, window=window, prefix=prefix, category_ids=ids))
        now = intake_module._duplicate_candidates(probe, window=window)
        assert [tuple(r) for r in now] == [tuple(r) for r in former]
        seen += len(now)
    assert seen > 5  # the probes found candidates, not only empty answers


# --- Consultations and the knowledge base ---------------------------------------------------
def test_consultation_answered_from_the_knowledge_base_is_closed_on_the_call(hotline):
    article = services.kb_article_save(
        actor=hotline.operator.user, title="居住证办理需要哪些材料",
        question="办理居住证要带什么", keywords="居住证 暂住证 材料",
        answer="携带身份证、居住证明（租房合同或房产证）到社区警务室办理，10个工作日领取。")
    hits = selectors.kb_search(q="请问办居住证需要带什么材料")
    assert hits and hits[0].article == article
    assert selectors.kb_search(q="") == []
    t = intake(hotline, kind=TicketKind.CONSULT, title="居住证", text="请问办理居住证需要带哪些材料？",
               answer_article=article)
    assert t.status == Status.CLOSED and t.kb_article == article and t.department is None
    assert t.reply_text.startswith("携带身份证") and t.dispatch_via == "knowledge"
    assert actions(t) == [Action.RECEIVE, Action.ANSWER_ON_CALL]
    article.refresh_from_db()
    assert article.uses == 1
    with raises_code(ValidationFailed, "answer_only_consult"):
        intake(hotline, kind=TicketKind.COMPLAINT, answer_text="直接答复投诉")


# --- Co-handling, confidentiality, scope ----------------------------------------------------
def test_cohandling_department_sees_the_ticket_and_gives_feedback(hotline):
    t = intake(hotline)
    with raises_code(NotFound, "ticket_not_found"):
        selectors.ticket_get(actor=hotline.env_staff.user, public_id=t.public_id)
    services.ticket_cohandler_add(actor=hotline.water_staff.user, ticket=t, department=hotline.env,
                                  request="请协助检测水质")
    assert selectors.ticket_get(actor=hotline.env_staff.user, public_id=t.public_id) == t
    assert [x.ticket for x in selectors.cohandling_inbox(actor=hotline.env_staff.user)] == [t]
    with raises_code(Conflict, "cohandler_exists"):
        services.ticket_cohandler_add(actor=hotline.water_staff.user, ticket=t, department=hotline.env)
    services.ticket_cohandler_reply(actor=hotline.env_staff.user, ticket=t, text="水质检测合格。")
    assert Action.COHANDLER_REPLY in actions(t)
    with raises_code(PermissionDenied, "not_owner_department"):  # a co-handler is not the owner
        services.ticket_accept(actor=hotline.env_staff.user, ticket=t)


def test_confidential_requesters_are_hidden_from_handlers(hotline):
    t = intake(hotline, confidential=True)
    dept_view = selectors.requester_view(actor=hotline.water_staff.user, ticket=t)
    assert dept_view.hidden and dept_view.name == "（保密）" and not dept_view.can_reveal
    op_view = selectors.requester_view(actor=hotline.operator.user, ticket=t)
    assert op_view.name == "王*英" and op_view.phone == "138****5678" and op_view.can_reveal
    with raises_code(PermissionDenied, "requester_hidden"):
        services.ticket_requester_reveal(actor=hotline.water_staff.user, ticket=t, reason="联系核实")
    full = services.ticket_requester_reveal(actor=hotline.operator.user, ticket=t, reason="回访")
    assert full == {"name": "王秀英", "phone": "13812345678"}
    assert AuditEntry.objects.filter(action="ticket.requester_reveal").count() == 1
    open_ticket = intake(hotline)
    assert selectors.requester_view(actor=hotline.water_staff.user, ticket=open_ticket).can_reveal


def test_scoped_lists(hotline, district):
    water = intake(hotline)
    in_a = intake(hotline, text="拓东社区巷子里垃圾堆了三天没人清运。")
    in_b = intake(hotline, text="鼓楼社区门口垃圾堆了三天没人清运，很臭。", lng=102.76, lat=25.01)
    everyone = {water, in_a, in_b}
    assert set(selectors.ticket_list(actor=hotline.supervisor.user)) == everyone
    assert set(selectors.ticket_list(actor=hotline.operator.user)) == everyone
    assert set(selectors.ticket_list(actor=hotline.water_staff.user)) == {water}
    # the street office sees its own tickets and everything located in its street
    assert set(selectors.ticket_list(actor=hotline.office_a_staff.user)) == {water, in_a}
    assert set(selectors.ticket_list(actor=hotline.env_staff.user)) == set()
    assert list(selectors.department_inbox(actor=hotline.office_a_staff.user)) == [in_a]
    with raises_code(NotFound, "ticket_not_found"):
        selectors.ticket_get(actor=hotline.office_a_staff.user, public_id=in_b.public_id)
    with raises_code(NotFound, "ticket_not_found"):
        selectors.ticket_get(actor=hotline.office_a_staff.user, public_id="not-a-uuid")


# --- Time limits, warnings, supervision, extensions -----------------------------------------
def test_periodic_job_warns_then_marks_overdue_once(hotline):
    t = intake(hotline)  # due in 24 h, warning after 19 h 12 min
    assert services.tickets_deadline_tick(now=MONDAY + timedelta(hours=10)).warned == 0
    result = services.tickets_deadline_tick(now=MONDAY + timedelta(hours=20))
    assert (result.warned, result.overdue) == (1, 0)
    t.refresh_from_db()
    assert t.warned and not t.overdue
    assert t in selectors.warning_list(actor=hotline.supervisor.user)
    assert services.tickets_deadline_tick(now=MONDAY + timedelta(hours=21)).warned == 0
    result = services.tickets_deadline_tick(now=MONDAY + timedelta(hours=25))
    assert result.overdue == 1
    t.refresh_from_db()
    assert t.overdue and t in selectors.overdue_list(actor=hotline.supervisor.user)
    assert services.tickets_deadline_tick(now=MONDAY + timedelta(hours=30)).overdue == 0
    assert actions(t).count(Action.WARN) == 1 and actions(t).count(Action.OVERDUE) == 1


def test_replied_tickets_are_not_marked_overdue(hotline):
    t = intake(hotline)
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t)
    services.ticket_reply(actor=hotline.water_staff.user, ticket=t, text="已恢复供水，请知悉。")
    assert services.tickets_deadline_tick(now=MONDAY + timedelta(days=5)).overdue == 0


def test_supervision_order_with_its_own_deadline(hotline):
    t = intake(hotline)
    with raises_code(PermissionDenied, "not_supervisor"):
        services.supervision_order_create(actor=hotline.operator.user, ticket=t, reason="群众多次来电")
    order = services.supervision_order_create(actor=hotline.supervisor.user, ticket=t, reason="群众多次来电催办",
                                              now=MONDAY)
    assert order.department == hotline.water
    assert order.due_at.astimezone(SH).date() == datetime(2026, 11, 26).date()  # 3 working days
    assert list(selectors.order_open_for(actor=hotline.water_staff.user)) == [order]
    services.tickets_deadline_tick(now=MONDAY + timedelta(days=4))
    order.refresh_from_db()
    assert order.status == "overdue"
    services.supervision_order_answer(actor=hotline.water_staff.user, order=order, response="已加派人员抢修。")
    order.refresh_from_db()
    assert order.status == "answered"
    with raises_code(Conflict, "order_answered"):
        services.supervision_order_answer(actor=hotline.water_staff.user, order=order, response="再次反馈内容")


def test_extension_approved_moves_the_deadline_and_clears_overdue(hotline):
    t = intake(hotline)
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t)
    request = services.extension_request_create(actor=hotline.water_staff.user, ticket=t,
                                                reason="需更换主管道，施工需要时间", amount=3,
                                                unit=LimitUnit.NATURAL_DAYS)
    with raises_code(Conflict, "extension_pending"):
        services.extension_request_create(actor=hotline.water_staff.user, ticket=t, reason="再申请一次", amount=1)
    assert list(selectors.extension_pending(actor=hotline.supervisor.user)) == [request]
    services.tickets_deadline_tick(now=MONDAY + timedelta(hours=30))
    t.refresh_from_db()
    assert t.overdue
    old_due = t.due_at
    services.extension_decide(actor=hotline.supervisor.user, request=request, approve=True, note="同意",
                              now=MONDAY + timedelta(hours=31))
    t.refresh_from_db()
    assert t.due_at.astimezone(SH).date() == (old_due + timedelta(days=3)).astimezone(SH).date()
    assert not t.overdue
    request.refresh_from_db()
    assert request.status == "approved" and request.new_due_at == t.due_at
    with raises_code(Conflict, "extension_decided"):
        services.extension_decide(actor=hotline.supervisor.user, request=request, approve=False)


def test_extension_rejected_keeps_the_deadline(hotline):
    t = intake(hotline)
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t)
    request = services.extension_request_create(actor=hotline.water_staff.user, ticket=t, reason="人手不足需延期",
                                                amount=2)
    with raises_code(PermissionDenied, "not_supervisor"):
        services.extension_decide(actor=hotline.water_staff.user, request=request, approve=True)
    before = t.due_at
    services.extension_decide(actor=hotline.supervisor.user, request=request, approve=False)
    t.refresh_from_db()
    assert t.due_at == before
    assert ExtensionRequest.objects.get().status == "rejected"


def test_configured_working_day_limits_are_recomputed_when_the_year_is_published(hotline):
    services.time_limit_set(actor=hotline.supervisor.user, limit_class="general", amount=5, unit="working_days")
    received = datetime(2030, 9, 27, 10, 0, tzinfo=SH)  # a Friday in a year not yet published
    t = services.ticket_intake(actor=hotline.operator.user, now=received, **intake_kwargs(
        text="拓东路有人在楼顶私搭违建，占用公共空间。"))
    assert t.due_provisional
    # Mon 30 Sep, (1–3 Oct assumed holidays), Fri 4, Mon 7, Tue 8, Wed 9
    assert t.due_at.astimezone(SH).date() == datetime(2030, 10, 9).date()
    from onewindow.core.services import calendar_import

    rows = [{"date": f"2030-10-0{d}", "kind": "holiday", "name": "国庆节"} for d in range(1, 8)]
    rows.append({"date": "2030-09-29", "kind": "workday", "name": "国庆节调休"})
    calendar_import(actor=hotline.supervisor.user, year=2030, rows=rows)
    from onewindow.tickets.tasks import on_calendar_year_imported

    on_calendar_year_imported({"year": 2030})
    t.refresh_from_db()
    assert not t.due_provisional
    # Sun 29 Sep is a make-up workday, 1–7 Oct off: 29, 30 Sep, 8, 9, 10 Oct
    assert t.due_at.astimezone(SH).date() == datetime(2030, 10, 10).date()
    assert Action.DEADLINE_RECOMPUTE in actions(t)


# --- Categories -------------------------------------------------------------------------------
def test_category_seed_builds_three_levels_idempotently(db, tmp_path):
    csv = tmp_path / "taxonomy.csv"
    csv.write_text("一级分类,二级分类,三级分类\n城乡建设,城市建设和市政管理,自来水供应\n"
                   "城乡建设,城市建设和市政管理,环境卫生\n城乡建设,城乡规划,违章建筑\n"
                   "环境保护,,噪音\n\n教育文体,教育, 入学 \n", encoding="utf-8")
    rows, problems = services.category_rows_read(csv)
    assert problems == ["第5行：分类不完整"]
    first = services.category_seed(rows=rows, source="test")
    assert first.created == 3 + 2 + 4
    water = Category.objects.get(name="自来水供应")
    assert (water.level, water.code, water.path) == (3, "0101001", "/01/0101/0101001/")
    assert water.full_name == "城乡建设 / 城市建设和市政管理 / 自来水供应"
    assert water.limit_class == LimitClass.UTILITY
    assert Category.objects.get(name="入学").code == "0201001"
    again = services.category_seed(rows=rows, source="test")
    assert again.created == 0 and Category.objects.count() == 9
    more = services.category_seed(rows=[("城乡建设", "城乡规划", "规划设计")], source="test")
    assert more.created == 1 and Category.objects.get(name="规划设计").code == "0102002"


def test_category_seed_uses_the_builtin_tree_without_shared_data(db, settings, tmp_path):
    settings.SHARED_DATA_DIR = tmp_path
    result = services.category_seed()
    assert result.source == "内置分类" and result.created > 10
    assert Category.objects.filter(level=3).count() == len(services.FALLBACK_TAXONOMY)


@pytest.mark.skipif(not (Path(django_settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_taxonomy.csv").is_file(),
                    reason="shared data absent")
def test_category_seed_from_the_shared_taxonomy(db):
    result = services.category_seed()
    assert result.source == "taidi2020_taxonomy.csv"
    assert Category.objects.filter(level=1).count() == 15
    assert Category.objects.filter(level=2).count() == 118
    assert Category.objects.filter(level=3).count() == 517


# --- Grid events: the reporting worker checks the fix on site ---------------------------------
def _grid_ticket(hotline, district, worker):
    t = services.ticket_intake(actor=worker.user, **intake_kwargs(
        channel=Channel.GRID, requester_user=worker.user, requester_name="网格员", requester_phone="",
        now=MONDAY))
    services.ticket_accept(actor=hotline.water_staff.user, ticket=t, now=MONDAY + timedelta(hours=1))
    services.ticket_reply(actor=hotline.water_staff.user, ticket=t, text="管道已抢修完毕，恢复供水。",
                          now=MONDAY + timedelta(hours=3))
    return t


@pytest.fixture
def worker(district):
    return staff_make(username="gridworker", region=district.grid_a1, roles=[Role.GRID_WORKER], name="网格员")


def test_a_grid_event_waits_for_the_workers_site_check_not_the_hotline(hotline, district, worker):
    t = _grid_ticket(hotline, district, worker)
    assert t.site_check and t.status == Status.REPLIED
    assert t not in selectors.callback_queue(actor=hotline.operator.user)
    with pytest.raises(Conflict) as e:
        services.ticket_callback(actor=hotline.operator.user, ticket=t, satisfaction="satisfied", solved=True)
    assert e.value.code == "ticket_site_check_required"
    services.ticket_site_check(actor=worker.user, ticket=t, solved=True, satisfaction="basic",
                               note="现场已恢复供水", now=MONDAY + timedelta(hours=5))
    t.refresh_from_db()
    assert (t.status, t.satisfaction, t.solved) == (Status.CLOSED, "basic", True)
    assert actions(t)[-2:] == [Action.SITE_CHECK, Action.CLOSE]
    assert AuditEntry.objects.filter(action="ticket.transition", object_id=str(t.public_id),
                                     summary__solved=True).exists()


def test_a_site_check_that_finds_it_unfixed_goes_to_the_supervisor(hotline, district, worker):
    t = _grid_ticket(hotline, district, worker)
    with pytest.raises(ValidationFailed) as e:
        services.ticket_site_check(actor=worker.user, ticket=t, solved=False)
    assert e.value.code == "site_check_note_required"
    services.ticket_site_check(actor=worker.user, ticket=t, solved=False, satisfaction="satisfied",
                               note="现场仍然漏水", now=MONDAY + timedelta(hours=5))
    t.refresh_from_db()
    assert (t.status, t.satisfaction, t.solved) == (Status.CALLBACK_DONE, "unsatisfied", False)
    assert t in selectors.reopen_candidates(actor=hotline.supervisor.user)


def test_only_grid_workers_of_the_place_check_on_site(hotline, district, worker):
    t = _grid_ticket(hotline, district, worker)
    other = staff_make(username="otherworker", region=district.community_b1, roles=[Role.GRID_WORKER])
    for actor in (other.user, hotline.operator.user):
        with pytest.raises(NotFound):
            services.ticket_site_check(actor=actor, ticket=t, solved=True)
    hotline_ticket = intake(hotline)
    with pytest.raises(Conflict) as e:
        services.ticket_site_check(actor=worker.user, ticket=hotline_ticket, solved=True)
    assert e.value.code == "ticket_no_site_check"
