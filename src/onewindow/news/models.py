"""News items (news, notices, policies and their 解读), the feeds they are aggregated from."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from onewindow.accounts.models import Department
from onewindow.core.models import BaseModel
from onewindow.regions.models import Region

from .constants import FeedStatus, NewsKind, NewsSource, NewsStatus, OpenCategory


class NewsFeed(BaseModel):
    """An RSS/Atom feed a department or street registered (its site, its official account)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="news_feeds")
    name = models.CharField("名称", max_length=100)
    url = models.CharField("地址", max_length=500)
    kind = models.CharField("默认类别", max_length=16, choices=NewsKind.choices, default=NewsKind.NEWS)
    open_category = models.CharField("政务公开类别", max_length=16, choices=OpenCategory.choices, blank=True)
    is_active = models.BooleanField("启用", default=True)
    etag = models.CharField(max_length=200, blank=True)
    modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=16, choices=FeedStatus.choices, default=FeedStatus.NEVER)
    last_error = models.CharField(max_length=300, blank=True)
    last_new = models.PositiveIntegerField(default=0)
    last_duplicates = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "新闻订阅源"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["department", "url"], name="news_feed_unique_url")]

    def __str__(self) -> str:
        return self.name


class NewsItem(BaseModel):
    kind = models.CharField("类别", max_length=16, choices=NewsKind.choices, default=NewsKind.NEWS)
    title = models.CharField("标题", max_length=200)
    summary = models.CharField("摘要", max_length=500, blank=True)
    body = models.TextField("正文", blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="news_items")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80, db_index=True)
    tags = models.JSONField("标签", default=list, blank=True)
    open_category = models.CharField("政务公开类别", max_length=16, choices=OpenCategory.choices, blank=True)
    document_number = models.CharField("文号", max_length=60, blank=True)
    interprets = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="interpretations", verbose_name="解读的政策")
    status = models.CharField("状态", max_length=12, choices=NewsStatus.choices, default=NewsStatus.DRAFT)
    publish_at = models.DateTimeField("定时发布", null=True, blank=True)
    withdraw_at = models.DateTimeField("定时撤回", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    source = models.CharField("来源", max_length=8, choices=NewsSource.choices, default=NewsSource.MANUAL)
    feed = models.ForeignKey(NewsFeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    source_url = models.CharField("原文链接", max_length=500, blank=True)
    # sha256 of the feed entry's id (or link): one item per story, whichever feed brings it.
    source_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    title_key = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = "新闻/公告/政策"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["status", "-published_at"], name="news_pub_idx"),
            models.Index(fields=["status", "kind", "-published_at"], name="news_kind_idx"),
            models.Index(fields=["department", "status"], name="news_dept_idx"),
            models.Index(fields=["status", "open_category", "department"], name="news_open_idx"),
            # count and newest change of the published stream (list validators) as an index-only scan
            models.Index(fields=["status", "updated_at"], name="news_pub_upd_idx"),
        ]

    def __str__(self) -> str:
        return self.title


def _attachment_path(instance: NewsAttachment, filename: str) -> str:
    return f"news/{instance.public_id}.{instance.extension}"


class NewsAttachment(BaseModel):
    """A picture or PDF of an item. Public with the item once it is published, unless
    ``internal`` (审核依据: only the department's staff and reviewers ever see it)."""

    item = models.ForeignKey(NewsItem, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    name = models.CharField("文件名", max_length=200)
    caption = models.CharField("说明", max_length=200, blank=True)
    content_type = models.CharField(max_length=60)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    internal = models.BooleanField("仅内部可见", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = "信息附件"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
