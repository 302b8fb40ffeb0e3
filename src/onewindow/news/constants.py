"""News, notices, policies and 政务公开: kinds, states, categories, audit codes, limits."""

from django.db import models


class NewsKind(models.TextChoices):
    NEWS = "news", "新闻动态"
    NOTICE = "notice", "通知公告"
    POLICY = "policy", "政策文件"
    INTERPRETATION = "interpretation", "政策解读"


class NewsStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审核"
    SCHEDULED = "scheduled", "待定时发布"
    PUBLISHED = "published", "已发布"
    REJECTED = "rejected", "已退回"
    WITHDRAWN = "withdrawn", "已撤回"


class OpenCategory(models.TextChoices):
    """政务公开 catalogue categories (after the 基层政务公开标准目录)."""

    ORGANISATION = "organisation", "机构职能"
    PLANS = "plans", "规划计划"
    POLICIES = "policies", "政策文件"
    FINANCE = "finance", "财政信息"
    POWERS = "powers", "权力清单"
    SERVICES = "services", "办事服务"
    STATISTICS = "statistics", "统计信息"
    PERSONNEL = "personnel", "人事信息"
    EMERGENCY = "emergency", "应急管理"
    OTHER = "other", "其他"


class NewsSource(models.TextChoices):
    MANUAL = "manual", "编辑撰写"
    FEED = "feed", "订阅源汇聚"


class FeedStatus(models.TextChoices):
    NEVER = "never", "尚未抓取"
    OK = "ok", "正常"
    NOT_MODIFIED = "not_modified", "无更新"
    FAILED = "failed", "抓取失败"


# Who approves (审核发布) and withdraws for a department: besides these roles, nobody; the
# author of an item never approves it (two people).
APPROVER_ROLES = ("leader", "supervisor", "administrator")

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 50_000
TAGS_MAX = 8
TAG_MAX = 20
FEED_MAX_BYTES = 2 * 1024 * 1024
FEED_TIMEOUT_SECONDS = 10
FEED_MAX_ENTRIES = 100
FEED_EVERY_SECONDS = 15 * 60
# An entry whose normalised title matches an item of the same department within this many
# days is a duplicate (the same story republished by another feed or typed in by hand).
DUPLICATE_WINDOW_DAYS = 14

AUDIT_NEWS_CREATE = "news.create"
AUDIT_NEWS_UPDATE = "news.update"
AUDIT_NEWS_SUBMIT = "news.submit"
AUDIT_NEWS_APPROVE = "news.approve"
AUDIT_NEWS_REJECT = "news.reject"
AUDIT_NEWS_PUBLISH = "news.publish"
AUDIT_NEWS_WITHDRAW = "news.withdraw"
AUDIT_FEED_REGISTER = "news_feed.register"
AUDIT_FEED_FETCH = "news_feed.fetch"

ATTACHMENT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_MAX = 10
ATTACHMENT_KINDS_LABEL = "JPG、PNG、GIF、WebP 图片或 PDF"
AUDIT_ATTACHMENT_ADD = "news.attachment_add"
AUDIT_ATTACHMENT_REMOVE = "news.attachment_remove"
