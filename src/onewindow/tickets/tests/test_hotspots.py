"""Hot-spot discovery: places, grouping by problem, place and time, ranking by size and likes."""

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from onewindow.tickets.hotspots import Message, find_hotspots, heat, places, read_messages_csv

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=SH)
# the shared data folder as configured (ONEWINDOW_SHARED_DATA), read when the tests are collected
SHARED = Path(django_settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_hotspot_messages.csv"


def test_places_drop_administrative_prefixes_and_function_words():
    assert places("A市A2区丽发新城小区附近建搅拌站噪音扰民") >= {"丽发新城小区"}
    assert "丽发新城小区" in places("我住在丽发新城小区，晚上很吵")
    assert places("关于伊景园滨河苑捆绑销售车位") == {"伊景园滨河苑"}
    assert places("老板跑路了，走路去铁路") == set()


def _many(title, text, n, *, start=T0, likes=0, step=timedelta(days=1)):
    return [Message(id=f"{title}{i}", title=title, text=text, at=start + step * i, likes=likes) for i in range(n)]


def test_groups_same_problem_same_place_and_ranks_by_size_and_likes():
    mixer = _many("丽发新城小区附近搅拌站噪音扰民", "丽发新城小区旁边的搅拌站日夜施工，噪音和粉尘严重", 6)
    parking = _many("伊景园滨河苑捆绑销售车位", "开发商要求买房必须同时购买车位，捆绑销售", 4, likes=30)
    other = [Message(id=f"o{i}", title=t, text=t, at=T0) for i, t in enumerate(
        ["鼓楼公园路灯坏了", "咨询社保卡办理流程", "金碧路公交站台破损", "学校门口交通拥堵"])]
    spots = find_hotspots(mixer + parking + other, limit=5)
    assert [s.size for s in spots] == [4, 6] or [s.size for s in spots] == [6, 4]
    top = spots[0]
    # likes lift the smaller group: 4 × (1 + log10(121)) > 6
    assert top.place == "伊景园滨河苑" and top.heat == pytest.approx(heat(4, 120))
    assert spots[1].place == "丽发新城小区"
    assert "搅拌站" in spots[1].keywords


def test_the_same_words_elsewhere_or_much_later_are_not_one_group():
    near = _many("丽发新城小区附近搅拌站噪音扰民", "搅拌站噪音扰民", 3)
    elsewhere = _many("青青家园小区附近搅拌站噪音扰民", "搅拌站噪音扰民", 3)
    later = _many("丽发新城小区附近搅拌站噪音扰民", "搅拌站噪音扰民", 3, start=T0 + timedelta(days=300))
    spots = find_hotspots(near + elsewhere + later, limit=10, window_days=30)
    assert sorted(s.size for s in spots) == [3, 3, 3]
    assert {s.place for s in spots} == {"丽发新城小区", "青青家园小区"}


def test_nothing_to_group():
    assert find_hotspots([], limit=5) == []
    assert find_hotspots(_many("路灯坏了", "路灯坏了", 1)) == []


@pytest.mark.skipif(not SHARED.is_file(), reason="shared data absent")
def test_top_hot_spots_of_the_taidi_board():
    messages, skipped = read_messages_csv(SHARED)
    assert len(messages) == 4326 and skipped == 0
    spots = find_hotspots(messages, limit=8)
    places_found = [s.place for s in spots]
    assert places_found[0].startswith("丽发新城") and "伊景园滨河苑" in places_found[1]
    assert spots[0].size >= 40 and spots[1].size >= 40
    assert "绿地海外滩小区" in places_found[:5]
    assert "魅力之城小区" in places_found
    mixer = spots[0]
    assert sum("搅拌" in m.title for m in mixer.members) >= 0.8 * mixer.size


def test_command_skips_cleanly_without_shared_data(settings, tmp_path):
    settings.SHARED_DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("tickets_hotspots", stdout=out)
    assert "跳过" in out.getvalue()


def test_command_on_a_csv(tmp_path):
    path = tmp_path / "board.csv"
    rows = ["留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数"]
    for i in range(3):
        rows.append(f"{i},u,丽发新城小区附近搅拌站噪音扰民,2019/11/0{i + 1} 10:00:00,搅拌站日夜施工噪音大,0,{i}")
    rows.append("9,u,咨询社保卡办理,2019/11/02 10:00:00,社保卡怎么办,0,0")
    path.write_text("\n".join(rows), encoding="utf-8")
    out = io.StringIO()
    call_command("tickets_hotspots", "--csv", str(path), "--top", "5", stdout=out)
    text = out.getvalue()
    assert "1. 【丽发新城小区】" in text and "3 条留言" in text and "点赞 3" in text
