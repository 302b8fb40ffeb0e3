"""Demo of home care (idempotent): the catalogue in 8 categories, the district's allowance rules,
5 providers with carers (the demo account ``care`` manages the first and is one of its carers),
elders in the first street's communities with assessments and family contacts (the demo citizen
李华 orders for her father), a month of orders in every state, alerts and last month's settlement."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import Role, UserKind
from onewindow.accounts.demo import DEMO_PASSWORD
from onewindow.accounts.models import User
from onewindow.accounts.rules import credit_code_check_char, id_number_check_char
from onewindow.accounts.services import staff_create
from onewindow.core.errors import DomainError
from onewindow.regions.geometry import representative_point
from onewindow.regions.models import Region

from . import constants as c
from . import rules, services
from .models import Carer, Elder, Order, Provider, Service, Settlement

# (code, name, category, price, minutes, covered, description)
CATALOGUE: list[tuple[str, str, str, str, int, bool, str]] = [
    ("ZC01", "助餐送餐", c.Category.CARE, "15.00", 30, True, "长者食堂午餐送餐上门"),
    ("ZC02", "长者食堂堂食", c.Category.CARE, "10.00", 30, True, "社区长者食堂就餐"),
    ("ZJ01", "助洁（居室清洁）", c.Category.CARE, "60.00", 120, True, "居室打扫、衣物整理"),
    ("ZY01", "助浴", c.Category.CARE, "80.00", 60, True, "上门助浴，两人操作"),
    ("ZX01", "助行陪护", c.Category.CARE, "40.00", 60, True, "陪同散步、外出"),
    ("YL01", "上门测血压血糖", c.Category.MEDICAL, "20.00", 30, True, "健康监测并记录"),
    ("YL02", "家庭医生上门巡诊", c.Category.MEDICAL, "50.00", 45, True, "签约家庭医生上门"),
    ("YL03", "康复护理", c.Category.MEDICAL, "120.00", 60, True, "康复训练指导"),
    ("JY01", "老年大学课程", c.Category.EDUCATION, "0.00", 90, False, "书法、智能手机使用"),
    ("JY02", "防诈骗讲座", c.Category.EDUCATION, "0.00", 60, False, "社区集中讲座"),
    ("SY01", "优待证办理代办", c.Category.PREFERENTIAL, "0.00", 30, False, "老年人优待证"),
    ("SY02", "适老化改造评估", c.Category.PREFERENTIAL, "0.00", 60, True, "扶手、防滑地面评估"),
    ("JYE1", "低龄老人就业对接", c.Category.EMPLOYMENT, "0.00", 30, False, "公益岗位推荐"),
    ("WH01", "文化活动组织", c.Category.CULTURE, "0.00", 120, False, "合唱、太极"),
    ("WH02", "读报陪聊", c.Category.CULTURE, "30.00", 60, True, "精神慰藉"),
    ("AY01", "智能呼叫设备安装", c.Category.SAFETY, "0.00", 60, True, "一键呼叫、烟感"),
    ("AY02", "独居老人探访", c.Category.SAFETY, "25.00", 30, True, "定期上门探访"),
    ("BS01", "代缴水电气费", c.Category.ERRANDS, "10.00", 30, True, "代办生活缴费"),
    ("BS02", "代购代取药品", c.Category.ERRANDS, "15.00", 45, True, "药店代购"),
    ("BS03", "养老金资格认证代办", c.Category.ERRANDS, "0.00", 30, False, "协助认证"),
]
RULES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("高龄补贴（80周岁以上）", c.RuleKind.BASE, "100", {"min_age": 80}),
    ("轻度失能", c.RuleKind.BASE, "150", {"min_level": 1}),
    ("中度及以上失能", c.RuleKind.BASE, "300", {"min_level": 2}),
    ("低保、特困老人叠加", c.RuleKind.EXTRA, "100", {"low_income_only": True}),
    ("独居、空巢老人叠加", c.RuleKind.EXTRA, "50", {"alone_only": True}),
]
# (name, kind, seq, beds, services)
PROVIDERS: list[tuple[str, str, int, int, list[str]]] = [
    ("盘龙区拓东颐康居家养老服务中心", c.ProviderKind.COMPANY, 1, 0,
     ["ZC01", "ZJ01", "ZY01", "ZX01", "WH02", "AY02", "BS01", "BS02", "YL01"]),
    ("拓东社区长者食堂", c.ProviderKind.CANTEEN, 2, 0, ["ZC01", "ZC02"]),
    ("昆明市春晖社会工作服务中心", c.ProviderKind.SOCIAL_WORK, 3, 0, ["WH02", "AY02", "JY02", "WH01", "BS03", "SY01"]),
    ("拓东社区卫生服务中心", c.ProviderKind.MEDICAL, 4, 0, ["YL01", "YL02", "YL03"]),
    ("盘龙区福康养老院", c.ProviderKind.INSTITUTION, 5, 120, ["ZY01", "YL03", "SY02", "AY01"]),
]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["桂英", "秀兰", "玉兰", "淑珍", "凤英", "建国", "国华", "志强", "德明", "秀珍", "文华", "永福",
         "金花", "丽华", "长生", "福寿"]


def _credit(seq: int) -> str:
    body = f"52530103MJ{seq:07d}"[:17]
    return body + credit_code_check_char(body)


def _id_number(seq: int, born: date) -> str:
    first17 = f"530103{born:%Y%m%d}{700 + seq % 300:03d}"
    return first17 + id_number_check_char(first17)


def homecare_demo_load(*, small: bool = False) -> dict[str, int]:
    district = Region.objects.filter(code=settings.ONEWINDOW_DISTRICT_CODE).defer("geometry").first()
    if district is None:
        raise RuntimeError("找不到平台所在区县的区划：请先运行区划和人员的演示数据")
    if Provider.objects.filter(credit_code=_credit(1)).exists():
        return homecare_demo_counts()
    streets = list(Region.objects.filter(parent=district, level="street").order_by("code")[:3])
    if not streets:
        return homecare_demo_counts()
    communities = [cm for street in streets[:2]
                   for cm in Region.objects.filter(parent=street, level="community").order_by("code")[:3]]
    rng = random.Random(13)
    now = timezone.now()
    with transaction.atomic():
        catalogue = {code: services.service_save(
            actor=None, code=code, name=name, category=cat, price=Decimal(price), duration_minutes=minutes,
            allowance_covered=covered, description=desc)
            for code, name, cat, price, minutes, covered, desc in CATALOGUE}
        for name, kind, amount, kw in RULES:
            services.allowance_rule_save(actor=None, name=name, kind=kind, monthly_amount=amount, **kw)
        password = make_password(DEMO_PASSWORD)
        providers = []
        for name, kind, seq, beds, codes in PROVIDERS:
            point = representative_point(streets[0].geometry) if streets[0].geometry else None
            p = services.provider_register(
                actor=None, name=name, kind=kind, credit_code=_credit(seq), phone=f"0871-6318{seq:04d}",
                address=f"盘龙区{streets[0].name}拓东路{10 * seq}号", streets=streets[:2] if seq != 4 else streets[:1],
                lng=point[0] + 0.001 * seq if point else None, lat=point[1] if point else None, beds_total=beds,
                beds_used=beds * 3 // 4, contract_no=f"PLMZ-YL-2026-{seq:03d}", contract_until=date(2027, 12, 31),
                services=[catalogue[x] for x in codes])
            services.provider_set_status(actor=None, provider=p, status=c.ProviderStatus.APPROVED)
            providers.append(p)
        carers = _carers(providers, streets[0], password)
        elders = _elders(communities, rng, now)
        orders = _orders(elders, carers, catalogue, rng, now, history=60 if small else 200)
        last_month = rules.month_start(rules.month_start(timezone.localdate(now)) - timedelta(days=1))
        settlements = services.settlement_run(actor=None, month=last_month, now=now)
        manager = providers[0].managers.first()
        for s in settlements:
            if s.provider_id == providers[0].pk and manager is not None:
                services.settlement_confirm(actor=manager, settlement=s, now=now)
        services.alerts_scan(now=now)
    return {"本次新建订单": orders} | homecare_demo_counts()


def _carers(providers: list[Provider], street: Region, password: str) -> list[Carer]:
    """The demo account ``care`` (何秀英) manages the first provider and is one of its carers; each
    provider has two more carers with accounts ``carer1`` … ``carer10``."""
    carers: list[Carer] = []
    care = User.objects.filter(username="care").first()
    if care is not None:
        services.provider_manager_add(actor=None, provider=providers[0], user=care)
        carers.append(services.carer_add(actor=None, provider=providers[0], name=care.display_name or "何秀英",
                                         phone="13700001111", qualifications=[c.Qualification.CARER_3,
                                                                              c.Qualification.HEALTH_CERT], user=care))
    names = ["李春燕", "王建英", "赵红梅", "周丽", "杨志华", "段美玲", "孙玉琴", "罗建平", "朱晓燕", "黄德芳"]
    n = 0
    for p in providers:
        for _ in range(2):
            n += 1
            username = f"carer{n}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create(username=username, kind=UserKind.STAFF, display_name=names[n - 1],
                                           password=password)
                staff_create(actor=None, user=user, name=names[n - 1], employee_no=f"HL{n:04d}",
                             roles=[Role.CARE_PROVIDER], region=street)
            quals = [c.Qualification.CARER_4, c.Qualification.HEALTH_CERT]
            if p.kind == c.ProviderKind.MEDICAL:
                quals = [c.Qualification.NURSE]
            if p.kind == c.ProviderKind.CANTEEN:
                quals = [c.Qualification.COOK, c.Qualification.HEALTH_CERT]
            carers.append(services.carer_add(actor=None, provider=p, name=names[n - 1],
                                             phone=f"1370000{n:04d}", qualifications=quals, user=user))
        if not p.managers.exists():
            p.managers.add(carers[-1].user)
    return carers


def _elders(communities: list[Region], rng: random.Random, now: datetime) -> list[Elder]:
    elders = []
    citizen = User.objects.filter(username="citizen").first()
    livings = [c.Living.ALONE, c.Living.EMPTY_NEST, c.Living.WITH_FAMILY, c.Living.WITH_FAMILY]
    for i in range(40):
        community = communities[i % len(communities)]
        born = date(1931 + rng.randrange(0, 34), 1 + rng.randrange(12), 1 + rng.randrange(28))
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        point = representative_point(community.geometry) if community.geometry else None
        jitter = ((rng.random() - 0.5) * 0.004, (rng.random() - 0.5) * 0.004)
        elder = services.elder_register(
            actor=None, name=name, id_number=_id_number(i, born), community=community,
            address=f"{community.name}拓东路{rng.randrange(1, 200)}号{rng.randrange(1, 9)}栋{rng.randrange(1, 6)}单元"
                    f"{rng.randrange(1, 7)}0{rng.randrange(1, 4)}室",
            phone=f"1390871{i:04d}", lng=point[0] + jitter[0] if point else None,
            lat=point[1] + jitter[1] if point else None, living=livings[i % 4],
            care_mode=c.CareMode.INSTITUTION if i % 13 == 12 else c.CareMode.HOME, low_income=i % 5 == 0,
            health_notes=rng.choice(["高血压", "糖尿病，低糖饮食", "行动不便，需助行器", "轻度认知障碍", ""]),
            today=timezone.localdate(now))
        if i % 3 != 2:
            lost = rng.randrange(0, 60)
            scores = {}
            for code, (_label, top) in c.ASSESSMENT_ITEMS.items():
                take = min(top, lost)
                scores[code] = top - take
                lost -= take
            services.assessment_record(actor=None, elder=elder, scores=scores, now=now - timedelta(days=40))
        services.family_add(actor=None, elder=elder, name="李华" if i == 0 else f"{name[0]}家属", relation="女儿",
                            phone="13812345678" if i == 0 else f"1350871{i:04d}", user=citizen if i == 0 else None)
        elders.append(Elder.objects.get(pk=elder.pk))
    return elders


def _orders(elders: list[Elder], carers: list[Carer], catalogue: dict[str, Service], rng: random.Random,
            now: datetime, *, history: int = 200) -> int:
    """A month of orders: last month's all delivered or cancelled, this month's in every state
    (``history`` orders over five weeks, then 20 for today and tomorrow)."""
    by_provider: dict[int, list[Carer]] = {}
    for carer in carers:
        by_provider.setdefault(carer.provider_id, []).append(carer)
    visit_codes = ["ZC01", "ZJ01", "ZY01", "YL01", "WH02", "AY02", "BS02", "YL02"]
    today = timezone.localdate(now)
    start = today - timedelta(days=35)
    count = 0
    for i in range(history + 20):
        elder = elders[i % len(elders)]
        day = start + timedelta(days=rng.randrange(0, 35))
        at = timezone.make_aware(datetime.combine(day, time(8 + rng.randrange(0, 9), rng.choice([0, 30]))))
        service = catalogue[rng.choice(visit_codes)]
        if i >= history:  # today's and tomorrow's work, in every open state
            at = now + timedelta(minutes=[-25, -15, 60, 120, 24 * 60, 25 * 60, 26 * 60, 27 * 60, -27 * 60,
                                          -26 * 60][(i - history) % 10])
            if i >= history + 18:
                service = catalogue["JYE1"]  # nobody offers it here: waits for manual dispatch
        placed = min(at - timedelta(hours=rng.randrange(2, 48)), now - timedelta(minutes=5))
        try:
            order = services.order_place(actor=None, elder=elder, service=service, scheduled_at=at, now=placed,
                                         channel=rng.choice([c.OrderChannel.WEB, c.OrderChannel.PHONE,
                                                             c.OrderChannel.MOBILE]))
        except DomainError:  # the demo skips what the rules refuse (a time out of range)
            continue
        count += 1
        Order.objects.filter(pk=order.pk).update(ordered_by=rng.choice(list(c.OrderedBy.values)))
        if order.provider_id is None:
            continue
        if i >= history:
            _today(order, (i - history) % 10, rng.choice(by_provider[order.provider_id]), now)
            continue
        future = at > now
        roll = rng.random()
        if future and roll < 0.3:
            continue  # waits for a carer
        if not future and roll < 0.06:
            services.order_cancel(actor=None, order=order, reason="老人临时外出", now=placed)
            continue
        carer = rng.choice(by_provider[order.provider_id])
        order = services.order_assign(actor=None, order=order, carer=carer)
        if future or (at > now - timedelta(hours=1) and roll < 0.5):
            continue
        home = (elder.lng, elder.lat) if elder.lng is not None and elder.lat is not None else (102.71, 25.04)
        near = (home[0] + 0.0004, home[1] + 0.0003)
        far = roll > 0.95
        services.order_checkin(
            actor=carer.user, order=order, lng=near[0] + (0.02 if far else 0), lat=near[1],
            location_note="老人在子女家接受服务" if far else "", photo=services.PhotoIn("门口.png", _photo()),
            now=min(at + timedelta(minutes=rng.randrange(-5, 50)), now))
        order.refresh_from_db()
        end = (order.checkin_at or at) + timedelta(minutes=service.duration_minutes * (0.4 if roll > 0.9 else 1.05))
        if end > now:
            continue  # in service now
        services.order_checkout(actor=carer.user, order=order, lng=near[0], lat=near[1],
                                work_notes=f"已完成{service.name}，老人状况良好", now=end)
        order.refresh_from_db()
        if end > now - timedelta(days=1) and roll < 0.6:
            continue  # waits for the family's confirmation
        services.order_confirm(actor=None, order=order, rating=rng.choice([5, 5, 5, 4, 4, 3]),
                               comment=rng.choice(["服务很好", "准时，态度好", "", "饭菜偏咸"]),
                               now=end + timedelta(hours=2))
    return count


def _today(order: Order, k: int, carer: Carer, now: datetime) -> None:
    """Open work: 2 in service, 3 assigned, 3 waiting for a carer, 2 delivered and unconfirmed."""
    if k in (4, 5, 7):
        return
    order = services.order_assign(actor=None, order=order, carer=carer)
    if k in (2, 3, 6):
        return
    elder = order.elder
    home = (elder.lng, elder.lat) if elder.lng is not None and elder.lat is not None else (102.71, 25.04)
    services.order_checkin(actor=carer.user, order=order, lng=home[0] + 0.0003, lat=home[1],
                           photo=services.PhotoIn("门口.png", _photo()), now=order.scheduled_at + timedelta(minutes=3))
    if k in (0, 1):
        return
    end = order.scheduled_at + timedelta(minutes=order.service.duration_minutes + 5)
    services.order_checkout(actor=carer.user, order=order, lng=home[0], lat=home[1],
                            work_notes=f"已完成{order.service.name}", now=min(end, now))


_PHOTO: list[bytes] = []


def _photo() -> bytes:
    """A small photo for the demo's check-ins (made once)."""
    if not _PHOTO:
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (180, 140, 90)).save(buf, format="PNG")
        _PHOTO.append(buf.getvalue())
    return _PHOTO[0]


def homecare_demo_counts() -> dict[str, int]:
    return {
        "服务项目": Service.objects.count(),
        "服务机构": Provider.objects.count(),
        "护理员": Carer.objects.count(),
        "老人": Elder.objects.count(),
        "服务订单": Order.objects.count(),
        "结算单": Settlement.objects.count(),
    }
