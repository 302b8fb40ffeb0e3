"""Badges a guide shows for an item, computed from its data (never entered by hand).

- 全程网办: no visit needed and online handling depth 4 (四级).
- 零跑动: no visit to the hall (到办事现场次数 = 0).
- 最多跑一次: at most one visit.
- 可预约 / 可邮寄 / 自助办理: the appointment, postal delivery and kiosk flags. 可预约 is shown only
  once citizens can actually book (setting ``CATALOG_APPOINTMENTS_BOOKABLE``, turned on by the
  module that offers booking); until then the flag stays in the data but is not advertised.
- 跨省通办 / 全省通办 / 全市通办: the 通办 scope.

The labels are the official Chinese policy terms (like the vocabularies in ``constants``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .constants import OnlineDepth, TongbanScope


@dataclass(frozen=True)
class Badge:
    code: str
    label: str
    description: str


FULL_ONLINE = Badge("full_online", "全程网办", "网上申请、网上办理、结果寄送或电子证照，无需到现场")
ZERO_VISITS = Badge("zero_visits", "零跑动", "不需要到办事现场")
ONE_VISIT = Badge("at_most_one_visit", "最多跑一次", "材料齐全时最多到现场一次")
APPOINTMENT = Badge("appointment", "可预约", "可以预约办理时间")
POSTAL = Badge("postal", "可邮寄", "办理结果可以快递送达")
KIOSK = Badge("kiosk", "自助办理", "可在自助终端办理")
TONGBAN = {
    TongbanScope.CROSS_PROVINCE.value: Badge("cross_province", "跨省通办", "可在外省异地办理"),
    TongbanScope.PROVINCE.value: Badge("province", "全省通办", "可在本省任一地办理"),
    TongbanScope.CITY.value: Badge("city", "全市通办", "可在本市任一地办理"),
}
ALL_BADGES = (FULL_ONLINE, ZERO_VISITS, ONE_VISIT, APPOINTMENT, POSTAL, KIOSK,
              *TONGBAN.values())


def appointments_bookable() -> bool:
    """Whether the platform offers booking: only then is 可预约 advertised."""
    return bool(getattr(settings, "CATALOG_APPOINTMENTS_BOOKABLE", False))


def badges_for(*, visits: int | None, online_depth: int | None, appointment: bool = False,
               postal: bool = False, kiosk: bool = False, tongban_scope: str = "") -> list[Badge]:
    """The badges for these facts, most significant first."""
    found: list[Badge] = []
    if visits == 0 and (online_depth or 0) >= OnlineDepth.FULL:
        found.append(FULL_ONLINE)
    if visits == 0:
        found.append(ZERO_VISITS)
    if visits is not None and visits <= 1:
        found.append(ONE_VISIT)
    if appointment and appointments_bookable():
        found.append(APPOINTMENT)
    if postal:
        found.append(POSTAL)
    if kiosk:
        found.append(KIOSK)
    if tongban_scope in TONGBAN:
        found.append(TONGBAN[tongban_scope])
    return found


def version_badges(version: Any) -> list[Badge]:
    """Badges of a ServiceItemVersion."""
    return badges_for(visits=version.visits, online_depth=version.online_depth,
                      appointment=version.appointment, postal=version.postal_delivery,
                      kiosk=version.kiosk, tongban_scope=version.tongban_scope)


def document_badges(doc: Any) -> list[Badge]:
    """Badges of a search Document (flags as collected by the index)."""
    scope = next((s for s in TONGBAN if s in doc.flags), "")
    return badges_for(visits=doc.visits, online_depth=doc.online_depth,
                      appointment="appointment" in doc.flags, postal="postal" in doc.flags,
                      kiosk="kiosk" in doc.flags, tongban_scope=scope)
