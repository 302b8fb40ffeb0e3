from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from onewindow.tickets.similarity import Sample, best_duplicate, distance_m, same_place, text_similarity

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=SH)
PATH = "/530103000000/530103001000/530103001001/"


def test_same_problem_in_other_words_is_similar_and_other_problems_are_not():
    a = "拓东路12号小区从昨晚开始停水，至今没有来水"
    b = "拓东路12号小区停水了，到现在还没有来水"
    c = "鼓楼公园门口广场舞音响噪音太大"
    assert text_similarity(a, b) > 0.5
    assert text_similarity(a, c) < 0.15


def test_a_short_call_note_inside_a_long_letter_counts():
    short = "金碧路垃圾清运不及时"
    long = "我住在金碧路，最近一个月金碧路垃圾清运不及时，垃圾桶满了没人管，夏天味道很大，影响居民生活，希望尽快处理。"
    assert text_similarity(short, long) >= 0.5


def test_place_by_distance_by_community_or_by_address():
    p = Sample(1, "x", T0, PATH, "拓东路12号", 102.71, 25.01)
    near = Sample(2, "x", T0, PATH, "", 102.712, 25.011)
    far = Sample(3, "x", T0, PATH, "", 102.80, 25.01)
    assert distance_m(102.71, 25.01, 102.712, 25.011) < 300
    assert same_place(p, near) and not same_place(p, far)
    no_point = Sample(4, "x", T0, PATH, "")
    assert same_place(Sample(5, "x", T0, PATH), no_point)
    street_only = "/530103000000/530103001000/"
    assert not same_place(Sample(6, "x", T0, street_only), Sample(7, "x", T0, street_only))
    assert same_place(Sample(8, "x", T0, street_only, "拓东路12号院"), Sample(9, "x", T0, street_only, "拓东路12号"))


def test_best_duplicate_respects_the_window_and_threshold():
    new = Sample(10, "拓东路12号小区停水至今没有来水", T0, PATH)
    old_same = Sample(1, "拓东路12号小区从昨晚开始停水，没有来水", T0 - timedelta(hours=5), PATH)
    old_too_old = Sample(2, "拓东路12号小区停水至今没有来水", T0 - timedelta(days=5), PATH)
    other = Sample(3, "小区门口路灯不亮", T0, PATH)
    found = best_duplicate(new, [old_too_old, other, old_same], window=timedelta(hours=72), threshold=0.5)
    assert found is not None and found[0] == 1
    assert best_duplicate(new, [other], window=timedelta(hours=72), threshold=0.5) is None
