"""Demo 12345 tickets of the district: two months of calls, web and app messages, and their handling.

``demo_load_tickets`` seeds what the hotline needs (category tree, a fallback department, one
dispatch rule per top-level category, and a classifier model trained on the shared labelled
messages when no model exists yet), then takes every ticket in through ``ticket_intake``
(classification, automatic dispatch, duplicate check) and handles it as the demo staff would:
``operator`` dispatches, merges duplicates and calls back, the bureaus' reviewers sign, return,
reply and ask for more time, ``supervisor`` issues supervision orders, decides extensions,
reopens or closes unsatisfied tickets. Every step is given its moment (``now=``), so the
timelines, deadlines, overdue marks and the monthly report read like a district in operation.

Texts come from the Chinese taidi2020 labelled messages in ``SHARED_DATA_DIR/tickets`` (place
codes like "A市" read as Kunming; messages naming other coded places are left out), else from a
built-in list. Deterministic (seeded) and idempotent: the tickets carry ``external_id``
"DEMO-…"; when one exists nothing is written. The tickets are loaded in one transaction.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import DepartmentKind, Role
from onewindow.accounts.models import Department, Staff, User
from onewindow.regions.constants import PlaceKind, RegionLevel
from onewindow.regions.models import Region
from onewindow.regions.selectors import place_list

from . import constants as c
from . import selectors
from . import services as s
from .constants import Status
from .models import Category, DispatchRule, ExtensionRequest, HotlineConfig, SupervisionOrder, Ticket

SEED = 530103
MARK = "DEMO-"
SH = ZoneInfo("Asia/Shanghai")
LABELLED = "taidi2020_labelled_train.csv"

#: Top-level category → (owner bureau, the bureau that gets it after a return) (accounts.demo suffixes).
BUREAUS: dict[str, tuple[str, str]] = {
    "城乡建设": ("ZJJ", "CGJ"), "环境保护": ("STHJFJ", "CGJ"), "交通运输": ("JTYSJ", "CGJ"),
    "教育文体": ("JTJ", "WLJ"), "劳动和社会保障": ("RSJ", "YBJ"), "商贸旅游": ("SWJ", "SCJGJ"),
    "卫生计生": ("WJJ", "YBJ"),
}
FALLBACK = "ZWFW"
STREET = "STREET"  # the street office (街道办事处: its 城管/环卫 and 综合执法) of the ticket's street
COMMUNITY = "COMMUNITY"  # the residents' committee (居委会/村委会) of the ticket's community

#: Dispatch rules of the demo district, as a district would set them up (category path by names
#: → owner). A rule for a deeper category wins over its parent's; a street or community rule
#: over a district-wide one (dispatch.py). What belongs to the street (refuse, street vending)
#: goes to the street office, a compound's own affairs to its community, the rest to a bureau;
#: district-wide rules catch tickets located no deeper than the district.
DISTRICT_RULES: list[tuple[str, str]] = [
    *[(top, suffix) for top, (suffix, _alternate) in BUREAUS.items()],
    ("城乡建设 / 城市建设和市政管理 / 环境卫生", "CGJ"),
    ("城乡建设 / 城市建设和市政管理 / 环境卫生", STREET),
    ("城乡建设 / 城市建设和市政管理 / 城管执法", "CGJ"),
    ("城乡建设 / 城市建设和市政管理 / 城管执法", STREET),
    ("城乡建设 / 城市建设和市政管理 / 小区管理", "ZJJ"),
    ("城乡建设 / 城市建设和市政管理 / 小区管理", STREET),
    ("城乡建设 / 城市建设和市政管理 / 小区管理", COMMUNITY),
    ("城乡建设 / 城市建设和市政管理 / 园林绿化", "CGJ"),
    ("城乡建设 / 城市建设和市政管理 / 园林绿化环卫", "CGJ"),
    ("城乡建设 / 城市建设和市政管理 / 公园管理", "CGJ"),
    ("城乡建设 / 城市建设和市政管理 / 自来水供应", "SWUJ"),
    ("城乡建设 / 城乡规划", "ZRZYJ"),
    ("城乡建设 / 城乡规划 / 违章建筑", "CGJ"),
    ("城乡建设 / 安全生产", "YJJ"),
    ("商贸旅游 / 市场监管", "SCJGJ"),
    ("商贸旅游 / 质监检验检疫", "SCJGJ"),
    ("商贸旅游 / 旅游管理", "WLJ"),
    ("卫生计生 / 食品药品监管", "SCJGJ"),
    ("教育文体 / 文化", "WLJ"),
    ("教育文体 / 文物管理", "WLJ"),
    ("民政", "MZJ"),
    ("政法", "SFJ"),
    ("政法 / 社会治安", "GAFJ"),
    ("政法 / 交通管理", "GAFJ"),
    ("政法 / 户籍证件", "GAFJ"),
    ("农村农业", "NYNCJ"),
    ("农村农业 / 林业管理", "LCJ"),
    ("农村农业 / 水利水电", "SWUJ"),
    ("国土资源", "ZRZYJ"),
    ("科技与信息产业", "KGXJ"),
    ("经济管理", "FGJ"),
]

# (title, text, top-level category) when the shared messages are not there.
BUILTIN: list[tuple[str, str, str]] = [
    ("小区门口路灯坏了", "小区门口的路灯坏了一个多星期，晚上出行很不安全，请尽快维修。", "城乡建设"),
    ("楼道内堆放杂物", "单元楼道里长期堆放纸箱和旧家具，存在消防隐患，物业不管，请处理。", "城乡建设"),
    ("小区停水未通知", "今天早上小区突然停水，没有任何通知，请问什么时候恢复供水？", "城乡建设"),
    ("人行道井盖缺失", "路口人行道上有一个井盖缺失，只放了一个锥桶，老人小孩经过很危险。", "城乡建设"),
    ("违章搭建阳光房", "楼上住户在楼顶违规搭建阳光房，已施工两天，请城管部门核查。", "城乡建设"),
    ("小区垃圾清运不及时", "小区垃圾桶满了两天没人清运，气味很大，苍蝇很多。", "城乡建设"),
    ("工地夜间施工扰民", "附近工地每天晚上十一点以后还在施工，噪音很大，影响休息。", "环境保护"),
    ("餐馆油烟直排", "楼下餐馆油烟没有经过净化直接排放，家里窗户都不敢开。", "环境保护"),
    ("河道有异味", "盘龙江这一段河水发黑有异味，怀疑有污水直排，请环保部门检查。", "环境保护"),
    ("广场舞音响太大", "每天晚上广场舞音响声音太大，一直到十点，希望管理一下音量和时间。", "环境保护"),
    ("公交站台损坏", "公交站台的顶棚被大风吹坏了，下雨天等车没有地方躲雨。", "交通运输"),
    ("路面坑洼积水", "这段路面坑洼很多，一下雨就积水，电动车经过容易摔倒。", "交通运输"),
    ("建议增开公交线路", "新小区入住的人越来越多，但附近只有一条公交线路，建议增开线路或加密班次。", "交通运输"),
    ("占道停车影响通行", "学校门口接送孩子的车辆长期占道停放，早晚高峰严重拥堵。", "交通运输"),
    ("孩子入学咨询", "孩子今年满六岁，户口在外区，在本区租房居住，请问如何办理小学入学？", "教育文体"),
    ("校外培训机构退费难", "在一家培训机构交了一年的课时费，机构现在停课，要求退费一直拖着。", "教育文体"),
    ("社区健身器材损坏", "社区广场的健身器材有几个已经损坏，螺丝松动，存在安全隐患。", "教育文体"),
    ("公司拖欠工资", "我在一家装修公司工作，公司已经拖欠三个月工资，多次讨要没有结果。", "劳动和社会保障"),
    ("养老保险转移咨询", "我从外省来昆明工作，想把养老保险关系转过来，需要准备什么材料？", "劳动和社会保障"),
    ("灵活就业参保咨询", "我是灵活就业人员，想在本区参加职工养老保险，请问在哪里办理？", "劳动和社会保障"),
    ("失业金领取问题", "我已经办理了失业登记，失业保险金一直没有到账，请帮忙查询。", "劳动和社会保障"),
    ("超市销售过期食品", "在小区附近超市买到的酸奶已经过期三天，商家拒绝退换。", "商贸旅游"),
    ("预付卡商家跑路", "办了理发店的预付卡，充值两千元，现在店铺关门联系不上老板。", "商贸旅游"),
    ("菜市场缺斤少两", "菜市场有摊贩的秤有问题，买的两斤肉回家一称只有一斤七两。", "商贸旅游"),
    ("旅游团强制购物", "报名参加的一日游被带到玉石店强制购物，导游态度恶劣。", "商贸旅游"),
    ("社区卫生服务中心排队久", "社区卫生服务中心打疫苗排队时间太长，建议增加预约时段。", "卫生计生"),
    ("医保报销咨询", "在外地住院的费用回来怎么报销？需要带哪些材料？", "卫生计生"),
    ("诊所无证行医", "小区旁边有一家诊所好像没有执业许可，还在给人输液，请卫生部门核查。", "卫生计生"),
    ("医院停车难", "医院门口停车非常困难，建议增设临时停车位或引导停车。", "卫生计生"),
    ("生育登记咨询", "二孩生育登记可以在网上办理吗？需要提供哪些材料？", "卫生计生"),
]
REPLIES = (
    "您好！您反映的“{title}”问题已收悉。经核实，我单位已于当日安排工作人员到现场处理，目前问题已解决。感谢您对我们工作的支持和监督。",
    "您好！关于您反映的“{title}”，经调查，情况基本属实。我单位已责成相关责任单位限期整改，并将持续跟踪落实情况。",
    "您好！您咨询的“{title}”，答复如下：请携带本人身份证件到区政务服务中心相应窗口办理，也可通过“一窗通办”平台在线申请。如有疑问可拨打12345咨询。",
    "您好！针对“{title}”，我单位已会同属地街道现场核查，已约谈相关当事人并督促其立即整改，后续将加强日常巡查。",
)
CONSULT_ANSWER = ("您好！关于“{title}”，请携带本人身份证件到区政务服务中心相应窗口办理，也可通过"
                  "“一窗通办”平台在线申请；具体政策以主管部门公布为准。")
RETURN_REASONS = ("该诉求涉及城市管理事项，不属于本部门职责，建议派至区城管局",
                  "经核实该事项属其他部门管辖，请重新派单")
ROADS = ("北京路", "白塔路", "东风东路", "穿金路", "金星路", "北辰大道", "龙泉路", "沣源路", "霖雨路",
         "联盟路", "万宏路", "金实路", "青云路", "世博路", "拓东路", "金尚路", "菊华路", "新迎路")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞芳娜敏静丽艳娟霞秀英燕玲桂兰"


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    label: str


@dataclass
class _Ctx:
    now: datetime
    rng: random.Random
    operator: User
    supervisor: User
    citizen: User | None
    communities: list[Region]
    streets: dict[int, Region]
    departments: dict[str, Department]
    handlers: dict[int, User]  # department id → a reviewer of it
    categories: dict[str, Category]
    places: dict[int, list[str]]  # community id → names of compounds and landmarks in it
    counts: Counter[str] = field(default_factory=Counter)


# --- Messages ---------------------------------------------------------------------------------
_CODED_PLACE = re.compile(r"[A-Z]\d*[市县区省]|[A-Z]\d+|西地省")


def _clean(text: str) -> str:
    text = text.replace("_x000D_", " ").replace("A市", "昆明市")
    return re.sub(r"\s+", " ", text).strip()


def messages_load(path: Path | None = None) -> list[Message]:
    """The shared labelled messages fit for the district, and the built-in list."""
    path = path or Path(settings.SHARED_DATA_DIR) / "tickets" / LABELLED
    found: list[Message] = []
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                title = _clean(row.get("留言主题") or "")
                text = _clean(row.get("留言详情") or "")
                label = (row.get("一级分类") or "").strip()
                if label not in BUREAUS or not 4 <= len(title) <= 40 or not 15 <= len(text) <= 400:
                    continue
                if _CODED_PLACE.search(title + text) or "http" in text:
                    continue
                found.append(Message(title, text, label))
    # the shared messages, with the built-in local ones for variety (alone without the folder)
    return found + [Message(*m) for m in BUILTIN]


# --- Reference data ---------------------------------------------------------------------------
def _reference_ensure(*, district: Region, supervisor: User, small: bool = False) -> dict[str, int]:
    """Categories, the fallback department and one rule per top-level category (when missing)."""
    area = district.code[:6]
    made = {"categories": s.category_seed(actor=None).created, "rules": 0, "config": 0, "model": 0}
    departments = {d.code: d for d in Department.objects.filter(code__startswith=area)}
    config = HotlineConfig.objects.filter(district=district).first()
    fallback = departments.get(f"{area}-{FALLBACK}")
    if fallback is not None and (config is None or config.fallback_department_id is None):
        s.hotline_config_update(actor=supervisor, district=district, fallback_department=fallback)
        made["config"] = 1
    made["rules"] = _rules_ensure(district=district, departments=departments, actor=supervisor)
    made["model"] = _model_ensure(small=small)
    selectors.reference_cache_clear()
    return made


def _rules_ensure(*, district: Region, departments: dict[str, Department], actor: User) -> int:
    """The demo's dispatch rules (DISTRICT_RULES) that are missing; returns how many were made."""
    categories = {cat.full_name: cat for cat in Category.objects.filter(full_name__in={n for n, _ in DISTRICT_RULES})}
    subtree = Region.objects.filter(path__startswith=district.path).defer("geometry")
    streets = list(subtree.filter(level=RegionLevel.STREET).order_by("code"))
    communities = list(subtree.filter(level=RegionLevel.COMMUNITY).order_by("code"))
    area = district.code[:6]
    have = set(DispatchRule.objects.values_list("category_id", "region_id", "department_id"))
    wanted: list[tuple[Category, Region | None, Department]] = []
    for name, owner in DISTRICT_RULES:
        category = categories.get(name)
        if category is None:
            continue  # a taxonomy without this category (the built-in one is small)
        if owner == STREET:
            wanted += [(category, street, departments[f"{street.code}-JDB"]) for street in streets
                       if f"{street.code}-JDB" in departments]
        elif owner == COMMUNITY:
            wanted += [(category, community, departments[f"{community.code}-JWH"]) for community in communities
                       if f"{community.code}-JWH" in departments]
        elif f"{area}-{owner}" in departments:
            wanted.append((category, None, departments[f"{area}-{owner}"]))
    made = 0
    for category, region, department in wanted:
        if (category.id, region.id if region else None, department.id) in have:
            continue
        where = "街道" if region is not None and region.level == RegionLevel.STREET else (
            "社区" if region is not None else "主管部门")
        s.dispatch_rule_save(actor=actor, department=department, category=category, region=region,
                             note=f"演示派单规则：{category.name}由{where}承办")
        made += 1
    return made


def _model_ensure(*, small: bool = False) -> int:
    """Train the classifier when there is no model yet: on the demo's own labelled messages
    (tickets/data/demo_messages.csv, written for this project), plus the shared labelled
    messages when the folder is there and the demo is not the small one (training on those takes
    most of the small demo's time). A fresh clone thus dispatches demo tickets too."""
    from .learning import demo_model_train

    return 1 if demo_model_train(shared=not small) is not None else 0


# --- Moments ----------------------------------------------------------------------------------
class _Clock:
    """The moments of one ticket's handling; ``later`` is None once it would be in the future."""

    def __init__(self, ctx: _Ctx, start: datetime) -> None:
        self.ctx = ctx
        self.at = start

    def later(self, hours: float, *, office: bool = True) -> datetime | None:
        at = self.at + timedelta(hours=hours)
        local = at.astimezone(SH)
        if office and not time(8, 30) <= local.time() <= time(18):
            # departments work office hours: the next morning
            day = local.date() + (timedelta(days=1) if local.time() > time(18) else timedelta(0))
            at = datetime.combine(day, time(8, 30), SH) + timedelta(minutes=self.ctx.rng.randint(0, 120))
        if at >= self.ctx.now - timedelta(minutes=2):
            return None
        self.at = at
        return at


def _received(ctx: _Ctx, index: int, total: int) -> datetime:
    """About a fifth of the tickets this month so far, the rest over the eight weeks before."""
    today = timezone.localdate(ctx.now)
    first = today.replace(day=1)
    this_month = ctx.rng.random() < 0.22
    if this_month:
        day = first + timedelta(days=ctx.rng.randint(0, (today - first).days))
    else:
        day = first - timedelta(days=ctx.rng.randint(1, 56))
    hour = ctx.rng.choices(range(7, 23), weights=[1, 3, 5, 5, 4, 2, 3, 4, 4, 4, 3, 2, 2, 2, 1, 1])[0]
    at = datetime.combine(day, time(hour), SH) + timedelta(minutes=ctx.rng.randint(0, 59))
    return min(at, ctx.now - timedelta(minutes=ctx.rng.randint(20, 600)))


# --- Handling ---------------------------------------------------------------------------------
def _handler(ctx: _Ctx, ticket: Ticket) -> User | None:
    found = ctx.handlers.get(ticket.department_id or 0)
    department = ticket.department
    if found is None and department is not None and department.kind in (
            DepartmentKind.STREET_OFFICE, DepartmentKind.COMMUNITY_COMMITTEE):
        found = ctx.handlers[department.id] = _local_handler(department)
    return found


def _local_handler(department: Department) -> User:
    """The member of a street office (城管科) or residents' committee who handles its tickets."""
    from django.contrib.auth.hashers import make_password

    from onewindow.accounts.demo import DEMO_PASSWORD
    from onewindow.accounts.services import staff_create, user_create

    region = department.region
    assert region is not None
    street = region.level == RegionLevel.STREET
    username = f"cg_{region.code[6:9]}" if street else f"sq_{region.code[6:12]}"
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    rng = random.Random(f"{SEED}-{username}")
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    user = user_create(username=username, password=None, kind="staff", display_name=name)
    user.password = _demo_password_hash(make_password, DEMO_PASSWORD)
    user.save(update_fields=["password"])
    staff_create(actor=None, user=user, name=name, employee_no=f"PL-RX-{region.code[6:]}",
                 roles=[Role.DEPT_REVIEWER], region=region, departments=[department])
    return user


_PASSWORD_HASH: dict[str, str] = {}


def _demo_password_hash(make: Any, password: str) -> str:
    if password not in _PASSWORD_HASH:
        _PASSWORD_HASH[password] = make(password)
    return _PASSWORD_HASH[password]


def _bureau(ctx: _Ctx, label: str, *, alternate: bool = False) -> Department:
    primary, other = BUREAUS.get(label, (FALLBACK, FALLBACK))
    area = settings.ONEWINDOW_DISTRICT_CODE[:6]
    return ctx.departments.get(f"{area}-{other if alternate else primary}") or ctx.departments[f"{area}-{FALLBACK}"]


def _reply_text(ctx: _Ctx, ticket: Ticket) -> str:
    return ctx.rng.choice(REPLIES).format(title=ticket.title[:30])


def _handle(ctx: _Ctx, ticket: Ticket, message: Message, clock: _Clock, plan: str) -> None:
    """Take a ticket from intake as far as its plan (and the present moment) allows."""
    op, sup = ctx.operator, ctx.supervisor
    if ticket.status in (Status.TRIAGE, Status.RECEIVED):
        if plan == "triage":
            return  # left for the dispatcher
        at = clock.later(ctx.rng.uniform(0.1, 1.0), office=False)
        if at is None:
            return
        ticket = s.ticket_dispatch(actor=op, ticket=ticket, department=_bureau(ctx, message.label),
                                   category=ctx.categories.get(message.label), now=at)
    if ticket.status != Status.DISPATCHED or plan == "dispatched":
        return
    handler = _handler(ctx, ticket)
    if handler is None:
        return
    if plan in ("returned", "redispatched"):
        at = clock.later(ctx.rng.uniform(1, 6))
        if at is None:
            return
        ticket = s.ticket_return(actor=handler, ticket=ticket, reason=ctx.rng.choice(RETURN_REASONS), now=at)
        ctx.counts["returned"] += 1
        if plan == "returned":
            return
        at = clock.later(ctx.rng.uniform(0.3, 2))
        if at is None:
            return
        ticket = s.ticket_dispatch(actor=op, ticket=ticket, department=_bureau(ctx, message.label, alternate=True),
                                   note="按退回意见重新派单", now=at)
        handler = _handler(ctx, ticket)
        if handler is None:
            return
    at = clock.later(ctx.rng.uniform(0.5, 8))
    if at is None:
        return
    ticket = s.ticket_accept(actor=handler, ticket=ticket, now=at)
    if plan in ("accepted", "overdue"):
        return
    if plan in ("extension", "extension_pending"):
        at = clock.later(ctx.rng.uniform(4, 30))
        if at is None:
            return
        request = s.extension_request_create(actor=handler, ticket=ticket, amount=ctx.rng.choice((3, 5)),
                                             reason="需协调多个部门联合现场处置，申请延长办理时限", now=at)
        ctx.counts["extension"] += 1
        if plan == "extension_pending":
            return
        at = clock.later(ctx.rng.uniform(1, 6))
        if at is None:
            return
        s.extension_decide(actor=sup, request=request, approve=True, note="同意延期，请按期办结", now=at)
        ticket.refresh_from_db()
    if plan in ("supervised", "supervised_answered"):
        at = clock.later(ctx.rng.uniform(24, 60))
        if at is None:
            return
        order = s.supervision_order_create(actor=sup, ticket=ticket, now=at,
                                           reason="群众反映强烈，请加快办理并及时反馈办理进展")
        ctx.counts["supervised"] += 1
        if plan == "supervised":
            return
        at = clock.later(ctx.rng.uniform(2, 20))
        if at is None:
            return
        s.supervision_order_answer(actor=handler, order=order, now=at,
                                   response="已成立专班现场处置，预计三个工作日内办结并答复诉求人")
    hours = ctx.rng.uniform(2, 20) if plan != "late" else ctx.rng.uniform(150, 260)
    at = clock.later(hours)
    if at is None:
        return
    ticket = s.ticket_reply(actor=handler, ticket=ticket, text=_reply_text(ctx, ticket), now=at)
    if plan == "replied":
        return
    at = clock.later(ctx.rng.uniform(2, 24))
    if at is None:
        return
    unhappy = plan in ("unsatisfied", "callback_unsatisfied", "reopened")
    satisfaction, solved, note = _callback_outcome(ctx, unhappy=unhappy)
    ticket = s.ticket_callback(actor=op, ticket=ticket, satisfaction=satisfaction, solved=solved, note=note, now=at)
    if ticket.status == Status.CLOSED or plan == "callback_unsatisfied":
        return
    at = clock.later(ctx.rng.uniform(2, 24))
    if at is None:
        return
    if not unhappy:
        # solved, but unhappy with how long it took: the supervisor checks and closes it
        s.ticket_close(actor=sup, ticket=ticket, now=at,
                       note="经核实问题已解决，诉求人不满意办理时效，已督促承办单位改进")
        return
    if plan == "reopened":
        s.ticket_reopen(actor=sup, ticket=ticket, reason="回访不满意，问题仍未解决，请重新办理", now=at)
    else:
        s.ticket_close(actor=sup, ticket=ticket, note="经核实已按政策答复到位，诉求人要求超出政策范围", now=at)


#: How callbacks go (satisfaction, solved, note): being satisfied and having the problem solved
#: are two questions. Happy courses take these in turn (``CALLBACK_CYCLE``), so that even the
#: small demo has every combination; the three rates then differ as they do in a real district.
CALLBACK_OUTCOMES: dict[str, tuple[str, bool, str]] = {
    "A": (c.Satisfaction.SATISFIED, True, "诉求人认可处理结果"),
    "B": (c.Satisfaction.BASIC, True, "问题已解决，诉求人认为处理速度还可以更快"),
    "C": (c.Satisfaction.SATISFIED, False, "问题尚需等待后续工程彻底解决，诉求人对答复和工作态度满意"),
    "D": (c.Satisfaction.BASIC, False, "已按政策答复，问题暂未解决，诉求人表示理解"),
    "E": (c.Satisfaction.UNSATISFIED, True, "问题已解决，但诉求人对拖延时间和办理态度不满意"),
}
CALLBACK_CYCLE = "ABACADAAEABADACA"
UNHAPPY_OUTCOMES = ((c.Satisfaction.UNSATISFIED, False, "诉求人表示问题仍未解决"),
                    (c.Satisfaction.UNSATISFIED, False, "诉求人认为答复敷衍，问题仍未解决"))


def _callback_outcome(ctx: _Ctx, *, unhappy: bool) -> tuple[str, bool, str]:
    if unhappy:
        return ctx.rng.choice(UNHAPPY_OUTCOMES)
    turn = ctx.counts["callback_turn"]
    ctx.counts["callback_turn"] += 1
    return CALLBACK_OUTCOMES[CALLBACK_CYCLE[turn % len(CALLBACK_CYCLE)]]


PLANS: list[tuple[str, int]] = [
    ("closed", 62), ("replied", 5), ("accepted", 5), ("dispatched", 2), ("overdue", 4), ("late", 3),
    ("returned", 1), ("redispatched", 4), ("extension", 2), ("extension_pending", 1), ("supervised", 1),
    ("supervised_answered", 1), ("unsatisfied", 2), ("callback_unsatisfied", 1), ("reopened", 1),
    ("triage", 1),
]


def _people(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    phone = rng.choice(("138", "139", "137", "150", "158", "187", "189")) + f"{rng.randint(0, 99999999):08d}"
    return name, phone


def _address(ctx: _Ctx, community: Region) -> str:
    """Where the caller says it is, as people say it: a compound or landmark ("银海畅园3栋门口"), a
    full address down to the community, or just a road and number; intake resolves it."""
    rng = ctx.rng
    street = ctx.streets.get(community.parent_id or 0)
    nearby = ctx.places.get(community.id, [])
    roll = rng.random()
    if nearby and roll < 0.45:
        place = rng.choice(nearby)
        return place + rng.choice(("门口", "附近", f"{rng.randint(1, 12)}栋楼下", "东门", "旁边的巷子"))
    road = rng.choice(ROADS)
    if roll < 0.9:
        return f"昆明市盘龙区{street.name if street else ''}{community.name}{road}{rng.randint(1, 399)}号附近"
    return f"{road}{rng.randint(1, 399)}号"


def _intake(ctx: _Ctx, message: Message, *, index: int, at: datetime, community: Region,
            channel: str | None = None, address: str = "") -> Ticket:
    rng = ctx.rng
    channel = channel or rng.choices((c.Channel.HOTLINE, c.Channel.WEB, c.Channel.MOBILE), weights=(6, 2, 2))[0]
    address = address or _address(ctx, community)
    name, phone = _people(rng)
    kind = rng.choices((c.TicketKind.COMPLAINT, c.TicketKind.HELP, c.TicketKind.CONSULT,
                        c.TicketKind.SUGGESTION, c.TicketKind.REPORT), weights=(4, 3, 2, 1, 1))[0]
    mine = channel != c.Channel.HOTLINE and ctx.citizen is not None and index % 40 == 7
    return s.ticket_intake(
        actor=ctx.operator if channel == c.Channel.HOTLINE else (ctx.citizen if mine else None),
        kind=kind, text=message.text, title=message.title, channel=channel, address=address,
        requester_name=name, requester_phone=phone,
        requester_user=ctx.citizen if mine else None, confidential=rng.random() < 0.05,
        urgency=c.Urgency.URGENT if rng.random() < 0.04 else c.Urgency.NORMAL,
        external_id=f"{MARK}{index:04d}", received_at=at, now=at)


def _tickets_load(ctx: _Ctx, messages: list[Message], total: int) -> int:
    rng = ctx.rng
    plans = [name for name, weight in PLANS for _ in range(weight)]
    pool = list(messages)
    rng.shuffle(pool)
    made = 0
    showcase = [name for name, _ in PLANS if name not in ("closed", "triage")]
    starts = sorted(_received(ctx, i, total) for i in range(total))
    for index, at in enumerate(starts):
        message = pool[index % len(pool)]
        community = rng.choice(ctx.communities)
        consult_answered = rng.random() < 0.05
        if consult_answered:
            ticket = s.ticket_intake(
                actor=ctx.operator, kind=c.TicketKind.CONSULT, text=message.text, title=message.title,
                channel=c.Channel.HOTLINE, region=community, requester_name=_people(rng)[0],
                answer_text=CONSULT_ANSWER.format(title=message.title[:30]),
                external_id=f"{MARK}{index:04d}", received_at=at, now=at)
            made += 1
            continue
        ticket = _intake(ctx, message, index=index, at=at, community=community)
        made += 1
        clock = _Clock(ctx, at)
        if index % 25 == 3:  # the same problem called in again a little later: a duplicate
            again = at + timedelta(minutes=rng.randint(20, 150))
            if again < ctx.now - timedelta(minutes=30):
                dup = _intake(ctx, message, index=total + index, at=again, community=community,
                              channel=c.Channel.HOTLINE, address=ticket.address)
                made += 1
                # the operator merges every other repeat call; the first one always, so the
                # demo shows a merged ticket whatever the duplicate finder suggested
                if index % 50 == 3 or not ctx.counts["merged"]:
                    s.ticket_merge(actor=ctx.operator, ticket=dup, into=ticket,
                                   now=again + timedelta(minutes=rng.randint(5, 40)))
                    ctx.counts["merged"] += 1
                clock = _Clock(ctx, again + timedelta(minutes=45))
        # the oldest tickets show every course a ticket can take; the others are drawn
        plan = showcase.pop(0) if at < ctx.now - timedelta(days=14) and showcase else rng.choice(plans)
        if at > ctx.now - timedelta(days=10) and plan in ("overdue", "late"):
            plan = "closed"  # recent tickets are not overdue yet
        if plan == "overdue" or (at < ctx.now - timedelta(days=6) and plan in ("accepted", "dispatched")):
            plan = rng.choice(("overdue", "closed", "closed", "replied"))
        if plan == "triage" and at < ctx.now - timedelta(days=1):
            plan = "closed"  # only fresh tickets still wait for the dispatcher
        if index == total - 2:
            plan = "dispatched"  # one of the newest: dispatched, the department has not signed yet
        _handle(ctx, ticket, message, clock, plan)
    return made


# --- Loader -----------------------------------------------------------------------------------
def _context() -> _Ctx | None:
    users = {u.username: u for u in User.objects.filter(username__in=["operator", "supervisor", "citizen"])}
    if "operator" not in users or "supervisor" not in users:
        return None
    district = Region.objects.filter(code=settings.ONEWINDOW_DISTRICT_CODE).first()
    if district is None:
        return None
    area = district.code[:6]
    subtree = Region.objects.filter(path__startswith=district.path).defer("geometry")
    communities = list(subtree.filter(level=RegionLevel.COMMUNITY).order_by("code"))
    streets = {r.id: r for r in subtree.filter(level=RegionLevel.STREET)}
    departments = {d.code: d for d in Department.objects.filter(code__startswith=area).select_related("region")}
    handlers: dict[int, User] = {}
    named = {"reviewer_market", "reviewer_civil"}
    staff = (Staff.objects.filter(departments__code__startswith=area).select_related("user")
             .prefetch_related("departments").order_by("id"))
    for member in sorted(staff, key=lambda m: (m.user.username not in named, m.id)):
        if Role.DEPT_REVIEWER in member.roles:
            for department in member.departments.all():
                handlers.setdefault(department.id, member.user)
    categories = {cat.name: cat for cat in Category.objects.filter(level=1)}
    if not communities:
        return None
    by_code = {r.code: r.id for r in communities}
    places: dict[int, list[str]] = {}
    for place in place_list(region=district, limit=5000):
        codes = [x for x in place.region_path.split("/") if x]
        if place.kind in (PlaceKind.RESIDENCE, PlaceKind.POI) and len(codes) >= 3 and codes[2] in by_code:
            places.setdefault(by_code[codes[2]], []).append(place.name)
    return _Ctx(now=timezone.now(), rng=random.Random(f"{SEED}-tickets"), operator=users["operator"],
                supervisor=users["supervisor"], citizen=users.get("citizen"), communities=communities,
                streets=streets, departments=departments, handlers=handlers, categories=categories,
                places=places)


def _demo_tickets() -> Any:
    return Ticket.objects.filter(external_id__startswith=MARK)


def demo_load_tickets(*, small: bool = False) -> dict[str, int]:
    """Load the demo 12345 tickets (idempotent: nothing is written when they are there)."""
    created = 0
    made: dict[str, int] = {}
    if not _demo_tickets().exists():
        district = Region.objects.filter(code=settings.ONEWINDOW_DISTRICT_CODE).first()
        supervisor = User.objects.filter(username="supervisor").first()
        if district is None or supervisor is None:
            raise RuntimeError("缺少区划或演示账号：请先加载区划、人员与机构")
        made = _reference_ensure(district=district, supervisor=supervisor, small=small)
        ctx = _context()
        if ctx is None:
            raise RuntimeError("缺少演示账号或社区：请先加载区划、人员与机构")
        with transaction.atomic():
            created = _tickets_load(ctx, messages_load(), 40 if small else 300)
            s.tickets_deadline_tick(now=ctx.now)
    counts: dict[str, int] = {"本次新建工单": created}
    if made.get("model"):
        counts["本次训练分类模型"] = 1
    counts["本次新建派单规则"] = made.get("rules", 0)
    return counts | demo_tickets_counts()


def demo_tickets_counts() -> dict[str, int]:
    labels = dict(Status.choices)
    statuses = Counter(_demo_tickets().values_list("status", flat=True))
    counts: dict[str, int] = {"演示工单": sum(statuses.values())}
    counts.update({f"工单：{labels[k]}": statuses[k] for k in Status.values if statuses.get(k)})
    counts["超期在办"] = _demo_tickets().filter(overdue=True, status__in=list(c.OPEN_STATUSES)).count()
    counts["疑似重复"] = _demo_tickets().filter(duplicate_of__isnull=False).count()
    counts["督办单"] = SupervisionOrder.objects.filter(ticket__external_id__startswith=MARK).count()
    counts["延期申请"] = ExtensionRequest.objects.filter(ticket__external_id__startswith=MARK).count()
    return counts


