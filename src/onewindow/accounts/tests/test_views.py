import pytest

from onewindow.accounts import services
from onewindow.accounts.tests.factories import UserFactory, make_id_number
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(district):
    a = services.person_create(actor=None, name="甲街居民", id_number=make_id_number(21),
                               phone="13812345678", region=district.community_a1)
    b = services.person_create(actor=None, name="乙街居民", id_number=make_id_number(22),
                               phone="13987654321", region=district.community_b1)
    return a, b


def test_register_page_lists_only_own_street_masked(client, clerk_a, people):
    client.force_login(clerk_a.user)
    html = client.get("/staff/people/").content.decode()
    assert "甲街居民" in html and "乙街居民" not in html
    assert "138****5678" in html and "13812345678" not in html
    assert make_id_number(21) not in html


def test_other_streets_person_page_is_a_404(client, clerk_b, people):
    a, _ = people
    client.force_login(clerk_b.user)
    assert client.get(f"/staff/people/{a.public_id}/").status_code == 404
    assert client.post(f"/staff/people/{a.public_id}/edit/", {"phone": "13911112222"}).status_code == 404
    assert client.post(f"/staff/people/{a.public_id}/reveal/", {"reason": "好奇"}).status_code == 404
    a.refresh_from_db()
    assert a.phone == "13812345678"


def test_reveal_fragment_shows_full_values_and_audits(client, clerk_a, people):
    a, _ = people
    client.force_login(clerk_a.user)
    response = client.post(f"/staff/people/{a.public_id}/reveal/", {"reason": "核验"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert make_id_number(21) in response.content.decode()
    assert AuditEntry.objects.filter(action="person.unmask").count() == 1


def test_edit_with_bad_phone_shows_the_error_and_changes_nothing(client, clerk_a, people):
    a, _ = people
    client.force_login(clerk_a.user)
    response = client.post(f"/staff/people/{a.public_id}/edit/", {"phone": "12"})
    assert response.status_code == 400
    assert "电话号码格式不正确" in response.content.decode()
    a.refresh_from_db()
    assert a.phone == "13812345678"


def test_citizens_cannot_reach_staff_pages(client, people):
    client.force_login(UserFactory(username="citizen9"))
    assert client.get("/staff/people/").status_code == 404
    assert client.get("/staff/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/staff/people/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_pages_carry_a_strict_csp_and_are_chinese_by_default(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert 'lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_english_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html and "Sign in" in html


def test_login_is_throttled_after_repeated_failures(client, clerk_a):
    client.post("/accounts/login/", {"username": "clerk_a", "password": "wrong"})
    client.post("/accounts/login/", {"username": "clerk_a", "password": "wrong"})
    # from the second failure the next try must wait (progressive delay), even with the right password
    response = client.post("/accounts/login/", {"username": "clerk_a", "password": "Passw0rd!2026"})
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.content.decode()


def test_staff_home_shows_scope_and_count(client, clerk_a, people):
    client.force_login(clerk_a.user)
    html = client.get("/staff/").content.decode()
    assert "拓东街道" in html
    assert 'data-testid="people-count">1<' in html
