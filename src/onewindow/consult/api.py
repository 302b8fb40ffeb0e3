"""/api/v1/consult: a citizen's consultations (ask, messages, close, rate), the clerks' inbox
(answer, send a guide, duty), figures per department, approved FAQ entries of an item.

New messages are pushed over ``/ws/push/`` to the ``push_token`` the conversation answers with;
clients reload the messages (``?after=``) when they reconnect."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from onewindow.accounts.auth import API_AUTH
from onewindow.core.errors import ValidationFailed
from onewindow.core.pagination import UpdatedSinceFilter

from . import constants as c
from . import push, selectors, services
from .models import Consultation, ConsultMessage

router = Router(tags=["在线应询 consult"])


class ConsultAttachmentOut(Schema):
    id: UUID
    name: str
    content_type: str = Field(..., description="按内容识别：JPEG、PNG、GIF、WebP 图片或 application/pdf")
    size: int
    width: int | None = None
    height: int | None = None
    url: str = Field(..., description="页面中打开（登录会话）；接口客户端用 GET /consult/{id}/attachments/{file_id}")


class ConsultMessageOut(Schema):
    id: UUID
    sender_kind: str = Field(..., description="citizen 咨询人 / clerk 工作人员 / system 系统")
    sender_label: str
    text: str
    link_url: str
    link_label: str
    at: datetime
    attachment: ConsultAttachmentOut | None = Field(None, description="图片或 PDF（仅咨询人和本部门工作人员可打开）")


class ConsultationOut(Schema):
    id: UUID
    topic: str
    item_name: str
    department: str
    status: str
    status_label: str
    created_at: datetime
    first_answer_due: datetime | None
    first_answered_at: datetime | None
    ticket_number: str
    rating: int | None
    assignee: str = Field("", description="接待的工作人员（仅工作人员可见）")


class ConsultationDetailOut(ConsultationOut):
    messages: list[ConsultMessageOut]
    push_token: str = Field(..., description="订阅 /ws/push/?t=… 以实时接收新消息")


class ConsultOpenIn(Schema):
    text: str = Field(..., examples=["请问个体工商户名称变更需要本人到场吗？"])
    topic: str = ""
    item_id: UUID | None = Field(None, description="咨询的事项（由事项的责任部门答复）")
    department_code: str = Field("", description="未选事项时可指定部门；都不填则由政务服务中心答复")


class ConsultMessageIn(Schema):
    text: str = Field(..., examples=["需要本人到场吗？"])


class ConsultGuideIn(Schema):
    item_id: UUID
    apply: bool = Field(False, description="发送在线申办入口（否则发送办事指南）")


class ConsultRateIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = ""


class ConsultDutyIn(Schema):
    department_code: str
    on_duty: bool


class ConsultDutyOut(Schema):
    department_code: str
    on_duty: bool


class ConsultFigureOut(Schema):
    code: str
    name: str
    total: int
    answered: int
    answered_in_time: int
    escalated: int
    transferred: int
    first_answer_minutes: float | None
    rating: float | None
    rated: int


class ConsultFaqOut(Schema):
    id: UUID
    question: str
    answer: str


class ConsultFaqIn(Schema):
    question: str
    answer: str


def _message(m: ConsultMessage) -> dict[str, Any]:
    return {"id": m.public_id, "sender_kind": m.sender_kind, "sender_label": m.sender_label, "text": m.text,
            "link_url": m.link_url, "link_label": m.link_label, "at": m.created_at,
            "attachment": services.attachment_data(m.consultation, m)}


def _consultation(x: Consultation, *, staff_view: bool) -> dict[str, Any]:
    return {"id": x.public_id, "topic": x.topic, "item_name": x.item_name, "department": x.department.name,
            "status": x.status, "status_label": x.get_status_display(), "created_at": x.created_at,
            "first_answer_due": x.first_answer_due, "first_answered_at": x.first_answered_at,
            "ticket_number": x.ticket_number, "rating": x.rating,
            "assignee": (x.assignee.name if x.assignee else "") if staff_view else ""}


def _detail(request: HttpRequest, x: Consultation, after: UUID | None = None) -> dict[str, Any]:
    staff_view = x.citizen_id != request.user.pk
    return {**_consultation(x, staff_view=staff_view),
            "messages": [_message(m) for m in selectors.messages_of(consultation=x, after=after)],
            "push_token": push.conversation_token(x)}


@router.get("/consult/mine", response=list[ConsultationOut], auth=API_AUTH, summary="我的咨询",
            description="最近 100 条；updated_since 只列出此后有变化的咨询。")
def consult_mine(request: HttpRequest, filters: Query[UpdatedSinceFilter]) -> Any:
    rows = selectors.my_consultations(actor=request.user, updated_since=filters.updated_since)[:100]
    return [_consultation(x, staff_view=False) for x in rows]


@router.post("/consult", response={201: ConsultationDetailOut}, auth=API_AUTH, summary="发起咨询",
             description="按事项的责任部门分派给值班人员；非工作时间转为12345咨询工单。")
def consult_open(request: HttpRequest, body: ConsultOpenIn) -> Any:
    item = None
    if body.item_id:
        item, _ = selectors.item_for_question(public_id=body.item_id)
    department = None
    if body.department_code and item is None:
        department = selectors.departments_for_questions().filter(code=body.department_code).first()
        if department is None:
            raise ValidationFailed(fields={"department_code": "部门不存在"})
    x = services.consultation_open(actor=request.user, text=body.text, topic=body.topic, item=item,
                                   department=department)
    return Status(201, _detail(request, selectors.consultation_get(actor=request.user, public_id=x.public_id)))


@router.get("/consult/{consultation_id}", response=ConsultationDetailOut, auth=API_AUTH, summary="咨询详情与消息",
            description="after=<消息 id>：只返回其后的消息（断线重连后补齐）。")
def consult_get(request: HttpRequest, consultation_id: UUID, after: UUID | None = None) -> Any:
    return _detail(request, selectors.consultation_get(actor=request.user, public_id=consultation_id), after)


@router.post("/consult/{consultation_id}/messages", response={201: ConsultMessageOut}, auth=API_AUTH,
             summary="发送消息（咨询人或本部门工作人员）")
def consult_message(request: HttpRequest, consultation_id: UUID, body: ConsultMessageIn) -> Any:
    x = selectors.consultation_get(actor=request.user, public_id=consultation_id)
    return Status(201, _message(services.message_send(actor=request.user, consultation=x, text=body.text)))


@router.post("/consult/{consultation_id}/attachments", response={201: ConsultMessageOut}, auth=API_AUTH,
             summary="发送图片或 PDF（咨询人或本部门工作人员）",
             description="multipart：file（≤ 5 MB，按内容识别类型，图片须能解码），text 可选。")
def consult_attachment(request: HttpRequest, consultation_id: UUID, file: File[UploadedFile],
                       text: Form[str] = "") -> Any:
    x = selectors.consultation_get(actor=request.user, public_id=consultation_id)
    content = file.read(c.ATTACHMENT_MAX_BYTES + 1)
    message = services.attachment_send(actor=request.user, consultation=x, name=file.name or "附件",
                                       content=content, text=text)
    return Status(201, _message(message))


@router.get("/consult/{consultation_id}/attachments/{file_id}", auth=API_AUTH, summary="打开咨询中的图片或 PDF",
            response={200: None})
def consult_attachment_get(request: HttpRequest, consultation_id: UUID, file_id: UUID) -> FileResponse:
    a = selectors.attachment_get(actor=request.user, consultation_id=consultation_id, public_id=file_id)
    response = FileResponse(a.file.open("rb"), content_type=a.content_type, as_attachment=False, filename=a.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/consult/{consultation_id}/guide", response={201: ConsultMessageOut}, auth=API_AUTH,
             summary="发送办事指南或在线申办入口（工作人员）")
def consult_guide(request: HttpRequest, consultation_id: UUID, body: ConsultGuideIn) -> Any:
    x = selectors.consultation_get(actor=request.user, public_id=consultation_id)
    item, name = selectors.item_for_question(public_id=body.item_id)
    send = services.application_send if body.apply else services.guide_send
    return Status(201, _message(send(actor=request.user, consultation=x, item=item, name=name)))


@router.post("/consult/{consultation_id}/close", response=ConsultationOut, auth=API_AUTH, summary="结束咨询")
def consult_close(request: HttpRequest, consultation_id: UUID) -> Any:
    x = selectors.consultation_get(actor=request.user, public_id=consultation_id)
    x = services.consultation_close(actor=request.user, consultation=x)
    return _consultation(x, staff_view=x.citizen_id != request.user.pk)


@router.post("/consult/{consultation_id}/rating", response=ConsultationOut, auth=API_AUTH, summary="评价答复")
def consult_rate(request: HttpRequest, consultation_id: UUID, body: ConsultRateIn) -> Any:
    x = selectors.consultation_get(actor=request.user, public_id=consultation_id)
    x = services.consultation_rate(actor=request.user, consultation=x, rating=body.rating, comment=body.comment)
    return _consultation(x, staff_view=False)


@router.post("/consult/{consultation_id}/faq", response={201: ConsultFaqOut}, auth=API_AUTH,
             summary="整理为事项常见问题（待另一位工作人员审核）")
def consult_faq_propose(request: HttpRequest, consultation_id: UUID, body: ConsultFaqIn) -> Any:
    x = selectors.consultation_get(actor=request.user, public_id=consultation_id)
    faq = services.faq_propose(actor=request.user, consultation=x, question=body.question, answer=body.answer)
    return Status(201, {"id": faq.public_id, "question": faq.question, "answer": faq.answer})


@router.post("/consult/faq/{faq_id}/approve", response=ConsultFaqOut, auth=API_AUTH, summary="审核常见问题")
def consult_faq_approve(request: HttpRequest, faq_id: UUID) -> Any:
    faq = services.faq_approve(actor=request.user, faq=selectors.faq_get(actor=request.user, public_id=faq_id))
    return {"id": faq.public_id, "question": faq.question, "answer": faq.answer}


@router.get("/consult/items/{item_id}/faq", response=list[ConsultFaqOut], summary="事项常见问题（已审核）")
def consult_item_faq(request: HttpRequest, item_id: UUID) -> Any:
    return [{"id": f.public_id, "question": f.question, "answer": f.answer}
            for f in selectors.faq_for_item(item_public_id=item_id)]


class ConsultInboxQuery(UpdatedSinceFilter):
    status: str = Field("", description="状态；空为未结束的咨询")
    mine: bool = False


@router.get("/consult/staff/inbox", response=list[ConsultationOut], auth=API_AUTH, summary="部门咨询（工作人员）")
def consult_inbox(request: HttpRequest, filters: Query[ConsultInboxQuery]) -> Any:
    rows = selectors.inbox(actor=request.user, status=filters.status, mine=filters.mine,
                           updated_since=filters.updated_since)[:200]
    return [_consultation(x, staff_view=True) for x in rows]


@router.post("/consult/staff/duty", response=ConsultDutyOut, auth=API_AUTH, summary="上岗/离岗值班")
def consult_duty(request: HttpRequest, body: ConsultDutyIn) -> Any:
    dept = selectors.duty_department_get(actor=request.user, code=body.department_code)
    on = services.duty_set(actor=request.user, department=dept, on=body.on_duty)
    return {"department_code": dept.code, "on_duty": on}


@router.get("/consult/staff/figures", response=list[ConsultFigureOut], auth=API_AUTH, summary="各部门咨询数据")
def consult_figures(request: HttpRequest) -> Any:
    return selectors.figures(actor=request.user)
