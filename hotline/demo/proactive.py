"""未诉先办 in the demo: orders the centre raised itself for its 每月一题 themes, before anyone called.

The dispatch desk (`dispatcher`) registers each one with the channel 主动发现, in the theme's category and
place, and sends it to the theme's lead unit; the unit signs, handles and replies; the centre approves the
reply and checks the result on site (现场核查) instead of calling a citizen. The orders stop at different
stages, so the demo shows each: one waiting for the unit, one waiting for its 现场核查 (`inspector`), one
sent back after a check found the problem still there, and closed ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.accounts.models import User
from hotline.core import clock
from hotline.demo.hours import centre_hours, office
from hotline.demo.users import UnitStaff
from hotline.governance.models import Theme
from hotline.governance.proactive import registration
from hotline.governance.services import link_proactive_order
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status, VisitMethod
from hotline.tickets.models import Ticket


@dataclass(frozen=True)
class ProactiveSpec:
    """One order raised for a theme: its text, the days before now it was raised, and where it stops."""

    theme: str  # the theme's title
    days_ago: float
    title: str
    description: str
    address: str
    district: str  # the district's unit code
    category: str  # a third-level category's full name, under the theme's
    stop: str  # "signed" | "awaiting_check" | "reworking" | "closed"
    reply: str
    check: str = ""


SPECS: list[ProactiveSpec] = [
    ProactiveSpec(
        "城区流动摊贩占道经营整治", 40, "开学前学校周边摊贩占道巡查整治",
        "据近两年同期诉求，开学前后实验小学、雅礼中学周边早晚流动摊贩集中，占用人行道和车行道。"
        "请在开学前完成巡查，设置临时疏导点，安排上下学时段定点值守。",
        "A市A5区圭塘街道实验小学周边", "D-A5", "城乡建设/城市建设和市政管理/城管执法", "closed",
        "已在两所学校周边设置临时疏导点 2 处，上下学时段安排执法队员定点值守，劝离占道摊贩 23 户。",
        "现场核查：上下学时段学校周边人行道畅通，未发现占道经营，疏导点运行正常。"),
    ProactiveSpec(
        "城区流动摊贩占道经营整治", 26, "夜市路段油烟和垃圾清运问题排查",
        "夜市路段此前多次被投诉油烟、噪音和垃圾，立项后请在投诉高发的周末夜间开展排查，"
        "落实垃圾收集点和收市清扫。",
        "A市A5区圭塘街道夜市路段", "D-A5", "城乡建设/城市建设和市政管理/环境卫生", "closed",
        "已增设垃圾收集点 4 处，明确收市后 30 分钟内清扫完毕；对 6 户未安装油烟净化设备的摊点责令整改。",
        "现场核查：周末夜间复查，垃圾收集点使用正常，收市后路面已清扫，油烟净化设备已安装。"),
    ProactiveSpec(
        "住宅小区物业服务不规范专项治理", 12, "老旧小区电梯年检和维保情况排查",
        "物业服务类诉求中电梯故障反复出现。请对 A2区桂花坪街道老旧小区电梯年检标志、维保记录逐台排查，"
        "督促物业服务企业限期整改。",
        "A市A2区桂花坪街道", "D-A2", "城乡建设/住房保障与房地产/物业服务", "reworking",
        "已排查老旧小区电梯 46 台，年检过期 3 台已督促物业报检，维保记录不全的 5 台已责令补齐。",
        "现场核查：桂花坪街道 2 台年检过期电梯仍在运行，未见报检回执，退回继续整改。"),
    ProactiveSpec(
        "住宅小区物业服务不规范专项治理", 9, "物业收费和公共收益公示情况检查",
        "针对物业收费不透明的集中诉求，请检查 A2区各小区物业收费标准、公共收益收支是否在显著位置公示。",
        "A市A2区", "D-A2", "城乡建设/住房保障与房地产/物业服务", "awaiting_check",
        "已检查小区 31 个，24 个已按要求公示，7 个已下发整改通知书并于 5 日内完成公示。"),
    ProactiveSpec(
        "高层住宅二次供水水压不足治理", 2, "高层住宅二次供水设施入冬前检修",
        "往年入冬后高层住宅水压不足、停水诉求增多。请在入冬前对投诉集中的高层小区二次供水泵房逐一检修，"
        "检修前提前公告停水时间。",
        "A市A2区", "D-A2", "城乡建设/城市建设和市政管理/自来水供应", "signed", ""),
]


def _moments(start: datetime, people: list[User], now: datetime, rng: random.Random) -> list[datetime]:
    """When each step is taken: hours after the one before, in the hours of whoever takes it, all before now."""
    found, at = [], start
    limit = now - timedelta(minutes=10)
    for person in people:
        at = at + timedelta(hours=rng.uniform(3, 30))
        moved = centre_hours(at, rng) if person.is_centre_staff else office(at, rng)
        at = min(max(moved, at), limit)
        found.append(at)
    return found


def load_proactive(*, now: datetime, seed: int, dispatcher: User, inspector: User) -> list[Ticket]:
    """Raise the demo's proactive orders for the themes there are; nothing when they exist already."""
    if Ticket.objects.filter(channel=Channel.PROACTIVE, title__in=[s.title for s in SPECS]).exists():
        return []
    rng = random.Random(seed * 17 + 3)
    themes = {t.title: t for t in Theme.objects.filter(title__in={s.theme for s in SPECS}).select_related(
        "category", "district", "lead")}
    staff = UnitStaff()
    return [_walk(spec, themes[spec.theme], now=now, rng=rng, dispatcher=dispatcher, inspector=inspector, staff=staff)
            for spec in SPECS if spec.theme in themes]


def _walk(spec: ProactiveSpec, theme: Theme, *, now: datetime, rng: random.Random, dispatcher: User,
          inspector: User, staff: UnitStaff) -> Ticket:
    lead: HandlingUnit = theme.lead
    handler = staff.handler(lead)
    district = HandlingUnit.objects.get(code=spec.district)
    draft = services.TicketDraft(
        request_type=RequestType.HELP, title=spec.title, description=spec.description, channel=Channel.PROACTIVE,
        category=Category.objects.get(full_name=spec.category), address=spec.address, district=district)
    steps: list[tuple[User, Callable[[Ticket], object]]] = [
        (dispatcher, lambda t: services.dispatch(t, actor=dispatcher, lead=lead)),
        (handler, lambda t: services.sign(t, actor=handler, unit=lead)),
    ]
    if spec.stop != "signed":
        steps += [
            (handler, lambda t: services.reply(t, actor=handler, content=spec.reply, contacted=False, resolved=True)),
            (inspector, lambda t: services.approve_reply(t, actor=inspector)),
        ]
    if spec.stop in ("closed", "reworking"):
        steps.append((inspector, lambda t: services.record_return_visit(
            t, actor=inspector, contacted=False, resolved=spec.stop == "closed", method=VisitMethod.VERIFY,
            note=spec.check)))
    start = now - timedelta(days=spec.days_ago)
    note, data = registration(theme)
    with clock.frozen(start):
        ticket = services.register(draft, actor=dispatcher, note=note, data=data)
        link_proactive_order(theme, ticket, dispatcher)
    for (_, step), at in zip(steps, _moments(start, [who for who, _ in steps], now, rng), strict=True):
        with clock.frozen(at):
            step(ticket)
    return ticket


def open_proactive() -> list[str]:
    """The open proactive orders as `hotline demo` lists them: number, title, stage and who acts next."""
    lines = []
    for t in Ticket.objects.filter(channel=Channel.PROACTIVE, status__in=[Status.AWAITING_VISIT, Status.IN_PROGRESS,
                                                                          Status.DISPATCHED]).order_by("registered_at"):
        next_by = {Status.AWAITING_VISIT: "inspector（或 supervisor）现场核查", Status.DISPATCHED: "承办单位签收"}.get(
            t.status, "承办单位答复")
        lines.append(f"{t.number} {t.title}：{t.get_status_display()}，待{next_by}")
    return lines
