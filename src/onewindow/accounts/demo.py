"""Demo data of the accounts app: the organisations, halls, staff and residents of the district.

``accounts_demo_load`` is idempotent and deterministic (seeded random): every record has a
stable natural key (department code, hall name, window number, username, ID-number hash,
credit code), so a second run finds everything in place and writes nothing. The named demo
accounts are created through the services; the rosters (street clerks, bureau reviewers, grid
workers) and the residents are bulk-created, with one audit entry per batch.

All demo accounts share the password ``OneWindow@2026``: this is demo data, never load it
into a production database.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from pypinyin import lazy_pinyin

from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region
from onewindow.regions.selectors import region_get_by_code, region_subtree

from . import constants as c
from .models import Department, Enterprise, Person, ServiceHall, ServiceWindow, Staff, User
from .rules import credit_code_check_char, id_number_check_char, id_number_parse
from .services import enterprise_create, person_create, staff_create, user_create

DEMO_PASSWORD = "OneWindow@2026"
SEED = 530103
PERSONS = 300
PERSONS_SMALL = 40
ENTERPRISES = 40
ENTERPRISES_SMALL = 8
OPENING_HOURS = "周一至周五 9:00—12:00，13:00—17:00（法定节假日除外）"
AUDIT_SOURCE = "demo_load"

# (code suffix, name after the district's, short name). Codes read "<area>-<suffix>".
BUREAUS: list[tuple[str, str, str]] = [
    ("ZWFW", "政务服务管理局", "区政务服务局"),
    ("SJJ", "数据局", "区数据局"),
    ("FGJ", "发展和改革局", "区发改局"),
    ("JTJ", "教育体育局", "区教体局"),
    ("KGXJ", "科学技术和工业信息化局", "区科工信局"),
    ("GAFJ", "公安分局", "区公安分局"),
    ("MZJ", "民政局", "区民政局"),
    ("SFJ", "司法局", "区司法局"),
    ("CZJ", "财政局", "区财政局"),
    ("RSJ", "人力资源和社会保障局", "区人社局"),
    ("ZRZYJ", "自然资源局", "区自然资源局"),
    ("STHJFJ", "生态环境分局", "区生态环境分局"),
    ("ZJJ", "住房和城乡建设局", "区住建局"),
    ("JTYSJ", "交通运输局", "区交通运输局"),
    ("SWUJ", "水务局", "区水务局"),
    ("NYNCJ", "农业农村局", "区农业农村局"),
    ("LCJ", "林业和草原局", "区林草局"),
    ("SWJ", "商务局", "区商务局"),
    ("WLJ", "文化和旅游局", "区文旅局"),
    ("WJJ", "卫生健康局", "区卫健局"),
    ("TYJRJ", "退役军人事务局", "区退役军人局"),
    ("YJJ", "应急管理局", "区应急局"),
    ("SCJGJ", "市场监督管理局", "区市场监管局"),
    ("YBJ", "医疗保障局", "区医保局"),
    ("CGJ", "城市管理局", "区城管局"),
    ("TJJ", "统计局", "区统计局"),
    ("SWUJU", "税务局", "区税务局"),
    ("CL", "残疾人联合会", "区残联"),
]
SERVICE_CENTRE = "ZWFWZX"
NAMED_STAFF = ("admin", "leader", "supervisor", "clerk", "clerk_tuodong", "clerk_other",
               "reviewer_market", "reviewer_civil", "operator", "grid", "care")

# Windows of the district hall: (number, name, kind, department code suffix).
DISTRICT_WINDOWS: list[tuple[str, str, str, str]] = [
    *[(f"A{n:02d}", "综合受理窗口", c.WindowKind.COMPREHENSIVE, SERVICE_CENTRE) for n in range(1, 9)],
    ("B01", "公安专窗", c.WindowKind.SPECIAL, "GAFJ"),
    ("B02", "不动产登记专窗", c.WindowKind.SPECIAL, "ZRZYJ"),
    ("B03", "市场监管专窗", c.WindowKind.SPECIAL, "SCJGJ"),
    ("C01", "出件窗口", c.WindowKind.PICKUP, SERVICE_CENTRE),
    ("C02", "帮办代办窗口", c.WindowKind.HELP, SERVICE_CENTRE),
]

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
            "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文普李杨张段")
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞斌俊峰建国志文浩宇轩博然晨阳鑫海波亮成松林云龙"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英燕玲桂兰萍红梅琳雪婷慧颖佳欣怡悦彤琪蕾洁晶倩蓉云丹"
ROADS = ("北京路", "白塔路", "东风东路", "穿金路", "金星路", "北辰大道", "龙泉路", "沣源路",
         "霖雨路", "联盟路", "万宏路", "小康大道", "金实路", "青云路", "盘龙江东岸", "世博路",
         "桃源街", "拓东路", "金尚路", "菊华路", "新迎路", "人民东路", "白龙路", "茨坝路")
# Birthplace division codes of the ID numbers: mostly Kunming, some elsewhere in Yunnan and China.
BIRTHPLACES = (["530103"] * 10 + ["530102", "530111", "530112", "530113", "530114", "530181",
               "532301", "530302", "530402", "530381", "532901", "510104", "520102", "430102"])
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "158", "159", "187", "188",
                   "130", "131", "155", "186", "133", "153", "180", "189", "199", "177")
TRADE_NAMES = ("春城", "滇缘", "金马", "碧鸡", "翠湖", "云岭", "彩云", "金殿", "松华", "宝象",
               "云杉", "盘江", "龙泉", "茶花", "北辰", "金沙", "青云", "滇池", "苍洱", "雪岭",
               "瑞丰", "恒信", "鑫源", "博远", "嘉禾", "汇通", "乐居", "康宁")
INDUSTRIES = ("科技", "商贸", "餐饮管理", "建筑工程", "物业服务", "文化传媒", "家政服务", "医药",
              "农业开发", "旅行社", "教育咨询", "汽车服务", "信息技术", "园林绿化", "食品")
SHOPS = ("便利店", "小吃店", "五金店", "理发店", "水果店", "药房", "早餐店", "干洗店")


@dataclass(frozen=True)
class DemoAccount:
    """One named demo account (the README table)."""

    username: str
    name: str
    role: str  # a Role value, or "citizen" / "enterprise"
    scope: str  # how the scope reads in the README


@dataclass
class _Org:
    """What the demo loads before the staff: the district and its organisations."""

    district: Region
    streets: list[Region]
    communities: list[Region]
    grids: list[Region]
    departments: dict[str, Department] = field(default_factory=dict)
    halls: dict[int, ServiceHall] = field(default_factory=dict)  # by region id
    windows: dict[tuple[int, str], ServiceWindow] = field(default_factory=dict)

    @property
    def area(self) -> str:
        return self.district.code[:6]

    def bureau(self, suffix: str) -> Department:
        return self.departments[f"{self.area}-{suffix}"]

    def street_office(self, street: Region) -> Department:
        return self.departments[f"{street.code}-JDB"]

    def committee(self, community: Region) -> Department:
        return self.departments[f"{community.code}-JWH"]

    def street(self, number: int) -> Region:
        """The street "<area><number:03d>000" if present, else one by position."""
        code = f"{self.area}{number:03d}000"
        found = next((s for s in self.streets if s.code == code), None)
        return found or self.streets[(number - 1) % len(self.streets)]


def _name(rng: random.Random, gender: str | None = None) -> str:
    gender = gender or rng.choice("MF")
    pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _name_for(key: str) -> str:
    return _name(random.Random(f"{SEED}-{key}"))


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).lower()


def _landline(rng: random.Random) -> str:
    return f"0871-6{rng.randint(0, 9999999):07d}"


# --- Organisations ----------------------------------------------------------------------------

def _org_load(district: Region) -> _Org:
    subtree = list(region_subtree(root=district).defer("geometry"))
    org = _Org(
        district=district,
        streets=[r for r in subtree if r.level == RegionLevel.STREET],
        communities=[r for r in subtree if r.level == RegionLevel.COMMUNITY],
        grids=[r for r in subtree if r.level == RegionLevel.GRID],
    )
    if not org.streets or not org.communities or not org.grids:
        raise RuntimeError("区划尚未导入街道、社区和网格：请先运行 regions_demo_load")
    return org


def _departments_ensure(org: _Org) -> int:
    rng = random.Random(f"{SEED}-departments")
    district = org.district
    wanted: list[Department] = [
        Department(code=f"{org.area}-{SERVICE_CENTRE}", name=f"{district.name}政务服务中心",
                   short_name="区政务服务中心", kind=c.DepartmentKind.SERVICE_CENTRE,
                   region=district, phone=_landline(rng)),
    ]
    wanted += [
        Department(code=f"{org.area}-{suffix}", name=f"{district.name}{name}", short_name=short,
                   kind=c.DepartmentKind.BUREAU, region=district, phone=_landline(rng))
        for suffix, name, short in BUREAUS
    ]
    wanted += [
        Department(code=f"{s.code}-JDB", name=f"{s.name}办事处", short_name=s.name,
                   kind=c.DepartmentKind.STREET_OFFICE, region=s, phone=_landline(rng))
        for s in org.streets
    ]
    for community in org.communities:
        village = community.name.endswith("村")
        wanted.append(Department(
            code=f"{community.code}-JWH",
            name=f"{community.name}{'村民委员会' if village else '居民委员会'}",
            short_name=f"{community.name}{'村委会' if village else '居委会'}",
            kind=c.DepartmentKind.COMMUNITY_COMMITTEE, region=community, phone=_landline(rng)))
    existing = {d.code: d for d in Department.objects.filter(code__in=[d.code for d in wanted])}
    new = [d for d in wanted if d.code not in existing]
    if new:
        Department.objects.bulk_create(new, batch_size=500)
        audit_record(actor=None, action="department.create", object_type="accounts.department",
                     summary={"batch": len(new), "source": AUDIT_SOURCE})
    org.departments = {d.code: d for d in Department.objects.filter(
        code__in=[d.code for d in wanted]).select_related("region")}
    return len(new)


def _halls_ensure(org: _Org) -> tuple[int, int]:
    district = org.district
    halls: list[tuple[Region, str, str]] = [
        (district, f"{district.name}政务服务中心", f"昆明市{district.name}（示例地址）")]
    halls += [(s, f"{s.name}便民服务中心", f"昆明市{district.name}{s.name}（示例地址）")
              for s in org.streets]
    # A 便民服务站 in the first community of every street.
    first_of_street: dict[int, Region] = {}
    for community in org.communities:
        first_of_street.setdefault(community.parent_id or 0, community)
    stations = list(first_of_street.values())
    halls += [(cm, f"{cm.name}便民服务站", f"昆明市{district.name}{cm.name}（示例地址）")
              for cm in stations]

    existing = {(h.region_id, h.name): h for h in ServiceHall.objects.filter(
        region__in=[r for r, _, _ in halls])}
    new_halls = [ServiceHall(region=r, name=n, address=a, opening_hours=OPENING_HOURS)
                 for r, n, a in halls if (r.id, n) not in existing]
    if new_halls:
        ServiceHall.objects.bulk_create(new_halls)
        audit_record(actor=None, action="service_hall.create", object_type="accounts.servicehall",
                     summary={"batch": len(new_halls), "source": AUDIT_SOURCE})
        existing = {(h.region_id, h.name): h for h in ServiceHall.objects.filter(
            region__in=[r for r, _, _ in halls])}
    org.halls = {r.id: existing[(r.id, n)] for r, n, _ in halls}

    communities_per_street = Counter(cm.parent_id for cm in org.communities)
    windows: list[ServiceWindow] = []
    district_hall = org.halls[district.id]
    for number, name, kind, suffix in DISTRICT_WINDOWS:
        windows.append(ServiceWindow(hall=district_hall, number=number, name=name, kind=kind,
                                     department=org.bureau(suffix)))
    for street in org.streets:
        hall, office = org.halls[street.id], org.street_office(street)
        windows += [ServiceWindow(hall=hall, number=f"{n:02d}", name="综合受理窗口",
                                  kind=c.WindowKind.COMPREHENSIVE, department=office)
                    for n in (1, 2)]
        if communities_per_street[street.id] >= 8:  # the larger streets also have a 帮办代办 desk
            windows.append(ServiceWindow(hall=hall, number="03", name="帮办代办窗口",
                                         kind=c.WindowKind.HELP, department=office))
    for community in stations:
        windows.append(ServiceWindow(hall=org.halls[community.id], number="01",
                                     name="综合代办窗口", kind=c.WindowKind.COMPREHENSIVE,
                                     department=org.committee(community)))
    hall_ids = [h.id for h in org.halls.values()]
    present = {(w.hall_id, w.number): w for w in ServiceWindow.objects.filter(hall_id__in=hall_ids)}
    new_windows = [w for w in windows if (w.hall_id, w.number) not in present]
    if new_windows:
        ServiceWindow.objects.bulk_create(new_windows)
        audit_record(actor=None, action="service_window.create",
                     object_type="accounts.servicewindow",
                     summary={"batch": len(new_windows), "source": AUDIT_SOURCE})
        present = {(w.hall_id, w.number): w
                   for w in ServiceWindow.objects.filter(hall_id__in=hall_ids)}
    org.windows = present
    return len(new_halls), len(new_windows)


# --- Named accounts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _StaffSpec:
    username: str
    name: str
    employee_no: str
    roles: list[str]
    region: Region
    departments: list[Department]
    window: ServiceWindow | None = None
    superuser: bool = False


def _named_staff(org: _Org) -> list[_StaffSpec]:
    district = org.district
    tuodong, other = org.street(1), org.street(2)
    tuodong_hall = org.halls[tuodong.id]
    other_hall = org.halls[other.id]
    grid = next(g for g in org.grids if g.path.startswith(tuodong.path))
    grid_community = next(cm for cm in org.communities if cm.id == grid.parent_id)
    hall = org.halls[district.id]
    return [
        _StaffSpec("admin", "李卫东", "PL0001", [c.Role.ADMINISTRATOR], district,
                   [org.bureau("SJJ")], superuser=True),
        _StaffSpec("leader", "王建华", "PL0002", [c.Role.LEADER], district, []),
        _StaffSpec("supervisor", "陈静", "PL0003", [c.Role.SUPERVISOR], district,
                   [org.bureau("ZWFW")]),
        _StaffSpec("clerk", "张丽", "PL0004", [c.Role.WINDOW_CLERK], district,
                   [org.bureau(SERVICE_CENTRE)], org.windows[(hall.id, "A01")]),
        _StaffSpec("clerk_tuodong", "杨帆", "PL0005", [c.Role.WINDOW_CLERK], tuodong,
                   [org.street_office(tuodong)], org.windows[(tuodong_hall.id, "01")]),
        _StaffSpec("clerk_other", "刘洋", "PL0006", [c.Role.WINDOW_CLERK], other,
                   [org.street_office(other)], org.windows[(other_hall.id, "02")]),
        _StaffSpec("reviewer_market", "周敏", "PL0007", [c.Role.DEPT_REVIEWER], district,
                   [org.bureau("SCJGJ")]),
        _StaffSpec("reviewer_civil", "吴芳", "PL0008", [c.Role.DEPT_REVIEWER], district,
                   [org.bureau("MZJ")]),
        _StaffSpec("operator", "孙婷", "PL0009", [c.Role.HOTLINE_OPERATOR], district,
                   [org.bureau("ZWFW")]),
        _StaffSpec("grid", "马强", "PL0010", [c.Role.GRID_WORKER], grid,
                   [org.committee(grid_community)]),
        _StaffSpec("care", "何秀英", "PL0011", [c.Role.CARE_PROVIDER], tuodong, []),
    ]


def _citizen_id(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def _org_code(body8: str) -> str:
    """A 9-character organisation code (GB 11714) with its check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * w for ch, w in zip(body8, weights, strict=True))
    check = 11 - total % 11
    return body8 + {10: "X", 11: "0"}.get(check, str(check))


def _credit_code(area: str, body8: str, *, kind: str = "91") -> str:
    first17 = f"{kind}{area}{_org_code(body8)}"
    return first17 + credit_code_check_char(first17)


def _demo_user(*, username: str, kind: str, display_name: str,
               password_hash: Callable[[], str]) -> User:
    """A demo user through the service, given the demo password's hash.

    Argon2 takes about half a second per hash by design, so the demo hashes its one password
    once (with the configured hasher) instead of once per account.
    """
    user = user_create(username=username, password=None, kind=kind, display_name=display_name)
    user.password = password_hash()
    user.save(update_fields=["password"])
    return user


def _named_accounts_ensure(org: _Org, password_hash: Callable[[], str]) -> int:
    created = 0
    for spec in _named_staff(org):
        if User.objects.filter(username=spec.username).exists():
            continue
        with transaction.atomic():
            user = _demo_user(username=spec.username, kind=c.UserKind.STAFF,
                              display_name=spec.name, password_hash=password_hash)
            if spec.superuser:
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
            staff_create(actor=None, user=user, name=spec.name, employee_no=spec.employee_no,
                         roles=list(spec.roles), region=spec.region,
                         departments=spec.departments, window=spec.window)
        created += 1

    tuodong = org.street(1)
    home = next(g for g in org.grids if g.path.startswith(tuodong.path))
    community = next(cm for cm in org.communities if cm.id == home.parent_id)
    if not User.objects.filter(username="citizen").exists():
        with transaction.atomic():
            user = _demo_user(username="citizen", kind=c.UserKind.CITIZEN, display_name="李华",
                              password_hash=password_hash)
            person_create(actor=None, name="李华", id_number=_citizen_id("53010319900101123"),
                          phone="13812345678", region=home, user=user,
                          address=f"昆明市{org.district.name}{tuodong.name}{community.name}"
                                  "拓东路18号3栋2单元501室")
        created += 1
    if not User.objects.filter(username="enterprise").exists():
        with transaction.atomic():
            user = _demo_user(username="enterprise", kind=c.UserKind.ENTERPRISE,
                              display_name="赵磊", password_hash=password_hash)
            person_create(actor=None, name="赵磊", id_number=_citizen_id("53010319850615201"),
                          phone="13987654321", region=home, user=user,
                          address=f"昆明市{org.district.name}{tuodong.name}{community.name}"
                                  "白塔路66号")
            code = _credit_code(org.area, "MA6K7L8P")
            enterprise = Enterprise.objects.filter(credit_code=code).first() or enterprise_create(
                actor=None, name="昆明春城云创科技有限公司", credit_code=code,
                legal_representative="赵磊", region=community,
                address=f"昆明市{org.district.name}白塔路66号")
            enterprise.users.add(user)
        created += 1
    return created


# --- Rosters ----------------------------------------------------------------------------------

def _roster(org: _Org) -> list[_StaffSpec]:
    """Staff beyond the named accounts, so that every window, bureau and grid has someone."""
    specs: list[_StaffSpec] = []
    hall = org.halls[org.district.id]
    for number, _label, _kind, suffix in DISTRICT_WINDOWS[1:]:
        username = f"clerk_{number.lower()}"
        specs.append(_StaffSpec(username, _name_for(username), f"PL-DT-{number}",
                                [c.Role.WINDOW_CLERK], org.district, [org.bureau(suffix)],
                                org.windows[(hall.id, number)]))
    used: set[str] = set()
    for street in org.streets:
        base = street.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        username = f"clerk_{_pinyin(base)}"
        if username in used:
            username += street.code[6:9]
        used.add(username)
        specs.append(_StaffSpec(username, _name_for(username), f"PL-JD-{street.code[6:9]}",
                                [c.Role.WINDOW_CLERK], street, [org.street_office(street)],
                                org.windows[(org.halls[street.id].id, "01")]))
    for suffix, _long, _short in BUREAUS:
        username = f"rev_{suffix.lower()}"
        specs.append(_StaffSpec(username, _name_for(username), f"PL-BJ-{suffix}",
                                [c.Role.DEPT_REVIEWER], org.district, [org.bureau(suffix)]))
    communities = {cm.id: cm for cm in org.communities}
    for grid in org.grids:
        username = f"wg{grid.code}"
        specs.append(_StaffSpec(username, _name_for(username), f"PL-WG-{grid.code[6:]}",
                                [c.Role.GRID_WORKER], grid,
                                [org.committee(communities[grid.parent_id or 0])]))
    return specs


def _roster_ensure(org: _Org, password_hash: Callable[[], str]) -> int:
    specs = _roster(org)
    taken = set(User.objects.filter(username__in=[s.username for s in specs]).values_list(
        "username", flat=True))
    # A window or grid that a named account already staffs gets no roster member.
    named = list(Staff.objects.filter(user__username__in=NAMED_STAFF).values_list(
        "window_id", "region_id", "roles"))
    covered_windows = {window for window, _, _ in named if window}
    covered_grids = {region for _, region, roles in named if c.Role.GRID_WORKER in roles}
    specs = [s for s in specs if s.username not in taken
             and not (s.window and s.window.id in covered_windows)
             and not (c.Role.GRID_WORKER in s.roles and s.region.id in covered_grids)]
    if not specs:
        return 0
    User.objects.bulk_create([
        User(username=s.username, kind=c.UserKind.STAFF, display_name=s.name,
             password=password_hash())
        for s in specs
    ], batch_size=500)
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in specs])}
    Staff.objects.bulk_create([
        Staff(user=users[s.username], name=s.name, employee_no=s.employee_no,
              roles=sorted(s.roles), region=s.region, window=s.window)
        for s in specs
    ], batch_size=500)
    staff = {st.user_id: st for st in Staff.objects.filter(user__in=list(users.values()))}
    through = Staff.departments.through
    through.objects.bulk_create([
        through(staff_id=staff[users[s.username].id].id, department_id=d.id)
        for s in specs for d in s.departments
    ], batch_size=1000)
    audit_record(actor=None, action=c.AUDIT_STAFF_CREATE, object_type="accounts.staff", summary={
        "batch": len(specs), "source": AUDIT_SOURCE,
        "roles": dict(Counter(r for s in specs for r in s.roles)),
    })
    return len(specs)


# --- Residents and enterprises ----------------------------------------------------------------

def _birth_date(rng: random.Random) -> date:
    start = date(1938, 1, 1)
    return start + timedelta(days=rng.randint(0, (date(2008, 12, 31) - start).days))


def _people(count: int) -> list[tuple[str, str, str]]:
    """(name, id number, mobile) of ``count`` residents; the same list on every run."""
    rng = random.Random(SEED)
    seen: set[str] = set()
    people: list[tuple[str, str, str]] = []
    while len(people) < count:
        gender = rng.choice("MF")
        born = _birth_date(rng)
        seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8))
        first17 = f"{rng.choice(BIRTHPLACES)}{born:%Y%m%d}{seq:03d}"
        number = first17 + id_number_check_char(first17)
        name = _name(rng, gender)
        mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"
        if number in seen:
            continue
        seen.add(number)
        people.append((name, number, mobile))
    return people


def _place(rng: random.Random, org: _Org, community: Region, street: Region) -> str:
    """A street address in a community: a road and number, or a village group and number."""
    prefix = f"昆明市{org.district.name}{street.name}{community.name}"
    if community.name.endswith("村"):
        return f"{prefix}{rng.randint(1, 12)}组{rng.randint(1, 120)}号"
    return f"{prefix}{rng.choice(ROADS)}{rng.randint(1, 399)}号"


def _home(rng: random.Random, org: _Org, community: Region, street: Region) -> str:
    place = _place(rng, org, community, street)
    if community.name.endswith("村"):
        return place
    return (f"{place}{rng.randint(1, 24)}栋{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 18)}{rng.randint(1, 4):02d}室")


def _persons_ensure(org: _Org, count: int) -> int:
    people = _people(count)
    hashes = {number: lookup_hash(number) for _, number, _ in people}
    known = set(Person.objects.filter(id_number_hash__in=list(hashes.values())).values_list(
        "id_number_hash", flat=True))
    placement = random.Random(f"{SEED}-homes")
    communities = {cm.id: cm for cm in org.communities}
    streets = {s.id: s for s in org.streets}
    # Urban communities (社区) are denser than villages (村).
    weights = [1 if communities[g.parent_id or 0].name.endswith("村") else 3 for g in org.grids]
    rows: list[Person] = []
    for name, number, mobile in people:
        grid = placement.choices(org.grids, weights)[0]
        community = communities[grid.parent_id or 0]
        address = _home(placement, org, community, streets[community.parent_id or 0])
        if hashes[number] in known:
            continue
        facts = id_number_parse(number)
        rows.append(Person(
            name=name, id_number=facts.number, id_number_hash=hashes[number],
            gender=facts.gender, birth_date=facts.birth_date, phone=mobile,
            phone_hash=lookup_hash(mobile), address=address, region=grid, region_path=grid.path,
        ))
    if rows:
        Person.objects.bulk_create(rows, batch_size=500)
        audit_record(actor=None, action=c.AUDIT_PERSON_CREATE, object_type="accounts.person",
                     summary={"batch": len(rows), "source": AUDIT_SOURCE})
    return len(rows)


def _enterprises_ensure(org: _Org, count: int) -> int:
    rng = random.Random(f"{SEED}-enterprises")
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wanted: list[Enterprise] = []
    names: set[str] = set()
    streets = {s.id: s for s in org.streets}
    while len(wanted) < count:
        community = rng.choice(org.communities)
        shop = rng.random() < 0.2
        if shop:
            name = f"{org.district.name}{community.name}{rng.choice(TRADE_NAMES)}{rng.choice(SHOPS)}"
            kind = "92"
        else:
            form = rng.choice(("有限公司", "有限公司", "有限责任公司"))
            name = f"{rng.choice(('昆明', '云南'))}{rng.choice(TRADE_NAMES)}{rng.choice(INDUSTRIES)}{form}"
            kind = "91"
        body = "".join(rng.choice(charset) for _ in range(8))
        code = _credit_code(org.area, body, kind=kind)
        address = _place(rng, org, community, streets[community.parent_id or 0])
        legal = _name(rng)
        if name in names:
            continue
        names.add(name)
        wanted.append(Enterprise(
            name=name, credit_code=code, legal_representative=legal, region=community,
            region_path=community.path, address=address))
    known = set(Enterprise.objects.filter(credit_code__in=[e.credit_code for e in wanted])
                .values_list("credit_code", flat=True))
    new = [e for e in wanted if e.credit_code not in known]
    if new:
        Enterprise.objects.bulk_create(new, batch_size=500)
        audit_record(actor=None, action=c.AUDIT_ENTERPRISE_CREATE,
                     object_type="accounts.enterprise",
                     summary={"batch": len(new), "source": AUDIT_SOURCE})
    return len(new)


# --- Entry points -----------------------------------------------------------------------------

def accounts_demo_load(*, small: bool = False) -> dict[str, int]:
    """Load the demo organisations, halls, staff, residents and enterprises (idempotent)."""
    district = region_get_by_code(code=settings.ONEWINDOW_DISTRICT_CODE)
    if district is None:
        raise RuntimeError("找不到平台所在区县的区划：请先运行 regions_demo_load")
    org = _org_load(district)
    with transaction.atomic():
        _departments_ensure(org)
        _halls_ensure(org)
        # Argon2 is slow by design: hash the one demo password once, and only when needed.
        password_hash = functools.cache(lambda: make_password(DEMO_PASSWORD))
        _named_accounts_ensure(org, password_hash)
        _roster_ensure(org, password_hash)
        _persons_ensure(org, PERSONS_SMALL if small else PERSONS)
        _enterprises_ensure(org, ENTERPRISES_SMALL if small else ENTERPRISES)
    return accounts_demo_counts(district=district)


def accounts_demo_counts(*, district: Region) -> dict[str, int]:
    """What the district holds now: departments, halls, windows, staff per role, people."""
    kinds = Counter(Department.objects.filter(region__path__startswith=district.path)
                    .values_list("kind", flat=True))
    labels = dict(c.DepartmentKind.choices)
    counts: dict[str, int] = {f"部门：{labels[k]}": kinds.get(k, 0) for k in c.DepartmentKind.values}
    counts["服务大厅/中心/站"] = ServiceHall.objects.filter(
        region__path__startswith=district.path).count()
    counts["服务窗口"] = ServiceWindow.objects.filter(
        hall__region__path__startswith=district.path).count()
    roles = Counter(r for roles in Staff.objects.filter(region__path__startswith=district.path)
                    .values_list("roles", flat=True) for r in roles)
    role_labels = dict(c.Role.choices)
    counts.update({f"工作人员：{role_labels[r]}": roles.get(r, 0) for r in c.Role.values})
    counts["自然人"] = Person.objects.filter(region_path__startswith=district.path).count()
    counts["法人"] = Enterprise.objects.filter(region_path__startswith=district.path).count()
    return counts


def demo_accounts() -> list[DemoAccount]:
    """The named demo accounts as they are in the database (for the command's table)."""
    rows: list[DemoAccount] = []
    role_labels = dict(c.Role.choices)
    staff = {s.user.username: s for s in Staff.objects.filter(user__username__in=NAMED_STAFF)
             .select_related("user", "region", "window", "window__hall")
             .prefetch_related("departments")}
    for username in NAMED_STAFF:
        s = staff.get(username)
        if s is None:
            continue
        where = s.region.name + ("（全区）" if s.region.level == RegionLevel.DISTRICT else "")
        depts = "、".join(d.short_name or d.name for d in s.departments.all())
        window = f"，{s.window.hall.name}{s.window.number}窗口" if s.window else ""
        rows.append(DemoAccount(username, s.name, "、".join(role_labels.get(r, r) for r in s.roles),
                                where + (f"；{depts}" if depts else "") + window))
    person = Person.objects.filter(user__username="citizen").select_related("region").first()
    if person is not None:
        rows.append(DemoAccount("citizen", person.name, "个人（市民）",
                                f"本人事项；住{person.region.name if person.region else ''}"))
    agent = User.objects.filter(username="enterprise").first()
    if agent is not None:
        firm = agent.enterprises.first()
        rows.append(DemoAccount("enterprise", agent.display_name, "法人（企业经办人）",
                                f"本企业事项：{firm.name if firm else ''}"))
    return rows
