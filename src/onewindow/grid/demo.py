"""Demo data of grid governance: houses and households of a few communities built from the demo
residents, floating residents in rented houses with their verified residence registrations,
a month of visits and events, and work waiting for the ``grid`` account (马强, 尚义社区第1网格).

Consistent with the accounts demo: every household member is one of its residents, living in
the grid the resident belongs to; the head's home address (楼栋、单元、户室) becomes the house and
its standard code. Residents born in Kunming are 户籍, elsewhere in Yunnan 常住, outside Yunnan
流动 (tenants of a local landlord). Everything goes through the grid services (and the hotline's
for events), with past moments, in one transaction; a second run finds the houses and writes
nothing. Deterministic (seeded).
"""

from __future__ import annotations

import io
import random
import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import Role, UserKind
from onewindow.accounts.models import Department, Person, Staff, User
from onewindow.accounts.rules import id_number_check_char
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from . import constants as c
from . import services
from .models import Building, Declaration, GridEvent, House, Household, ProxyService, ResidenceRegistration, Visit

SEED = 530103
PASSWORD = "OneWindow@2026"  # the accounts demo's shared demo password
_PLACE = re.compile(r"^(?P<place>.+?(?:号|组\d+号))(?:(?P<b>\d+)栋(?P<u>\d+)单元(?P<room>\d+)室)?$")

VISIT_NOTES = (
    "入户走访，家庭情况正常，已宣传防诈骗知识。", "了解老人身体和生活情况，提醒注意用电用气安全。",
    "核对家庭成员信息，无变化。", "宣传垃圾分类和消防安全知识，发放宣传资料。",
    "居民反映楼道灯不亮，已记录并跟进。", "询问困难诉求，暂无需要帮助的事项。",
    "核实出租屋租住人员情况，提醒房东及时申报。", "入户慰问，了解医疗和养老需求。",
)
EVENTS: dict[str, list[tuple[str, str]]] = {
    c.EventCategory.FACILITY: [("路灯损坏", "小区门口路灯损坏一周，夜间出行不便，存在安全隐患。"),
                               ("井盖破损", "人行道上井盖破损下陷，行人容易踩空摔倒，需尽快更换。"),
                               ("供水管漏水", "小区主干道自来水管破裂漏水，路面大量积水。")],
    c.EventCategory.ENVIRONMENT: [("垃圾堆放", "背街小巷垃圾堆放多日无人清运，气味较大。"),
                                  ("污水外溢", "化粪池满溢，污水流到路面，影响居民出行。")],
    c.EventCategory.FIRE: [("楼道堆物", "单元楼道内堆放大量纸箱杂物，堵塞消防通道。"),
                           ("电动车室内充电", "有住户将电动车推入楼道飞线充电，存在火灾隐患。")],
    c.EventCategory.DISPUTE: [("邻里噪音纠纷", "楼上住户夜间装修噪音大，邻里发生争执，需协调。")],
    c.EventCategory.BUILDING: [("违规搭建", "楼顶有住户违规搭建彩钢棚，正在施工。")],
    c.EventCategory.SAFETY: [("广告牌松动", "临街店铺广告牌松动，大风天有坠落危险。")],
}
SELF_HANDLED = (("楼道杂物", "单元楼道堆放少量杂物", "已劝导住户当场清理完毕"),
                ("共享单车乱停", "小区出入口共享单车乱停放，影响通行", "已联系企业运维人员并现场整理"),
                ("宣传栏破损", "社区宣传栏玻璃破损", "已设置警示并通知物业更换"))


def _demo_communities(district: Region) -> list[Region]:
    """A few communities: those of the first street, the first of the second, one village."""
    subtree = Region.objects.filter(path__startswith=district.path).defer("geometry")
    streets = list(subtree.filter(level=RegionLevel.STREET).order_by("code"))
    communities = list(subtree.filter(level=RegionLevel.COMMUNITY).order_by("code"))
    chosen: list[Region] = []
    if streets:
        chosen += [cm for cm in communities if cm.parent_id == streets[0].id][:3]
    if len(streets) > 1:
        chosen += [cm for cm in communities if cm.parent_id == streets[1].id][:1]
    village = next((cm for cm in communities if cm.name.endswith("村")), None)
    if village is not None and village not in chosen:
        chosen.append(village)
    return chosen


def _age(person: Person, today: date) -> int:
    born = person.birth_date or date(1980, 1, 1)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _point(rng: random.Random, grid: Region) -> tuple[float, float]:
    if grid.min_lng is None or grid.max_lng is None or grid.min_lat is None or grid.max_lat is None:
        return (102.72, 25.04)
    w, e, s, n = grid.min_lng, grid.max_lng, grid.min_lat, grid.max_lat
    return (round(rng.uniform(w + (e - w) * 0.1, e - (e - w) * 0.1), 6),
            round(rng.uniform(s + (n - s) * 0.1, n - (n - s) * 0.1), 6))


def _jpeg(rng: random.Random) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (96, 72), (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200))).save(
        buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _staff_ensure(district: Region, communities: list[Region]) -> dict[str, User]:
    """A community grid leader (网格长) of the first community and the first street's grid centre."""
    from django.contrib.auth.hashers import make_password

    from onewindow.accounts.services import staff_create

    made: dict[str, User] = {}
    if not communities:
        return made
    first = communities[0]
    street = Region.objects.defer("geometry").get(pk=first.parent_id or 0)
    specs = [("grid_leader", "段丽萍", "PL0012", first, f"{first.code}-JWH"),
             ("grid_street", "杨建国", "PL0013", street, f"{street.code}-JDB")]
    password: str | None = None
    for username, name, number, region, dept_code in specs:
        if User.objects.filter(username=username).exists():
            continue
        password = password or make_password(PASSWORD)
        user = User.objects.create(username=username, kind=UserKind.STAFF, display_name=name, password=password)
        departments = list(Department.objects.filter(code=dept_code))
        staff_create(actor=None, user=user, name=name, employee_no=number, roles=[Role.GRID_WORKER], region=region,
                     departments=departments)
        made[username] = user
    return made


def _parse(address: str, community: Region) -> tuple[str, str, str] | None:
    """(building name, unit, room) of a demo home address in ``community``."""
    index = address.find(community.name)
    if index < 0:
        return None
    match = _PLACE.match(address[index + len(community.name):])
    if match is None:
        return None
    place, b, u, room = match.group("place", "b", "u", "room")
    return (f"{place}{b}栋" if b else place, u or "0", room or "0")


class _Loader:
    def __init__(self, district: Region, communities: list[Region], now: datetime) -> None:
        self.district, self.communities, self.now = district, communities, now
        self.today = timezone.localtime(now).date()
        self.rng = random.Random(f"{SEED}-grid")
        self.grids = {g.id: g for g in Region.objects.filter(parent__in=communities, level=RegionLevel.GRID)}
        self.buildings: dict[tuple[int, str], Building] = {}
        self.rooms: dict[int, set[tuple[str, str]]] = defaultdict(set)
        self.heads: dict[int, list[tuple[Person, House]]] = defaultdict(list)  # grid id → local heads
        self.workers: dict[int, User] = {}
        for staff in Staff.objects.filter(region__in=list(self.grids.values())).select_related("user"):
            if staff.has_role(Role.GRID_WORKER):
                self.workers.setdefault(staff.region_id, staff.user)
        named = Staff.objects.filter(user__username="grid").select_related("user").first()
        if named is not None:
            self.workers[named.region_id] = named.user
        self.counts: dict[str, int] = defaultdict(int)

    def at(self, days_ago: float, hour: int | None = None) -> datetime:
        moment = timezone.localtime(self.now - timedelta(days=days_ago))
        if hour is not None:
            moment = moment.replace(hour=hour, minute=self.rng.randint(0, 59))
        return min(moment, self.now - timedelta(minutes=30))

    # --- houses and households --------------------------------------------------------------
    def building(self, grid: Region, community: Region, name: str) -> Building:
        key = (community.id, name)
        if key not in self.buildings:
            lng, lat = _point(self.rng, grid)
            self.buildings[key] = services.building_create(
                actor=None, grid=grid, name=name, address=f"昆明市{self.district.name}{community.name}{name}",
                lng=lng, lat=lat, source=c.ChangeSource.DEMO, now=self.at(60))
            self.counts["楼栋"] += 1
        return self.buildings[key]

    def house(self, building: Building, unit: str, room: str, *, use: str, owner: Person | None) -> House:
        unit, room = f"{int(unit):02d}", room.rjust(4, "0")
        while (unit, room) in self.rooms[building.id]:  # another household got this room: the next one
            room = f"{int(room) + 1:04d}" if room.isdigit() else "0001"
        self.rooms[building.id].add((unit, room))
        self.counts["房屋"] += 1
        return services.house_create(actor=None, building=building, unit=unit, room=room, use=use, owner_person=owner,
                                     source=c.ChangeSource.DEMO, now=self.at(60))

    def tags(self, person: Person, size: int, household_ages: list[int]) -> list[str]:
        age = _age(person, self.today)
        tags: list[str] = []
        if age >= 70 and size == 1:
            tags.append(c.SpecialTag.ELDERLY_ALONE)
        elif age >= 65 and min(household_ages) >= 60:
            tags.append(c.SpecialTag.EMPTY_NEST)
        roll = self.rng.random()
        if roll < 0.04:
            tags.append(c.SpecialTag.DISABLED)
        elif roll < 0.08:
            tags.append(c.SpecialTag.LOW_INCOME)
        elif roll < 0.11 and person.gender == "M" and age >= 40:
            tags.append(c.SpecialTag.VETERAN)
        return tags

    def relation(self, head: Person, member: Person, spouse_taken: bool) -> str:
        gap = _age(head, self.today) - _age(member, self.today)
        if gap < -15:
            return c.Relation.PARENT
        if gap <= 12:
            return c.Relation.SPOUSE if not spouse_taken and member.gender != head.gender else c.Relation.SIBLING
        return c.Relation.CHILD if gap <= 45 else c.Relation.GRANDCHILD

    def households(self) -> None:
        by_grid: dict[int, list[Person]] = defaultdict(list)
        for person in Person.objects.filter(region_id__in=list(self.grids)).order_by("id"):
            by_grid[person.region_id or 0].append(person)
        communities = {cm.id: cm for cm in self.communities}
        for grid_id, people in sorted(by_grid.items()):
            grid = self.grids[grid_id]
            community = communities[grid.parent_id or 0]
            locals_ = [p for p in people if p.id_number[:2] == "53" or p.user_id]
            outsiders = [p for p in people if p not in locals_]
            self.rng.shuffle(locals_)
            # the demo accounts (李华, 赵磊) head their own household, so they can declare
            locals_.sort(key=lambda p: p.user_id is None)
            while locals_:
                size = min(self.rng.choice((1, 1, 2, 2, 2, 3, 3, 4)), len(locals_))
                if locals_[0].user_id:
                    size = min(2, len(locals_))
                    if len(locals_) > 1 and locals_[1].user_id:
                        size = 1
                family, locals_ = locals_[:size], locals_[size:]
                account = next((p for p in family if p.user_id), None)
                family.sort(key=lambda p: (p is not account, p.birth_date or date(1980, 1, 1)))
                head = family[0]
                parsed = _parse(head.address, community) or (f"{community.name}{self.rng.randint(1, 99)}号", "0", "0")
                building = self.building(grid, community, parsed[0])
                house = self.house(building, parsed[1], parsed[2], use=c.HouseUse.OWN, owner=head)
                ages = [_age(p, self.today) for p in family]
                members, spouse = [], False
                for i, person in enumerate(family):
                    relation = c.Relation.HEAD if i == 0 else self.relation(head, person, spouse)
                    spouse = spouse or relation == c.Relation.SPOUSE
                    kind = (c.ResidenceType.REGISTERED if person.id_number[:6] == self.district.code[:6]
                            else c.ResidenceType.RESIDENT)
                    members.append(services.MemberIn(person=person, relation=relation, residence_type=kind,
                                                     tags=self.tags(person, len(family), ages)))
                services.household_create(actor=None, house=house, members=members, source=c.ChangeSource.DEMO,
                                          now=self.at(45))
                self.counts["户"] += 1
                self.heads[grid_id].append((head, house))
            for tenant in outsiders:
                self.tenant(grid, community, tenant)

    def tenant(self, grid: Region, community: Region, person: Person) -> None:
        """A floating resident renting a second flat of a local landlord of the grid."""
        candidates = self.heads.get(grid.id) or [h for heads in self.heads.values() for h in heads]
        if not candidates:
            return
        landlord, home = self.rng.choice(candidates)
        house = self.house(home.building, home.unit, home.room, use=c.HouseUse.VACANT, owner=landlord)
        moved_in = self.today - timedelta(days=self.rng.randint(20, 400))
        late = self.rng.random() < 0.25
        reported = timezone.localtime(self.now).replace(
            year=moved_in.year, month=moved_in.month, day=moved_in.day, hour=10) + timedelta(
            days=self.rng.randint(5, 12) if late else self.rng.randint(0, 2))
        reported = min(reported, self.now - timedelta(hours=2))
        services.tenant_register(
            actor=None, house=house, person=person, moved_in_on=moved_in,
            planned_stay_until=self.today + timedelta(days=self.rng.randint(120, 600)),
            stay_reason=self.rng.choice((c.StayReason.WORK, c.StayReason.WORK, c.StayReason.BUSINESS,
                                         c.StayReason.STUDY)),
            landlord=landlord, reported_at=reported, report_source=c.ReportSource.LANDLORD, now=reported)
        self.counts["出租屋租户"] += 1

    def extra_houses(self) -> None:
        """One vacant flat per grid, and a vacant flat of the demo citizen 李华 (a landlord)."""
        for _grid, heads in sorted(self.heads.items()):
            if heads:
                owner, home = heads[0]
                self.house(home.building, home.unit, home.room, use=c.HouseUse.VACANT, owner=owner)
        citizen = Person.objects.filter(user__username="citizen").first()
        house = House.objects.filter(owner_person=citizen).select_related("building").first() if citizen else None
        if citizen is not None and house is not None:
            self.house(house.building, "1", "1202", use=c.HouseUse.VACANT, owner=citizen)

    # --- visits, events, declarations --------------------------------------------------------
    def visits(self) -> None:
        named = Staff.objects.filter(user__username="grid").values_list("region_id", flat=True).first()
        for grid_id, worker in sorted(self.workers.items(), key=lambda kv: kv[0]):
            grid = self.grids.get(grid_id)
            if grid is None:
                continue
            households = list(Household.objects.filter(grid=grid, dissolved_at__isnull=True).order_by("id"))
            share = 0.3 if grid_id == named else 0.7  # 马强 still has most of his month ahead
            visited = [h for h in households if self.rng.random() < share]
            for household in visited:
                for _ in range(self.rng.choice((1, 1, 2))):
                    at = self.at(self.rng.uniform(0.5, 28), hour=self.rng.randint(9, 17))
                    lng, lat = _point(self.rng, grid)
                    photos = [services.PhotoIn("入户.jpg", _jpeg(self.rng))] if self.rng.random() < 0.2 else []
                    services.visit_record(actor=worker, household=household, notes=self.rng.choice(VISIT_NOTES),
                                          lng=lng, lat=lat, photos=photos, visited_at=at, now=at)
                    self.counts["走访"] += 1

    def events(self) -> None:
        from onewindow.tickets import services as tickets
        from onewindow.tickets.constants import Status

        named = Staff.objects.filter(user__username="grid").values_list("region_id", flat=True).first()
        operator = User.objects.filter(username="operator").first()
        handlers = self._handlers()
        categories = sorted(EVENTS)
        for grid_id, worker in sorted(self.workers.items(), key=lambda kv: kv[0]):
            grid = self.grids.get(grid_id)
            if grid is None:
                continue
            # 马强's grid has one event in every stage of its life; the others two or three
            plans = (["closed", "check", "handling", "open", "self"] if grid_id == named
                     else self.rng.sample(["closed", "closed", "check", "open", "self"], self.rng.randint(2, 3)))
            for plan in plans:
                lng, lat = _point(self.rng, grid)
                start = self.at(self.rng.uniform(3 if plan == "closed" else 1.5, 25 if plan == "closed" else 6),
                                hour=self.rng.randint(8, 17))
                if plan == "self":
                    title, text, note = self.rng.choice(SELF_HANDLED)
                    services.event_report(actor=worker, grid=grid, category=c.EventCategory.ENVIRONMENT,
                                          text=text + "。", title=title, lng=lng, lat=lat, self_handled=True,
                                          handled_note=note, now=start)
                    self.counts["自处置事件"] += 1
                    continue
                category = self.rng.choice(categories)
                title, text = self.rng.choice(EVENTS[category])
                photos = [services.PhotoIn("现场.jpg", _jpeg(self.rng))]
                event = services.event_report(actor=worker, grid=grid, category=category, text=text, title=title,
                                              lng=lng, lat=lat, photos=photos, now=start)
                self.counts["上报事件"] += 1
                ticket = event.ticket
                assert ticket is not None
                if ticket.status in (Status.TRIAGE, Status.RECEIVED) and operator is not None:
                    # the dispatcher sends what the classifier left to people to the urban management bureau
                    bureau = Department.objects.filter(code=f"{self.district.code[:6]}-CGJ").first()
                    if bureau is None:
                        continue
                    tickets.ticket_dispatch(actor=operator, ticket=ticket, department=bureau,
                                            note="网格上报事件，派城市管理部门处置", now=start + timedelta(minutes=40))
                handler = handlers.get(ticket.department_id or 0)
                if plan == "open" or handler is None:
                    continue
                accepted = start + timedelta(hours=self.rng.uniform(1, 5))
                tickets.ticket_accept(actor=handler, ticket=ticket, now=min(accepted, self.now - timedelta(hours=3)))
                if plan == "handling":
                    continue
                replied = min(accepted + timedelta(hours=self.rng.uniform(4, 60)), self.now - timedelta(hours=2))
                tickets.ticket_reply(actor=handler, ticket=ticket, now=replied,
                                     text=f"您好！网格上报的“{title}”问题已安排人员现场处置完毕，请核实。")
                if plan == "closed":
                    checked = min(replied + timedelta(hours=self.rng.uniform(2, 30)), self.now - timedelta(hours=1))
                    services.event_site_check(actor=worker, event=event, solved=True,
                                              satisfaction=self.rng.choice(("satisfied", "satisfied", "basic")),
                                              note="现场核实已处置到位", now=checked)

    def _handlers(self) -> dict[int, User]:
        handlers: dict[int, User] = {}
        named = {"reviewer_market", "reviewer_civil"}
        staff = Staff.objects.filter(is_active=True).select_related("user").prefetch_related("departments")
        for member in sorted(staff, key=lambda m: (m.user.username not in named, m.id)):
            if Role.DEPT_REVIEWER in member.roles:
                for department in member.departments.all():
                    handlers.setdefault(department.id, member.user)
        return handlers

    def declarations(self) -> None:
        """Work for 马强: a tenant declared by 李华 and a new family member declared by 赵磊."""
        citizen = User.objects.filter(username="citizen").first()
        person = Person.objects.filter(user=citizen).first() if citizen else None
        vacant = (House.objects.filter(owner_person=person, use=c.HouseUse.VACANT).order_by("id").first()
                  if person else None)
        if citizen is not None and vacant is not None:
            first17 = f"510104{1996:04d}0712{self.rng.randint(10, 99)}3"
            services.declaration_submit(user=citizen, kind=c.DeclarationKind.TENANT, house=vacant,
                                        now=self.at(1, hour=20), payload={
                                            "name": "赵小军", "id_number": first17 + id_number_check_char(first17),
                                            "phone": "13700871234", "moved_in_on": (self.today - timedelta(days=2))
                                            .isoformat(), "planned_stay_until": (self.today + timedelta(days=365))
                                            .isoformat(), "stay_reason": c.StayReason.WORK})
            self.counts["待核实申报"] += 1
        agent = User.objects.filter(username="enterprise").first()
        agent_person = Person.objects.filter(user=agent).first() if agent else None
        from .selectors import household_of_person

        if agent is not None and agent_person is not None and household_of_person(person=agent_person):
            first17 = f"530103{2021:04d}0315{self.rng.randint(10, 99)}2"
            services.declaration_submit(user=agent, kind=c.DeclarationKind.MEMBER_ADD, now=self.at(2, hour=21),
                                        payload={"name": "赵欣怡", "id_number": first17 + id_number_check_char(first17),
                                                 "relation": c.Relation.CHILD,
                                                 "residence_type": c.ResidenceType.REGISTERED})
            self.counts["待核实申报"] += 1

    def proxy(self) -> None:
        """One application 马强 made for an elderly resident of his grid (代办)."""
        from onewindow.catalog.selectors import published_versions_for_index

        worker = User.objects.filter(username="grid").first()
        grid_id = Staff.objects.filter(user=worker).values_list("region_id", flat=True).first()
        if worker is None or grid_id is None:
            return
        elders = [m for h in Household.objects.filter(grid_id=grid_id).order_by("id")
                  for m in h.members.filter(left_on__isnull=True).select_related("person", "household")
                  if services.proxy_eligible(m, today=self.today)]
        versions = [v for v in published_versions_for_index().filter(is_online=True).exclude(service_object="legal")
                    if any(word in v.name for word in ("高龄", "养老", "医疗", "残疾"))]
        if not elders or not versions:
            return
        version = versions[0]
        paper = [str(m.public_id) for m in version.materials.all() if m.is_required]
        services.proxy_start(actor=worker, resident=elders[0], item=version.item, consent_method=c.ConsentMethod.SIGNED,
                             consent_note="本人在代办委托书上签字，其女儿在场", paper=paper, now=self.at(3, hour=10))
        self.counts["代办"] += 1


def grid_demo_load(*, small: bool = False) -> dict[str, int]:
    """Load the demo grid data (idempotent: nothing is written when the houses are there)."""
    district = Region.objects.filter(code=settings.ONEWINDOW_DISTRICT_CODE).defer("geometry").first()
    if district is None:
        raise RuntimeError("找不到平台所在区县的区划：请先运行区划和人员的演示数据")
    communities = _demo_communities(district)
    created: dict[str, int] = {}
    with transaction.atomic():
        made = _staff_ensure(district, communities)
        if made:
            created["本次新建网格管理账号"] = len(made)
        if not House.objects.filter(region_path__startswith=district.path).exists() and communities:
            loader = _Loader(district, communities, timezone.now())
            loader.households()
            loader.extra_houses()
            loader.visits()
            loader.events()
            loader.declarations()
            loader.proxy()
            created.update({f"本次新建{k}": v for k, v in loader.counts.items()})
    return created | grid_demo_counts(district=district)


def grid_demo_counts(*, district: Region) -> dict[str, int]:
    prefix = {"region_path__startswith": district.path}
    return {
        "房屋": House.objects.filter(**prefix).count(),
        "户": Household.objects.filter(dissolved_at__isnull=True, **prefix).count(),
        "居住登记（已发布电子证明）": ResidenceRegistration.objects.filter(licence_ref__isnull=False, **prefix).count(),
        "本月以来走访": Visit.objects.filter(visited_at__gte=timezone.now() - timedelta(days=31), **prefix).count(),
        "网格事件": GridEvent.objects.filter(**prefix).count(),
        "待核实申报": Declaration.objects.filter(status=c.DeclarationStatus.PENDING, **prefix).count(),
        "代办": ProxyService.objects.filter(**prefix).count(),
    }
