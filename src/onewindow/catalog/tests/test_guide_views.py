"""Public guide pages: search, filters, item guide, print view, versions, themes."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.catalog.tests.guide_data import GuideCatalogue, guide_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(admin, district) -> GuideCatalogue:  # type: ignore[no-untyped-def]
    return guide_catalogue(admin, district.district)


def _names(html: str) -> list[str]:
    """Item names of the result list, highlights removed."""
    titles = re.findall(r'<h3 class="guide-hit-title"><a [^>]*>(.*?)</a></h3>', html, re.S)
    return [re.sub(r"</?mark>", "", t) for t in titles]


def _get(client: Client, **params: str) -> str:
    response = client.get(reverse("catalog:guide"), params)
    assert response.status_code == 200
    return response.content.decode()


def assert_strict_csp_markup(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html, "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


# --- /guide/ ----------------------------------------------------------------------------------
def test_guide_lists_published_items_only(client: Client, cat: GuideCatalogue) -> None:
    html = _get(client)
    names = _names(html)
    assert set(names) == {"社会保险登记", "城乡居民基本养老保险参保登记", "食品经营许可",
                          "最低生活保障审批"}
    assert "社会保障卡挂失" not in html  # draft
    assert "临时救助审批" not in html  # retired
    assert "社会保险登记（旧）" not in html  # superseded version
    assert 'role="search"' in html and '<label for="guide-q"' in html
    assert 'aria-live="polite"' in html
    assert_strict_csp_markup(html)


@pytest.mark.parametrize("q", ["社保", "sb", "shebao", "社宝", "社会保险"])
def test_search_finds_shebao_item_first(client: Client, cat: GuideCatalogue, q: str) -> None:
    names = _names(_get(client, q=q))
    assert names[0] == "社会保险登记"
    assert "食品经营许可" not in names


def test_search_highlights_and_did_you_mean(client: Client, cat: GuideCatalogue) -> None:
    html = _get(client, q="社宝")
    assert "<mark>社会保险</mark>" in html or "<mark>社保</mark>" in html
    assert "社保</a>" in html and "guide-dym" in html  # 您是不是要找：社保


def test_htmx_request_returns_only_the_results(client: Client, cat: GuideCatalogue) -> None:
    response = client.get(reverse("catalog:guide"), {"q": "食品"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="guide-results-title"' in html
    assert _names(html) == ["食品经营许可"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"visits": "0"}, {"城乡居民基本养老保险参保登记"}),
    ({"visits": "1"}, {"社会保险登记", "城乡居民基本养老保险参保登记", "食品经营许可"}),
    ({"department": "511602-MZ"}, {"最低生活保障审批"}),
    ({"life_event": "tuixiu"}, {"城乡居民基本养老保险参保登记"}),
    ({"life_event": "kaiban"}, {"食品经营许可"}),
    ({"theme": "shebao"}, {"社会保险登记", "城乡居民基本养老保险参保登记"}),
    ({"service_object": "legal"}, {"食品经营许可"}),
    ({"level": "street"}, {"最低生活保障审批"}),
    ({"online": "1", "q": "登记"}, {"社会保险登记", "城乡居民基本养老保险参保登记"}),
    ({"q": "登记", "visits": "0"}, {"城乡居民基本养老保险参保登记"}),
])
def test_filters(client: Client, cat: GuideCatalogue, params: dict[str, str],
                 expected: set[str]) -> None:
    assert set(_names(_get(client, **params))) == expected


def test_filter_menus_offer_existing_values(client: Client, cat: GuideCatalogue) -> None:
    html = _get(client)
    assert '<option value="511602-RS">广安区人力资源和社会保障局 (2)</option>' in html
    assert '<option value="tuixiu">退休养老</option>' in html
    assert '<option value="kaiban">开办企业</option>' in html
    assert '<option value="shebao">社保服务</option>' in html


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "-3"}, {"page": "99999"}, {"visits": "9"}, {"level": "x"},
    {"service_object": "robot"}, {"q": "x" * 1000}, {"q": "<script>alert(1)</script>"},
    {"department": "'; drop"}, {"online": "maybe"},
])
def test_bad_parameters_never_fail(client: Client, cat: GuideCatalogue,
                                   params: dict[str, str]) -> None:
    html = _get(client, **params)
    assert "<script>alert(1)</script>" not in html


def test_pagination_keeps_the_query(client: Client, cat: GuideCatalogue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from onewindow.catalog import guide_views

    monkeypatch.setattr(guide_views, "PAGE_SIZE", 2)
    first = _get(client, service_object="natural")
    assert len(_names(first)) == 2
    assert 'href="/guide/?service_object=natural&amp;page=2"' in first
    second = _get(client, service_object="natural", page="2")
    assert len(_names(second)) == 1 and 'start="3"' in second
    assert set(_names(first) + _names(second)) == {
        "社会保险登记", "城乡居民基本养老保险参保登记", "最低生活保障审批"}
    assert 'href="/guide/?service_object=natural"' in second  # back to page 1


def test_post_is_not_allowed(client: Client, cat: GuideCatalogue) -> None:
    assert client.post(reverse("catalog:guide")).status_code == 405


# --- /guide/item/<id>/ ------------------------------------------------------------------------
def test_item_page_shows_every_element(client: Client, cat: GuideCatalogue,
                                       django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    url = reverse("catalog:guide_item", args=[cat.shebao.public_id])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["社会保险登记", "广安区人力资源和社会保障局", "中华人民共和国社会保险法", "第五十七条",
                 "依法应当参加社会保险的单位和个人", "居民身份证", "社会保险登记表", "授权委托书",
                 "委托他人办理的", "用黑色签字笔填写", "受理审核", "窗口审核材料", "15 个工作日",
                 "即办", "广安区政务服务中心一楼社保窗口", "工作日 9:00-12:00", "社会保险登记证明",
                 "可以委托他人办理吗？", "可以，需携带委托书和双方身份证。", "0826-2345678",
                 "12345 政务服务便民热线", "511602-RS-0001", "社保服务"]:
        assert text in html, text
    # badges computed from the data; 可预约 is not advertised while nobody can book
    assert "最多跑一次" in html and "可预约" not in html
    assert "零跑动" not in html and "全程网办" not in html
    # downloadable forms of the published version
    form = cat.shebao.current_version.materials.get(name="社会保险登记表")
    assert reverse("catalog:material_file", args=[form.public_id, "blank_form"]) in html
    assert reverse("catalog:material_file", args=[form.public_id, "sample_file"]) in html
    assert reverse("catalog:guide_item_print", args=[cat.shebao.public_id]) in html
    assert reverse("catalog:guide_version", args=[cat.shebao_v1.public_id]) in html
    assert '<main id="main"' in html and 'aria-labelledby="item-title"' in html
    assert_strict_csp_markup(html)


def test_item_page_offers_online_application_only_for_online_items(client: Client,
                                                                  cat: GuideCatalogue) -> None:
    html = client.get(reverse("catalog:guide_item", args=[cat.pension.public_id])).content.decode()
    apply_url = reverse("cases:apply", args=[cat.pension.public_id])
    assert f'id="apply-online" href="{apply_url}"' in html and "在线申请" in html
    html = client.get(reverse("catalog:guide_item", args=[cat.dibao.public_id])).content.decode()
    assert 'id="apply-online"' not in html
    # an old version's page sends nobody into an application under it
    html = client.get(reverse("catalog:guide_version", args=[cat.shebao_v1.public_id])).content.decode()
    assert 'id="apply-online"' not in html


def test_appointments_are_advertised_once_booking_exists(client: Client, cat: GuideCatalogue,
                                                        settings) -> None:  # type: ignore[no-untyped-def]
    url = reverse("catalog:guide_item", args=[cat.shebao.public_id])
    html = client.get(url).content.decode()
    assert "可预约" not in html and "预约办理" not in html
    settings.CATALOG_APPOINTMENTS_BOOKABLE = True
    html = client.get(url).content.decode()
    assert "可预约" in html


def test_blank_form_downloads(client: Client, cat: GuideCatalogue) -> None:
    form = cat.shebao.current_version.materials.get(name="社会保险登记表")
    response = client.get(reverse("catalog:material_file", args=[form.public_id, "blank_form"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 blank form"


@pytest.mark.parametrize(("attr", "badges", "absent"), [
    ("pension", ["全程网办", "零跑动", "最多跑一次", "可邮寄"], ["可预约"]),
    ("food", ["最多跑一次", "可邮寄", "跨省通办"], ["零跑动", "可预约"]),
    ("dibao", [], ["最多跑一次", "零跑动", "全程网办", "可预约"]),
])
def test_item_badges(client: Client, cat: GuideCatalogue, attr: str, badges: list[str],
                     absent: list[str]) -> None:
    item = getattr(cat, attr)
    html = client.get(reverse("catalog:guide_item", args=[item.public_id])).content.decode()
    badge_list = re.findall(r'<li class="gbadge[^"]*"[^>]*>(.*?)</li>', html)
    assert [b for b in badge_list if b in badges] == badges
    for text in absent:
        assert text not in badge_list


def test_fees_are_shown(client: Client, cat: GuideCatalogue) -> None:
    html = client.get(reverse("catalog:guide_item", args=[cat.food.public_id])).content.decode()
    assert "工本费" in html and "每证 10 元" in html and "川价发〔2020〕1号" in html


def test_unknown_draft_and_retired_items_are_404(client: Client, cat: GuideCatalogue) -> None:
    import uuid

    for public_id in (uuid.uuid4(), cat.draft_only.public_id, cat.retired.public_id):
        response = client.get(reverse("catalog:guide_item", args=[public_id]))
        assert response.status_code == 404
    assert client.get("/guide/item/not-a-uuid/").status_code == 404


def test_earlier_version_stays_readable(client: Client, cat: GuideCatalogue) -> None:
    response = client.get(reverse("catalog:guide_version", args=[cat.shebao_v1.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "社会保险登记（旧）" in html
    assert reverse("catalog:guide_item", args=[cat.shebao.public_id]) in html  # link to current
    assert "guide-notice" in html
    retired_version = cat.retired.versions.get()
    assert client.get(reverse("catalog:guide_version",
                              args=[retired_version.public_id])).status_code == 200
    draft = cat.draft_only.versions.get()
    assert client.get(reverse("catalog:guide_version", args=[draft.public_id])).status_code == 404


def test_print_view(client: Client, cat: GuideCatalogue) -> None:
    response = client.get(reverse("catalog:guide_item_print", args=[cat.shebao.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-guide-print" in html and "guide-printable" in html
    assert '<details class="guide-faq" open>' in html  # everything expanded on paper
    assert "居民身份证" in html and "最多跑一次" in html
    assert_strict_csp_markup(html)


def test_placeholders_are_marked(client: Client, cat: GuideCatalogue, admin) -> None:  # type: ignore[no-untyped-def]
    from onewindow.catalog import services

    services.draft_update(actor=admin.user, item=cat.dibao, elements={
        "hours": "", "placeholder_fields": ["hours", "steps"]})
    services.item_publish(actor=admin.user, item=cat.dibao)
    html = client.get(reverse("catalog:guide_item", args=[cat.dibao.public_id])).content.decode()
    assert "（待完善）" in html and "guide-placeholder" in html


def test_pages_honour_large_text_and_high_contrast(client: Client, cat: GuideCatalogue) -> None:
    client.cookies["ow_text"] = "large"
    client.cookies["ow_contrast"] = "high"
    for url in (reverse("catalog:guide"), reverse("catalog:guide_themes"),
                reverse("catalog:guide_item", args=[cat.shebao.public_id])):
        html = client.get(url).content.decode()
        assert re.search(r'<html lang="[^"]+" class="text-large contrast-high">', html), url
        assert "css/guide.css" in html


# --- /guide/themes/ ---------------------------------------------------------------------------
def test_themes_page(client: Client, cat: GuideCatalogue) -> None:
    response = client.get(reverse("catalog:guide_themes"))
    html = response.content.decode()
    assert response.status_code == 200
    natural = html.index('id="h-natural"')
    legal = html.index('id="h-legal"')
    assert natural < html.index("退休养老") < legal < html.index("开办企业")
    assert 'href="/guide/?life_event=tuixiu"' in html
    assert 'href="/guide/?theme=shebao"' in html
    assert_strict_csp_markup(html)
