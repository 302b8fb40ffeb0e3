"""The staff calendar page: everyone on staff sees it, editors upload the official schedule."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import UserFactory, staff_make
from onewindow.core.models import AuditEntry, CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

GOOD = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节\n"
BAD = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-01-01,假,元旦\n"


def upload(content: str, name: str = "2027.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")


def test_a_clerk_sees_the_provisional_year_without_the_import_form(client, clerk_a):
    client.force_login(clerk_a.user)
    response = client.get("/staff/calendar/2027/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂定（未公布）" in html
    assert "2027-02-06" in html and "春节" in html  # assumed statutory dates are listed
    assert 'name="file"' not in html


def test_a_clerk_cannot_import(client, clerk_a):
    client.force_login(clerk_a.user)
    response = client.post("/staff/calendar/2027/import/", {"file": upload(GOOD)})
    assert response.status_code == 403
    assert "只有系统管理员或监督管理人员可以导入" in response.content.decode()
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_a_supervisor_uploads_the_official_schedule(client, supervisor):
    client.force_login(supervisor.user)
    page = client.get("/staff/calendar/2027/").content.decode()
    assert 'name="file"' in page and 'enctype="multipart/form-data"' in page
    response = client.post("/staff/calendar/2027/import/",
                           {"file": upload(GOOD), "source": "国办发明电〔2026〕X号"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/calendar/2027/"
    record = CalendarYear.objects.get(year=2027)
    assert record.status == CalendarYear.Status.OFFICIAL and record.source == "国办发明电〔2026〕X号"
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).kind == "workday"
    assert AuditEntry.objects.filter(action="calendar.import", actor_id=supervisor.user.pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "官方公布" in html and "已导入" in html and "调休上班" in html


def test_an_administrator_may_import(client, district):
    admin = staff_make(username="admin1", region=district.district, roles=[Role.ADMINISTRATOR])
    client.force_login(admin.user)
    response = client.post("/staff/calendar/2027/import/", {"file": upload(GOOD)})
    assert response.status_code == 302


def test_bad_rows_are_listed_and_nothing_is_imported(client, supervisor):
    client.force_login(supervisor.user)
    response = client.post("/staff/calendar/2027/import/", {"file": upload(BAD)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "导入内容有 2 行有误" in html
    assert "第 3 行：日期“2027-02-30”无效，应为 YYYY-MM-DD" in html
    assert "第 4 行：日期 2027-01-01 与第 2 行重复" in html
    assert not CalendarDay.objects.exists()


def test_missing_file_is_a_400_with_a_chinese_message(client, supervisor):
    client.force_login(supervisor.user)
    response = client.post("/staff/calendar/2027/import/", {})
    assert response.status_code == 400
    assert "请选择要导入的 CSV 或 YAML 文件" in response.content.decode()


def test_year_out_of_range_is_a_400(client, clerk_a):
    client.force_login(clerk_a.user)
    response = client.get("/staff/calendar/3000/")
    assert response.status_code == 400
    assert "年份应在" in response.content.decode()


def test_the_index_opens_the_current_year(client, clerk_a, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2026, 12, 3))
    client.force_login(clerk_a.user)
    response = client.get("/staff/calendar/")
    assert response.status_code == 302 and response["Location"] == "/staff/calendar/2026/"
    html = client.get("/staff/calendar/2026/").content.decode()
    assert "2027 年法定节假日安排尚未导入" in html  # the December warning


def test_only_staff_see_the_page(client):
    assert client.get("/staff/calendar/2027/").status_code == 302  # to sign in
    client.force_login(UserFactory(username="citizen1"))
    assert client.get("/staff/calendar/2027/").status_code == 404
    assert client.post("/staff/calendar/2027/import/", {"file": upload(GOOD)}).status_code == 404
    assert not CalendarYear.objects.exists()
