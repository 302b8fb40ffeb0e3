"""Demo news: a week of news, notices and policies from the district's bureaus and streets,
two feeds (shipped fixture files, no network) fetched into the approval queue and mostly
approved, 政务公开 entries. Idempotent: items are keyed by title, feeds by address."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from onewindow.accounts.models import Department

from . import rules, services
from .constants import NewsKind, NewsStatus, OpenCategory
from .models import NewsFeed, NewsItem

# (bureau suffix, kind, title, body, 政务公开 category, days ago, document number)
ITEMS: list[tuple[str, str, str, str, str, int, str]] = [
    ("ZWFW", NewsKind.NEWS, "区政务服务中心推出“周末不打烊”延时服务",
     "即日起，区政务服务中心综合受理窗口周六上午 9:00–12:00 照常办公。\n可办理社保、医保、户籍证明等高频事项。",
     OpenCategory.SERVICES, 0, ""),
    ("SJJ", NewsKind.NEWS, "“一窗通办”平台上线在线应询服务",
     "市民可在手机上就办事事项向责任部门在线咨询，工作日内由值班人员实时回复。", OpenCategory.SERVICES, 1, ""),
    ("RSJ", NewsKind.NOTICE, "关于2027年度城乡居民基本医疗保险集中参保缴费的通知",
     "集中缴费期为 2026 年 9 月 1 日至 12 月 31 日。\n可通过“一窗通办”、银行网点或社区服务站缴费。",
     OpenCategory.SERVICES, 2, ""),
    ("MZJ", NewsKind.NEWS, "盘龙区新增 3 个社区老年助餐点",
     "新增助餐点分布在拓东、鼓楼、东华街道，为 60 岁以上老人提供优惠午餐。",
     "", 3, ""),
    ("CZJ", NewsKind.NOTICE, "盘龙区 2026 年区级部门预算公开", "区级各部门 2026 年部门预算及“三公”经费预算已公开。",
     OpenCategory.FINANCE, 4, ""),
    ("FGJ", NewsKind.POLICY, "盘龙区促进个体工商户高质量发展若干措施",
     "第一条 简化登记程序，推行个体工商户名称变更全程网办。\n第二条 对首次登记的个体工商户给予开办补贴。",
     OpenCategory.POLICIES, 5, "盘政发〔2026〕12号"),
    ("YJJ", NewsKind.NOTICE, "关于做好冬季森林草原防灭火工作的通告",
     "进入防火期，严禁在林区野外用火。", OpenCategory.EMERGENCY, 6, ""),
    ("ZWFW", NewsKind.NEWS, "区政务服务局机构职能",
     "负责全区政务服务体系建设、政务服务中心运行管理和“互联网+政务服务”工作。",
     OpenCategory.ORGANISATION, 30, ""),
    ("FGJ", NewsKind.NEWS, "盘龙区国民经济和社会发展第十五个五年规划纲要", "纲要全文已公布，供社会各界查阅。",
     OpenCategory.PLANS, 20, ""),
]
INTERPRETATION = ("FGJ", "图解：盘龙区促进个体工商户高质量发展若干措施",
                  "一图读懂 10 条措施：登记更简便、补贴更直接、服务更贴心。")
FEEDS = [("SCJGJ", "区市场监管局门户网站", "fixture:panlong-market.xml", NewsKind.NEWS, ""),
         ("street1", "拓东街道公众号", "fixture:tuodong-street.atom", NewsKind.NEWS, "")]


def _department(code: str) -> Department | None:
    area = settings.ONEWINDOW_DISTRICT_CODE[:6]
    if code == "street1":
        return Department.objects.filter(code__endswith="-JDB", kind="street_office").order_by("code").first()
    return Department.objects.filter(code=f"{area}-{code}").select_related("region").first()


def news_demo_load(*, small: bool = False) -> dict[str, int]:
    User = get_user_model()
    author = User.objects.filter(username="admin").first()
    approver = User.objects.filter(username="leader").first()
    if author is None or approver is None:
        raise RuntimeError("演示账号 admin / leader 尚未创建：请先运行 accounts 演示数据")
    now = timezone.now()
    created = 0
    policy: NewsItem | None = None
    for code, kind, title, body, category, days, number in ITEMS:
        department = _department(code)
        if department is None:
            continue
        existing = NewsItem.objects.filter(title_key=rules.title_key(title)).first()
        if existing is None:
            item = services.news_create(actor=author, department=department, submit=True, fields=services.NewsFields(
                kind=kind, title=title, body=body, summary=body.split("\n")[0][:120], open_category=category,
                document_number=number))
            item = services.news_approve(actor=approver, item=item)
            NewsItem.objects.filter(pk=item.pk).update(published_at=now - timedelta(days=days, hours=2))
            existing = item
            created += 1
        if kind == NewsKind.POLICY:
            policy = existing
    if policy is not None and not NewsItem.objects.filter(title_key=rules.title_key(INTERPRETATION[1])).exists():
        department = _department(INTERPRETATION[0])
        if department is not None:
            item = services.news_create(actor=author, department=department, submit=True, fields=services.NewsFields(
                kind=NewsKind.INTERPRETATION, title=INTERPRETATION[1], body=INTERPRETATION[2],
                open_category=OpenCategory.POLICIES, interprets=policy))
            services.news_approve(actor=approver, item=item)
            created += 1
    feeds_new = fetched = 0
    for code, name, url, kind, category in FEEDS:
        department = _department(code)
        if department is None:
            continue
        feed = NewsFeed.objects.filter(department=department, url=url).first()
        if feed is None:
            feed = services.feed_register(actor=author, department=department, name=name, url=url, kind=kind,
                                          open_category=category)
            feeds_new += 1
            fetched += services.feed_fetch(feed=feed, actor=author).new
    # approve what the feeds brought, except the newest (left in the queue to show 审核发布)
    pending = list(NewsItem.objects.filter(feed__isnull=False, status=NewsStatus.PENDING, reviewer=None)
                   .order_by("created_at", "pk"))
    if fetched:
        for item in pending[:-1]:
            services.news_approve(actor=approver, item=item)
    return {"新增信息": created, "新增订阅源": feeds_new, "订阅源汇聚条目": fetched,
            "待审核": NewsItem.objects.filter(status=NewsStatus.PENDING).count()}
