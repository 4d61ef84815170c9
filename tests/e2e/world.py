"""A small, realistic world for the end-to-end tests, built with the demo's names and accounts.

- the category taxonomy (`load_taxonomy`, the shipped file);
- units: the centre (A市12345热线中心), four city departments and utilities, and the district A2区 with
  three streets, each with a community — codes as in the demo (`DEPT-ZJ`, `D-A2`, `S-A2-01`, …);
- people: every demo account whose unit is in this world (agent1, dispatcher, supervisor, inspector,
  leader, admin, zhujian, chengguan, renshe, water, a2street1, …), all with the demo password demo12345.

Setup data may go through the services (`make_order`, `backlog`); the steps a test is about are always
taken in the browser. Passwords are hashed with MD5 here (the `fast_hashing` fixture): the default
PBKDF2 costs a noticeable fraction of a second at every login.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.hashers import make_password

from hotline.accounts.models import Membership, User
from hotline.core import clock
from hotline.demo.users import DEMO_ACCOUNTS, DEMO_PASSWORD
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.taxonomy.services import load_taxonomy
from hotline.tickets import services
from hotline.tickets.models import Ticket
from hotline.tickets.services import TicketDraft

PASSWORD = DEMO_PASSWORD

#: (code, name, kind, parent code) — parents first.
UNITS: list[tuple[str, str, str, str]] = [
    ("CENTRE", "A市12345热线中心", UnitKind.CENTRE, ""),
    ("DEPT-ZJ", "市住房和城乡建设局", UnitKind.DEPARTMENT, "CENTRE"),
    ("DEPT-CG", "市城市管理综合执法局", UnitKind.DEPARTMENT, "CENTRE"),
    ("DEPT-RS", "市人力资源和社会保障局", UnitKind.DEPARTMENT, "CENTRE"),
    ("UTIL-WATER", "A市水务集团（市供水公司）", UnitKind.UTILITY, "CENTRE"),
    ("D-A2", "A2区人民政府", UnitKind.DISTRICT, "CENTRE"),
    ("S-A2-01", "A2区桂花坪街道", UnitKind.STREET, "D-A2"),
    ("S-A2-02", "A2区大托街道", UnitKind.STREET, "D-A2"),
    ("S-A2-03", "A2区暮云街道", UnitKind.STREET, "D-A2"),
    ("C-A2-01-01", "新开铺社区", UnitKind.COMMUNITY, "S-A2-01"),
    ("C-A2-02-01", "金盆岭社区", UnitKind.COMMUNITY, "S-A2-02"),
    ("C-A2-03-01", "杨家山社区", UnitKind.COMMUNITY, "S-A2-03"),
]


@dataclass
class World:
    """The units (by code) and the people (by username) of the world."""

    units: dict[str, HandlingUnit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def unit(self, code: str) -> HandlingUnit:
        """The unit with this code."""
        return self.units[code]

    def user(self, username: str) -> User:
        """The account with this username."""
        return self.users[username]

    def category(self, name: str) -> Category:
        """A third-level category by its own name (the first one when the name repeats)."""
        return Category.objects.filter(level=3, name=name).order_by("pk").first()


def build_world() -> World:
    """Create the taxonomy, the units and the people; return them."""
    load_taxonomy()
    world = World()
    for code, name, kind, parent in UNITS:
        world.units[code] = HandlingUnit.objects.create(code=code, name=name, kind=kind,
                                                        parent=world.units.get(parent))
    password = make_password(PASSWORD)
    for account in DEMO_ACCOUNTS:
        if account.unit_code and account.unit_code not in world.units:
            continue
        user = User.objects.create(username=account.username, role=account.role,
                                   display_name=account.display_name, password=password, is_active=True,
                                   is_staff=account.is_admin, is_superuser=account.is_admin)
        if account.unit_code:
            Membership.objects.create(user=user, unit=world.units[account.unit_code])
        world.users[account.username] = user
    return world


def draft(description: str, *, title: str = "", district: HandlingUnit | None = None,
          street: HandlingUnit | None = None, category: Category | None = None, phone: str = "13807310000",
          name: str = "张先生", address: str = "", request_type: str = "complaint") -> TicketDraft:
    """A phone call's draft, as an agent would register it."""
    return TicketDraft(request_type=request_type, title=title, description=description, category=category,
                       caller_name=name, caller_phone=phone, address=address, district=district, street=street)


def make_order(world: World, description: str, *, lead: str | None = None, sign: bool = False,
               **kwargs: object) -> Ticket:
    """Register an order through the services and, when `lead` is given, dispatch it there (and sign it)."""
    ticket = services.register(draft(description, **kwargs), actor=world.user("agent1"))
    ticket = services.send_to_dispatch(ticket, actor=world.user("agent1"))
    if lead:
        ticket = services.dispatch(ticket, actor=world.user("dispatcher"), lead=world.unit(lead))
        if sign:
            handler = Membership.objects.filter(unit=world.unit(lead)).select_related("user").first().user
            ticket = services.sign(ticket, actor=handler)
    return ticket


#: Background orders: description, title, category name, lead unit code, signed, days ago.
BACKLOG: list[tuple[str, str, str, str | None, bool, int]] = [
    ("桂花坪街道新开铺路 12 号门前路灯连续一周不亮，夜间行人经过很危险，请尽快维修。",
     "新开铺路路灯不亮", "城市公共设施", "S-A2-01", False, 0),
    ("金盆岭小区楼下烧烤店每晚营业到凌晨两点，油烟和噪音扰民，希望城管依法处理。",
     "烧烤店油烟噪音扰民", "噪音污染", "DEPT-CG", True, 20),
    ("本人在某建筑工地务工三个月，工资至今未发放，老板联系不上，请求帮助讨薪。",
     "工地拖欠农民工工资", "工资发放", "DEPT-RS", True, 9),
    ("暮云街道杨家山社区自来水连续两天水压很低，高层住户基本无水，请供水公司处理。",
     "杨家山社区水压低", "自来水供应", "UTIL-WATER", False, 3),
    ("小区电梯经常困人，物业维修后仍频繁故障，请住建部门督促物业彻底整改。",
     "小区电梯频繁故障", "物业服务", "DEPT-ZJ", True, 15),
    ("大托街道某小区门口道路被占道经营，早晚高峰车辆无法通行。",
     "小区门口占道经营", "城管执法", None, False, 0),
]


def backlog(world: World) -> list[Ticket]:
    """A handful of orders in several states, some dispatched weeks ago so that the lights turn yellow/red."""
    from hotline.sla.sweep import sweep

    now = clock.now()
    orders = []
    for i, (text, title, category, lead, signed, days) in enumerate(BACKLOG):
        with clock.frozen(now - timedelta(days=days, minutes=30 + i)):
            orders.append(make_order(world, text, title=title, category=world.category(category), lead=lead,
                                     sign=signed, district=world.unit("D-A2"), phone=f"1390731{i:04d}"))
    sweep(now)
    return orders
