"""Quality inspection (坐席工单质检) in the demo: last month's sample drawn, about two thirds of it scored.

Everything goes through the services, as the demo's people would. First, unless last month has one, one of
its direct answers is reopened by the supervisor (`hotline.tickets.services.reopen`: the citizen called
again), so the targeted pick 直接答复后重启 shows; no order is added. Then the sample is drawn (`draw_sample`), two of every three orders are scored against the checklist with realistic
deductions and comments, agent1 appeals her lowest score (left pending) and agent2's appeal is decided
(the supervisor revises the score). A month that already has scored inspections is left alone, so loading
the demo again changes nothing.
"""

from __future__ import annotations

import logging
import random
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from hotline.accounts.models import User
from hotline.core import clock
from hotline.inspection import services
from hotline.inspection.choices import InspectionStatus, SampleReason
from hotline.inspection.models import Inspection
from hotline.inspection.sampling import draw_sample, intake_orders, targeted, with_first_decision
from hotline.inspection.selectors import applicable_criteria, decision_of, first_decision
from hotline.inspection.services import Entry
from hotline.kpis.periods import Period, last_full_month
from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import DomainError

logger = logging.getLogger(__name__)

#: Checklist code → the notes an inspector writes when the item loses points (points, note).
FAULTS: dict[str, list[tuple[int, str]]] = {
    "ELEMENTS": [(5, "未写明事发时间"), (5, "未记录群众的具体诉求（希望如何处理）")],
    "TITLE": [(5, "标题照抄群众原话，未概括事项和地点"), (3, "标题未写明地点")],
    "TYPE": [(10, "群众要求查处，应为投诉而非咨询")],
    "CATEGORY": [(10, "分类未选到末级"), (15, "错分到其他类别，导致派单单位不对")],
    "ADDRESS": [(10, "地址未具体到小区或门牌"), (15, "事发地址不清，承办单位以「诉求或地址不清」退单")],
    "URGENCY": [(10, "涉及独居老人停水，应标为紧急")],
    "LANGUAGE": [(2, "有错别字"), (3, "记录口语化，夹带个人判断")],
    "ANSWER": [(15, "直接答复未注明政策依据"), (30, "答复内容与现行政策不符，群众再次来电")],
    "DISPATCH": [(10, "知识库可答复的政策咨询，不应转派单位")],
    "TRANSFER": [(10, "未记录告知群众的理由")],
}
COMMENTS = {
    0: ["记录完整规范，分类和地址准确，继续保持。", "要素齐全，标题概括清楚。"],
    1: ["整体较好，注意记录细节。", "个别要素缺失，请对照质检评分表自查。"],
    2: ["多项要素不规范，已安排班长辅导。", "请加强地址核实和分类选择，避免退单。"],
}
#: Why the supervisor reopens a direct answer in the demo.
REOPEN_REASON = "群众再次来电：坐席直接答复所说的办理地点和材料与现行规定不符，问题未解决，重新启用转派承办单位核实答复。"
TARGETED_FAULT = {SampleReason.RETURN_UNCLEAR: "ADDRESS", SampleReason.ANSWER_REOPENED: "ANSWER"}


def _entries(inspection: Inspection, rng: random.Random) -> list[Entry]:
    """Zero to two faults among the items that apply to the order, the targeted reason's item first."""
    criteria = {c.code: c for c in applicable_criteria(decision_of(first_decision(inspection.ticket)))
                if not c.is_fatal and c.code in FAULTS}
    codes = [TARGETED_FAULT[inspection.reason]] if inspection.reason in TARGETED_FAULT else []
    codes += rng.sample(sorted(criteria), k=rng.choice([0, 0, 1, 1, 2]))
    found = []
    for code in dict.fromkeys(codes):
        if code in criteria:
            points, note = rng.choice(FAULTS[code])
            found.append(Entry(criteria[code], min(points, criteria[code].max_points), note))
    return found


def _comment(entries: list[Entry], rng: random.Random) -> str:
    return rng.choice(COMMENTS[min(len(entries), 2)])


def load_inspection(*, now: datetime | None = None, seed: int = 12345) -> int:
    """Draw last month's sample and score about two thirds of it (once); returns how many were scored."""
    people = {u.username: u for u in User.objects.filter(
        username__in=["inspector", "supervisor", "agent1", "agent2"], is_active=True)}
    if "inspector" not in people or "supervisor" not in people:
        return 0
    with clock.frozen(now) if now is not None else nullcontext():
        period = last_full_month()
        month = Inspection.objects.filter(month=period.first_day)
        if month.exclude(status=InspectionStatus.PENDING).exists():
            return 0
        _seed_targeted(period, people)
        draw_sample(period, actor=people["inspector"])
        scored = 0
        for index, inspection in enumerate(month.select_related("ticket").order_by("ticket_id")):
            if index % 3 == 2:
                continue  # left for the inspector: 待质检
            rng = random.Random(f"{seed}:{period.label}:{index}")  # noqa: S311 - demo data
            entries = _entries(inspection, rng)
            try:
                services.inspect(inspection, entries, _comment(entries, rng), people["inspector"])
            except DomainError as exc:  # a checklist item renamed or switched off in the admin
                logger.info("demo inspection skipped: %s", exc.message)
                continue
            scored += 1
        _appeals(month, people)
    return scored


def _appeals(month: object, people: dict[str, User]) -> None:
    """agent1 appeals her lowest score (pending); agent2's appeal is revised by the supervisor."""
    for username, decide in (("agent1", False), ("agent2", True)):
        agent = people.get(username)
        lowest = (month.filter(agent=agent, status=InspectionStatus.INSPECTED, score__lt=100)
                  .order_by("score", "ticket_id").first()) if agent else None
        if lowest is None:
            continue
        first = lowest.deductions.select_related("criterion").first()
        reason = f"对「{first.criterion.name}」的扣分有异议：登记时已按群众所述如实记录，群众未提供更多信息，请复核。"
        try:
            row = services.appeal(lowest, reason, agent)
            if decide:
                kept = [Entry(d.criterion, d.points // 2, f"{d.note}（申诉后减半）") for d in row.deductions.all()]
                services.decide_appeal(row, False, kept, "经核对来电记录和工单，群众确未提供相关信息，扣分减半。",
                                       people["supervisor"])
        except DomainError as exc:
            logger.info("demo appeal skipped: %s", exc.message)


def _seed_targeted(period: Period, people: dict[str, User]) -> None:
    """Give last month a reopened direct answer (直接答复后重启), unless it has one: the earliest direct answer an
    agent took on an order they registered that month is reopened by the supervisor two days later (the citizen
    called again), through the order service. No order is added (the demo's order count stays as planned)."""
    if SampleReason.ANSWER_REOPENED in set(targeted(intake_orders(period)).values()) or "supervisor" not in people:
        return
    now = clock.now()
    candidates = with_first_decision(intake_orders(period)).filter(
        status=Status.ANSWERED, first_action=Action.ANSWER_DIRECTLY, first_actor=F("registered_by"),
        closed_at__lt=now - timedelta(days=2)).order_by("registered_at", "pk")
    for ticket in candidates[:5]:
        last = ticket.timeline.order_by("-seq").values_list("at", flat=True).first()
        at = min(max(last, ticket.closed_at) + timedelta(days=2), now - timedelta(hours=1))
        try:
            with transaction.atomic(), clock.frozen(at):
                tickets.reopen(ticket, actor=people["supervisor"], reason=REOPEN_REASON)
        except DomainError as exc:  # the order took another step meanwhile: try the next one
            logger.info("demo reopened answer skipped: %s", exc.message)
            continue
        return
