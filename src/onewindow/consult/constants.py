"""Online consultation (在线应询): states, limits, audit codes."""

from django.db import models


class ConsultStatus(models.TextChoices):
    WAITING = "waiting", "待回复"
    ANSWERED = "answered", "已回复"
    CLOSED = "closed", "已结束"
    TRANSFERRED = "transferred", "已转12345"


class SenderKind(models.TextChoices):
    CITIZEN = "citizen", "咨询人"
    CLERK = "clerk", "工作人员"
    SYSTEM = "system", "系统"


class FaqStatus(models.TextChoices):
    PROPOSED = "proposed", "待审核"
    APPROVED = "approved", "已发布"
    RETIRED = "retired", "已下线"


OPEN_STATUSES = (ConsultStatus.WAITING, ConsultStatus.ANSWERED)
TOPIC_MAX = 60
MESSAGE_MIN = 2
MESSAGE_MAX = 1000
MESSAGES_PER_MINUTE = 20  # per consultation and sender: chat, not a flood
FAQ_QUESTION_MAX = 300
FAQ_ANSWER_MAX = 2000
RATING_COMMENT_MAX = 300
ATTACHMENT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_KINDS_LABEL = "JPG、PNG、GIF、WebP 图片或 PDF"

AUDIT_OPEN = "consult.open"
AUDIT_MESSAGE = "consult.message"
AUDIT_CLAIM = "consult.claim"
AUDIT_CLOSE = "consult.close"
AUDIT_ESCALATE = "consult.escalate"
AUDIT_TRANSFER = "consult.transfer"
AUDIT_RATE = "consult.rate"
AUDIT_DUTY = "consult.duty"
AUDIT_FAQ_PROPOSE = "consult_faq.propose"
AUDIT_FAQ_APPROVE = "consult_faq.approve"
