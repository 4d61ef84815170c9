"""每月一题 in the demo: four recurring problems of the demo's own orders taken on as governance themes.

Each theme names what its effect is measured on (a category and keywords), so its page counts the demo's
real orders month by month, and is linked to the matching orders of the month before it was taken on
(the month the problem showed up in; no hot-spot row is linked). The steps go through
`hotline.governance.services` at moments counted back from the demo's "now" (units in office hours, the
centre in its hours), so the same demo always tells the same story:

- 流动摊贩占道经营 (城管 leads, 市场监管 assists): closed (验收销号) after one 退回整改;
- 物业服务 (住建局 leads, A2区 assists): 整改中, progress reported by the lead and the assisting unit;
- 拖欠农民工工资 (人社局 leads, 住建局 assists): 待验收, waiting for the centre (`leader`, `supervisor`);
- 二次供水水压不足 (水务集团 leads, 住建局 assists): 已立项, waiting for the plan of `water`.

A theme's month (所属月份) is the month it was taken on, so which months its effect table shows as the
baseline depends on the day the demo is loaded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from hotline.accounts.models import User
from hotline.core import clock
from hotline.demo.hours import centre_hours, office
from hotline.demo.orders import TZ
from hotline.demo.users import UnitStaff
from hotline.governance import services
from hotline.governance.choices import ThemeAction, ThemeStatus
from hotline.governance.effect import matching
from hotline.governance.models import Theme
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.models import Category
from hotline.tickets.models import Ticket

#: At most this many of the source month's matching orders are linked to a theme.
MAX_LINKED = 60
#: The centre's people who take themes on and verify them (demo accounts).
LEADER, SUPERVISOR = "leader", "supervisor"


@dataclass(frozen=True)
class Move:
    """One later step: how many days before now, the step, who takes it (a unit code or a centre
    account), and its text."""

    days_ago: float
    action: str
    by: str
    text: str


@dataclass(frozen=True)
class ThemeSpec:
    """A theme as the demo takes it on: what, who, by when, measured on what, and its steps since."""

    title: str
    problem: str  # with {month} (the source month) and {n} (its matching orders)
    lead: str
    assisting: tuple[str, ...]
    category: str  # a category's full name
    keywords: str
    adopted_days_ago: float
    due_days: int  # the deadline, days after it was taken on
    adopted_by: str
    moves: tuple[Move, ...]
    status: str  # where the moves leave it

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit of the theme: the lead first."""
        return (self.lead, *self.assisting)


A = ThemeAction
THEMES: list[ThemeSpec] = [
    ThemeSpec(
        "城区流动摊贩占道经营整治",
        "{month} 全市受理流动摊贩占道经营诉求 {n} 件，集中在学校、医院周边和夜市路段：早晚高峰占用人行道和"
        "车行道，油烟、噪音和垃圾问题突出，同一路段被反复投诉。",
        "DEPT-CG", ("DEPT-SJ",), "城乡建设", "占道 摆摊 摊贩 流动摊", 50, 45, LEADER, (
            Move(46, A.PLAN, "DEPT-CG", "一、在学校、医院周边设立 6 处便民疏导点，引导摊贩入点经营；二、早 7:00—9:00、"
                                        "晚 17:00—21:00 在重点路段定点值守；三、会同市场监管局对无照经营开展联合检查；"
                                        "四、每周通报各区整治情况。"),
            Move(38, A.PROGRESS, "DEPT-SJ", "已会同城管执法局在夜市路段开展联合检查 3 次，督促 12 户摊贩办理营业执照或"
                                            "进入疏导点经营。"),
            Move(30, A.PROGRESS, "DEPT-CG", "6 处疏导点已全部启用，入点经营摊贩 86 户；重点路段早晚高峰定点值守已常态化。"),
            Move(20, A.REPORT, "DEPT-CG", "疏导点运行正常，重点路段占道经营基本消除，相关诉求较立项前明显下降。"),
            Move(18, A.SEND_BACK, SUPERVISOR, "经暗访，A5区圭塘街道夜市路段 21 时后仍有摊贩占道经营，请补充夜间巡查"
                                              "措施后再申请验收。"),
            Move(11, A.REPORT, "DEPT-CG", "夜间值守已延长至 23:00，并在圭塘夜市路段增设固定岗；连续两周复查未再发现"
                                          "占道经营，疏导点运行正常。"),
            Move(8, A.ACCEPT, LEADER, "经现场核查和诉求数据比对，整改措施落实到位，同意销号；请城管执法局建立长效机制，"
                                      "防止反弹。"),
        ), ThemeStatus.CLOSED),
    ThemeSpec(
        "住宅小区物业服务不规范专项治理",
        "{month} 全市受理物业服务类诉求 {n} 件：物业收费不透明、公共区域维修不及时、电梯和消防设施维护不到位，"
        "A2区老旧小区较为集中。",
        "DEPT-ZJ", ("D-A2",), "城乡建设/住房保障与房地产", "物业", 18, 60, LEADER, (
            Move(14, A.PLAN, "DEPT-ZJ", "一、对投诉集中的 40 个小区开展物业服务“双随机”检查；二、督促物业服务企业公开"
                                        "收费标准和公共收益，限期整改；三、整改不力的企业记入信用档案；四、会同 A2区在老旧"
                                        "小区试点街道、社区、业委会、物业“四方联动”。"),
            Move(8, A.PROGRESS, "DEPT-ZJ", "已检查物业服务企业 23 家、小区 31 个，下发整改通知书 9 份，约谈企业负责人 4 人。"),
            Move(5, A.PROGRESS, "D-A2", "A2区已在桂花坪、大托两个街道启动“四方联动”试点，召开协调会 6 场，解决公共区域"
                                        "维修问题 17 件。"),
        ), ThemeStatus.IN_PROGRESS),
    ThemeSpec(
        "建设领域拖欠农民工工资治理",
        "{month} 全市受理拖欠工资类诉求 {n} 件，多为建筑工地、装修工程拖欠农民工工资，年底前讨薪诉求增多。",
        "DEPT-RS", ("DEPT-ZJ",), "劳动和社会保障", "工资 欠薪 讨薪", 22, 30, LEADER, (
            Move(19, A.PLAN, "DEPT-RS", "一、对在建工程项目开展工资支付专项检查，落实农民工工资专用账户和实名制管理；"
                                        "二、欠薪线索“一案一策”，5 个工作日内反馈；三、会同住建局对拖欠工程款导致欠薪的"
                                        "项目实施信用惩戒。"),
            Move(12, A.PROGRESS, "DEPT-ZJ", "已对 58 个在建项目开展检查，督促 11 个项目补足工资保证金，将 2 家建筑企业列入"
                                            "重点监管名单。"),
            Move(7, A.PROGRESS, "DEPT-RS", "已办结欠薪线索 37 件，为 412 名农民工追发工资 536 万元；2 起涉嫌拒不支付劳动"
                                           "报酬案件已移送公安机关。"),
            Move(2, A.REPORT, "DEPT-RS", "专项检查已覆盖全部在建项目，立项以来受理的欠薪线索全部办结，为 603 名农民工追发"
                                         "工资 781 万元；工资专用账户开设率 100%。"),
        ), ThemeStatus.REPORTED),
    ThemeSpec(
        "高层住宅二次供水水压不足治理",
        "{month} 全市受理停水、水压不足类诉求 {n} 件，集中在高层住宅和老旧小区：二次供水设施老化，维护责任不清。",
        "UTIL-WATER", ("DEPT-ZJ",), "城乡建设", "停水 水压 自来水", 3, 45, SUPERVISOR, (), ThemeStatus.ADOPTED),
]


def _local_month(at: datetime) -> datetime:
    local = timezone.localtime(at)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _previous_month(first: datetime) -> datetime:
    return (first - timedelta(days=1)).replace(day=1)


def schedule(spec: ThemeSpec, now: datetime, rng: random.Random) -> list[datetime]:
    """When the theme was taken on and when each of its steps was taken: on the day so many days before
    now, the centre between 8:30 and 19:00, units in office hours on a working day; each after the one
    before and all before now (a moment that office hours would push past now stays on its day)."""
    limit = now - timedelta(minutes=10)
    found: list[datetime] = []
    for days_ago, by in [(spec.adopted_days_ago, spec.adopted_by), *((m.days_ago, m.by) for m in spec.moves)]:
        day = timezone.localtime(now - timedelta(days=days_ago)).date()
        centre = by in (LEADER, SUPERVISOR)
        start, hours = (time(8, 30), 10.5) if centre else (time(9), 8)
        raw = datetime.combine(day, start, tzinfo=TZ) + timedelta(hours=rng.uniform(0, hours))
        moved = centre_hours(raw, rng) if centre else office(raw, rng, keep=0)
        moment = moved if moved <= limit else raw
        if found and moment <= found[-1]:
            moment = found[-1] + timedelta(minutes=rng.uniform(20, 90))
        found.append(min(moment, limit))
    return found


def load_themes(*, now: datetime, seed: int) -> list[Theme]:
    """Take the demo's themes on and walk them to their stage; nothing when they exist already."""
    if Theme.objects.filter(title__in=[s.title for s in THEMES]).exists():
        return []
    rng = random.Random(seed * 31 + 7)
    staff = UnitStaff()
    people = {u.username: u for u in User.objects.filter(username__in=[LEADER, SUPERVISOR])}
    units = {u.code: u for u in HandlingUnit.objects.filter(code__in={c for s in THEMES for c in s.units})}
    return [_walk(spec, schedule(spec, now, rng), people=people, units=units, staff=staff) for spec in THEMES]


def _walk(spec: ThemeSpec, moments: list[datetime], *, people: dict[str, User], units: dict[str, HandlingUnit],
          staff: UnitStaff) -> Theme:
    adopted = moments[0]
    month = _local_month(adopted)
    source = _previous_month(month)
    category = Category.objects.get(full_name=spec.category)
    probe = Theme(category=category, keywords=spec.keywords)
    # An order an earlier theme already took on is not linked again: a complaint about 二次供水 often names
    # the 物业 too, and a theme whose orders were mostly another's would be refused as taken on already.
    taken = Theme.orders.through.objects.values("ticket_id")
    orders = list(Ticket.objects.filter(matching(probe), registered_at__gte=source, registered_at__lt=month)
                  .exclude(pk__in=taken).order_by("registered_at", "id").values_list("pk", flat=True))
    with clock.frozen(adopted):
        theme = services.adopt(
            actor=people[spec.adopted_by], title=spec.title, problem=spec.problem.format(
                month=f"{source:%Y-%m}", n=len(orders)), month=month.date(), lead=units[spec.lead],
            assisting=[units[c] for c in spec.assisting], due_date=timezone.localdate(adopted) + timedelta(
                days=spec.due_days), category=category, keywords=spec.keywords,
            orders=list(Ticket.objects.filter(pk__in=orders[:MAX_LINKED])))
    for move, at in zip(spec.moves, moments[1:], strict=True):
        actor = people[move.by] if move.by in people else staff.handler(units[move.by])
        with clock.frozen(at):
            _STEPS[move.action](theme, actor, move.text)
    return theme


_STEPS = {
    ThemeAction.PLAN: lambda t, u, text: services.file_plan(t, actor=u, plan=text),
    ThemeAction.PROGRESS: lambda t, u, text: services.report_progress(t, actor=u, note=text),
    ThemeAction.REPORT: lambda t, u, text: services.report_done(t, actor=u, result=text),
    ThemeAction.ACCEPT: lambda t, u, text: services.accept(t, actor=u, note=text),
    ThemeAction.SEND_BACK: lambda t, u, text: services.send_back(t, actor=u, reason=text),
}


def open_themes() -> list[str]:
    """The open themes as `hotline demo` lists them: title, status and who acts next (demo accounts)."""
    from hotline.accounts.models import Membership
    from hotline.demo.users import DEMO_ACCOUNTS
    from hotline.governance.transitions import CENTRE

    logins = [a.username for a in DEMO_ACCOUNTS]
    centre = "、".join(a.username for a in DEMO_ACCOUNTS if a.role in CENTRE)

    def accounts(unit: HandlingUnit) -> str:
        users = Membership.objects.filter(unit=unit, user__username__in=logins).values_list(
            "user__username", flat=True).order_by("user__username")
        return f"（{'、'.join(users) or '—'}）"

    lines = []
    for theme in Theme.objects.filter(status__in=[ThemeStatus.ADOPTED, ThemeStatus.IN_PROGRESS,
                                                  ThemeStatus.REPORTED]).select_related("lead").order_by("id"):
        head = f"「{theme.title}」{theme.get_status_display()}"
        lead = theme.lead
        if theme.status == ThemeStatus.ADOPTED:
            lines.append(f"{head}：待{lead}报送整改方案{accounts(lead)}")
        elif theme.status == ThemeStatus.IN_PROGRESS:
            helpers = "、".join(f"{u}{accounts(u)}" for u in theme.assisting.order_by("path"))
            lines.append(f"{head}：{lead}报送进展或申请验收{accounts(lead)}"
                         + (f"；配合单位{helpers}可报送进展" if helpers else ""))
        else:
            lines.append(f"{head}：待中心验收销号或退回整改（{centre}）")
    return lines
