"""The news demo step: items, a policy with its interpretation, two fixture feeds, one item
left for approval; a second run adds nothing."""

import pytest

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.news.constants import NewsKind, NewsStatus
from onewindow.news.demo import news_demo_load
from onewindow.news.models import NewsFeed, NewsItem

pytestmark = pytest.mark.django_db


def test_news_demo_is_idempotent(district):
    d = district.district
    for code, name in (("ZWFW", "政务服务管理局"), ("FGJ", "发展和改革局"), ("SCJGJ", "市场监督管理局")):
        DepartmentFactory(code=f"530103-{code}", name=f"盘龙区{name}", region=d)
    DepartmentFactory(code="530103001000-JDB", name="拓东街道办事处", region=district.street_a, kind="street_office")
    staff_make(username="admin", region=d, roles=[Role.ADMINISTRATOR])
    staff_make(username="leader", region=d, roles=[Role.LEADER])
    first = news_demo_load()
    assert first["新增订阅源"] == 2 and first["订阅源汇聚条目"] == 4 and first["待审核"] == 1
    assert first["新增信息"] == 5  # four items of ZWFW and FGJ, and the 解读
    policy = NewsItem.objects.get(kind=NewsKind.POLICY)
    assert policy.interpretations.get().status == NewsStatus.PUBLISHED
    counts = (NewsItem.objects.count(), NewsFeed.objects.count())
    second = news_demo_load()
    assert second["新增信息"] == 0 and second["新增订阅源"] == 0 and second["订阅源汇聚条目"] == 0
    assert (NewsItem.objects.count(), NewsFeed.objects.count()) == counts
