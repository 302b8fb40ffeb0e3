"""Choices, codes and thresholds of supervision (figures, assessment, monitor, open data)."""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    CASES = "cases", "政务服务办件"
    TICKETS = "tickets", "12345工单"
    HALL = "hall", "大厅排队"
    GRID = "grid", "网格事件"
    CARE = "care", "养老服务"


class TopKind(models.TextChoices):
    ITEM = "item", "事项"
    CATEGORY = "category", "诉求类别"
    PLACE = "place", "地点"


# How many past days the timer recomputes on each run, and the nightly full window.
REFRESH_DAYS = 3
REFRESH_NIGHTLY_DAYS = 35
REFRESH_EVERY_SECONDS = 600


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"


class TargetKind(models.TextChoices):
    DEPARTMENT = "department", "部门"
    STREET = "street", "街道"
    GRID = "grid", "网格"


class AppliesTo(models.TextChoices):
    ALL_DEPARTMENTS = "all", "全部部门"
    BUREAU = "bureau", "委办局"
    STREET_OFFICE = "street_office", "街道办事处"
    COMMUNITY_COMMITTEE = "community_committee", "社区居委会"
    SERVICE_CENTRE = "service_centre", "政务服务中心"
    STREET = "street", "街道（区域）"
    GRID = "grid", "网格（区域）"


class Metric(models.TextChoices):
    """What an indicator measures (each a ratio 0..1 computed from the daily figures)."""

    CASE_EARLY_RATE = "case_early_rate", "提前办结率"
    CASE_ON_TIME_RATE = "case_on_time_rate", "按时办结率"
    CASE_ONLINE_RATE = "case_online_rate", "网办率"
    CASE_SATISFACTION = "case_satisfaction", "办件满意率"
    TICKET_RESPONSE_RATE = "ticket_response_rate", "工单响应率"
    TICKET_SOLVE_RATE = "ticket_solve_rate", "工单解决率"
    TICKET_SATISFACTION = "ticket_satisfaction", "工单满意率"
    TICKET_ON_TIME_RATE = "ticket_on_time_rate", "工单按时办结率"
    GRID_CLOSE_RATE = "grid_close_rate", "网格事件办结率"
    GRID_VISIT_QUOTA = "grid_visit_quota", "网格走访完成率"


class Formula(models.TextChoices):
    RATIO = "ratio", "得分 = 权重 × 比率"
    TARGET = "target", "得分 = 权重 × min(比率 ÷ 目标值, 1)"
    THRESHOLD = "threshold", "达到目标值得满分，否则 0 分"


class EventKind(models.TextChoices):
    TICKET_OVERDUE = "ticket_overdue", "工单超期"
    TICKET_RETURN = "ticket_return", "工单退回"
    TICKET_REOPEN = "ticket_reopen", "工单重办"
    TICKET_ORDER = "ticket_order", "工单被督办"
    CASE_OVERDUE = "case_overdue", "办件超期"
    CASE_ORDER = "case_order", "办件被督办"
    RATING_UNRECTIFIED = "rating_unrectified", "差评未按期整改"


class DeductionStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    APPEALED = "appealed", "申诉中"
    UPHELD = "upheld", "申诉驳回（维持扣分）"
    CANCELLED = "cancelled", "已撤销"


class RunStatus(models.TextChoices):
    DRAFT = "draft", "待发布"
    PUBLISHED = "published", "已发布"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    UPHELD = "upheld", "维持扣分"
    CANCELLED = "cancelled", "撤销扣分"


class OrderStatus(models.TextChoices):
    OPEN = "open", "督办中"
    ANSWERED = "answered", "已反馈"


class Light(models.TextChoices):
    YELLOW = "yellow", "黄灯"
    RED = "red", "红灯"


class Tier(models.TextChoices):
    OPEN = "open", "无条件开放"
    CONDITIONAL = "conditional", "有条件开放"
    CLOSED = "closed", "不予开放"


class Frequency(models.TextChoices):
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"


# Open data: a published row or cell stands for at least this many records (k-anonymity /
# small-cell suppression).
K_ANONYMITY = 5
DATA_KEY_PREFIX = "od_"

# Anomaly rules (monitor).
ANOMALY_PAUSES = 3  # a case paused this many times or more
ANOMALY_REJECT_FACTOR = 3.0  # a clerk's rejection rate this many times the median
ANOMALY_REJECT_MIN = 5  # … with at least this many decisions
ANOMALY_RETURNS = 5  # a dispatcher's tickets returned this many times in 30 days
ANOMALY_WINDOW_DAYS = 30
HALL_WAIT_YELLOW_MIN = 30
HALL_WAIT_RED_MIN = 60

BASE_SCORE = 100

# Audit actions.
AUDIT_FIGURES_REFRESH = "supervision.figures_refresh"
AUDIT_RULE_SAVE = "assessment.rule_save"
AUDIT_RUN = "assessment.run"
AUDIT_PUBLISH = "assessment.publish"
AUDIT_APPEAL = "assessment.appeal"
AUDIT_APPEAL_DECIDE = "assessment.appeal_decide"
AUDIT_BONUS = "assessment.bonus"
AUDIT_CASE_ORDER = "case.supervise"
AUDIT_CASE_ORDER_ANSWER = "case.supervise_answer"
AUDIT_DATA_APPLY = "opendata.apply"
AUDIT_DATA_DECIDE = "opendata.decide"
AUDIT_DATA_REFRESH = "opendata.refresh"
GRID_YELLOW_DAYS = 3  # an open reported grid event older than this is yellow
GRID_RED_DAYS = 7
MONITOR_OLDEST = 10
