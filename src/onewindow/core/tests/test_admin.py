"""The admin in Chinese: third-party apps and models under Chinese names; staff found by
account name and filtered by department and role."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(district) -> Client:
    from onewindow.accounts.models import User

    user = User.objects.create_superuser("root", password="x-Passw0rd!2026")
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_index_names_every_app_in_chinese(admin_client):
    html = admin_client.get("/admin/").content.decode()
    captions = [re.sub(r"<[^>]+>|\s", "", c) for c in re.findall(r"<caption>(.*?)</caption>", html, flags=re.S)]
    assert "登录保护（失败锁定）" in captions and "后台任务" in captions
    assert not [c for c in captions if re.fullmatch(r"[A-Za-z ]+", c)], captions
    for english in ("Axes", "Access attempts", "Tasks Database Backend", "Task Results", "Model name"):
        assert english not in html
    assert "登录尝试" in html and "后台任务记录" in html
    page = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "0 个登录尝试" in page or "0 登录尝试" in page


def test_staff_are_found_by_account_name_and_filtered_by_department(admin_client, district):
    water = DepartmentFactory(code="WATER", name="区水务局", region=district.district)
    market = DepartmentFactory(code="MARKET", name="区市场监管局", region=district.district)
    staff_make(username="rev_swj", region=district.district, roles=[Role.DEPT_REVIEWER], departments=[water],
               name="周敏")
    staff_make(username="rev_scjgj", region=district.district, roles=[Role.DEPT_REVIEWER], departments=[market],
               name="吴芳")
    staff_make(username="operator", region=district.district, roles=[Role.HOTLINE_OPERATOR], name="孙婷")

    def names(**query) -> set[str]:
        html = admin_client.get("/admin/accounts/staff/", query).content.decode()
        return set(re.findall(r'<td class="field-name">([^<]+)</td>', html))

    assert names(q="rev_") == {"周敏", "吴芳"}
    assert names(q="水务") == {"周敏"}
    assert names(departments__id__exact=str(market.id)) == {"吴芳"}
    assert names(role=Role.HOTLINE_OPERATOR) == {"孙婷"}
    html = admin_client.get("/admin/accounts/staff/").content.decode()
    assert "部门审批人员" in html and '["dept_reviewer"]' not in html
