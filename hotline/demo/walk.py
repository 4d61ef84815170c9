"""Playing the order plans through the real lifecycle services, in global time order, under `clock.frozen`.

Each order's walk is a generator that yields the moment of its next step; a heap runs the steps of all
orders in time order, so a duplicate is merged into a master as the master stood at that moment, and no
step happens after "now". Every change goes through `hotline.tickets.services`.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from hotline.accounts.models import User
from hotline.core import clock
from hotline.demo import phrases as say
from hotline.demo.consult import walk_consultation
from hotline.demo.hours import centre_hours, office, visit_time
from hotline.demo.orders import OrderPlan, Outcome
from hotline.demo.users import UnitStaff
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services as svc
from hotline.tickets.choices import Channel, ReturnReason, Satisfaction, Status, SupervisionKind
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.services.dispatching import MERGE_MASTER_STATUSES, catalogue_passed_over

Steps = Iterator[datetime]
ONLINE = {Channel.WEB, Channel.WECHAT, Channel.APP, Channel.MAILBOX}


class Deadlines(NamedTuple):
    """What the walk reads of an assignment to time the unit's next step."""

    dispatched_at: datetime
    sign_due: datetime
    return_due: datetime
    reply_due: datetime


class WalkError(RuntimeError):
    """A service refused a step of the demo walk: a bug in the walk (or in a service)."""


@dataclass
class Sim:
    """What every walk shares: the people, the orders registered so far, and the moment that is "now"."""

    agents: list[User]
    dispatcher: User
    supervisor: User
    inspector: User
    staff: UnitStaff
    now: datetime
    seed: int
    tickets: dict[int, Ticket] = field(default_factory=dict)


class OrderWalk:
    """One order's life as a generator of step times; each step calls one lifecycle service."""

    def __init__(self, plan: OrderPlan, sim: Sim) -> None:
        """A walk of one plan, with its own random stream (the same plan always walks the same way)."""
        self.p, self.sim = plan, sim
        self.rng = random.Random(sim.seed * 1_000_003 + plan.no)
        self.now = plan.at
        self.ticket: Ticket | None = None
        self.agent = self.rng.choice(sim.agents)

    # --- helpers -------------------------------------------------------------------------------

    def at(self, moment: datetime, by: datetime | None = None) -> datetime:
        """Move this walk's time forward to `moment` (never backwards, nor past `by`) and return it, to be yielded."""
        self.now = max(moment if by is None else min(moment, by), self.now + timedelta(seconds=30))
        return self.now

    def later(self, *, hours: tuple[float, float] = (0, 0), minutes: tuple[float, float] = (0, 0),
              days: tuple[float, float] = (0, 0), in_office: bool = True, centre: bool = False,
              by: datetime | None = None) -> datetime:
        """A moment a random while after now: in a unit's office hours, the centre's hours, or any time
        (at the latest `by`, when given)."""
        gap = timedelta(hours=self.rng.uniform(*hours), minutes=self.rng.uniform(*minutes),
                        days=self.rng.uniform(*days))
        moment = self.now + gap
        if centre:
            return self.at(centre_hours(moment, self.rng), by)
        return self.at(office(moment, self.rng) if in_office else moment, by)

    def within(self, target: datetime, due: datetime) -> datetime:
        """`target` moved into office hours when that still meets `due` (utilities work around the clock)."""
        if self.p.utility_or_urgent:
            return self.at(target)
        moved = office(target, self.rng)
        return self.at(moved if moved < due else target)

    def do(self, fn: Callable[..., Ticket], *args: Any, **kwargs: Any) -> Ticket:
        """Run one lifecycle service at this walk's time."""
        with clock.frozen(self.now):
            try:
                return fn(*args, **kwargs)
            except DomainError as exc:
                raise WalkError(
                    f"demo order #{self.p.no} ({self.p.outcome}, flags={sorted(self.p.flags)}, stop={self.p.stop!r}) "
                    f"step {fn.__name__} at {self.now.isoformat()} refused: {exc}"
                ) from exc

    def assignment(self, unit: HandlingUnit) -> Deadlines:
        """The deadlines of this order's newest assignment to `unit` (one light query)."""
        row = (Assignment.objects.filter(ticket=self.ticket, unit=unit).order_by("-id")
               .values_list(*Deadlines._fields).first())
        return Deadlines(*row)

    def handler(self, unit: HandlingUnit) -> User:
        """The person who acts for `unit` (a member of it)."""
        return self.sim.staff.handler(unit)

    # --- the walk ------------------------------------------------------------------------------

    def run(self) -> Steps:
        """The whole life of the order, from registration to where its plan (or "now") stops it."""
        p, rng = self.p, self.rng
        yield self.now
        online = p.draft.channel in ONLINE and rng.random() < 0.7
        self.ticket = self.do(svc.register, p.draft, actor=None if online else self.agent)
        self.sim.tickets[p.no] = self.ticket
        if p.stop == "registered":
            return
        if p.outcome == Outcome.ANSWER:
            yield self.later(minutes=(2, 9), in_office=False)
            self.do(svc.answer_directly, self.ticket, actor=self.agent, answer=self.direct_answer())
        elif p.outcome == Outcome.TRANSFER:
            yield self.later(minutes=(1, 4), in_office=False)
            self.do(svc.transfer, self.ticket, actor=self.agent, to=p.emergency, note=say.TRANSFER_NOTES[p.emergency])
        elif p.outcome == Outcome.NOT_ACCEPT:
            yield from self.decline()
        else:
            if not online:  # the portal's orders land in the dispatch queue as they are
                yield self.later(minutes=(2, 12), in_office=False)
                self.do(svc.send_to_dispatch, self.ticket, actor=self.agent)
            if p.stop == "pending_dispatch":
                return
            if p.outcome == Outcome.MERGE and (yield from self.merge()):
                return
            yield from self.life(first=True)

    def direct_answer(self) -> str:
        """The on-the-spot answer (即时答复): a policy sentence of a reply on the same matter."""
        sentence = self.p.reply.policy_sentence if self.p.reply else ""
        return say.DIRECT_ANSWER_PREFIX + (sentence or say.DIRECT_ANSWER_FALLBACK)

    def decline(self) -> Steps:
        """告知/不予受理, by the agent at once or by the dispatcher after a look."""
        reason = self.p.not_accept_reason
        actor = self.agent
        if self.rng.random() < 0.4:
            yield self.later(minutes=(2, 10), in_office=False)
            self.do(svc.send_to_dispatch, self.ticket, actor=self.agent)
            actor = self.sim.dispatcher
        yield self.later(minutes=(3, 60), in_office=False)
        self.do(svc.not_accept, self.ticket, actor=actor, reason=reason, note=say.NOT_ACCEPTED_NOTES[reason])

    def merge(self) -> Iterator[datetime]:
        """并单 into the master, if it still takes duplicates; returns whether it was merged."""
        yield self.later(minutes=(10, 120), centre=True)
        master = self.sim.tickets.get(self.p.master)
        if master is None or master.master_id or master.status not in MERGE_MASTER_STATUSES:
            return False  # the master is finished: this one is handled as a new request
        self.do(svc.merge, self.ticket, actor=self.sim.dispatcher, master=master)
        master.refresh_from_db()  # the master's walk holds this same instance
        return True

    def life(self, *, first: bool) -> Steps:
        """Dispatch, sign, handle, reply, review, visit; then appeals and reopening."""
        p, flags = self.p, (self.p.flags if first else set())
        stop = p.stop if first else ""
        wrong = p.wrong_lead if first else None
        if first and p.consult is not None:  # 会商 first; its conclusion dispatches the order
            yield from walk_consultation(self)
            if stop == "consulting":
                return
        else:
            yield self.later(minutes=(5, 90), centre=True)
            lead = wrong or p.lead
            # A street chosen over the department the catalogue names needs the dispatcher's reason (派单说明).
            note = ("" if catalogue_passed_over(self.ticket, lead) is None
                    else "初步判断属街道属地管理事项，先由街道核实处置。" if wrong else "经核实属街道属地管理事项，由街道处置。")
            self.do(svc.dispatch, self.ticket, actor=self.sim.dispatcher, lead=lead,
                    assisting=[] if wrong else p.assisting, note=note)
        if first and not wrong and not flags & {"return_accept", "return_reject"} and self.hands_down():
            yield from self.forward()
        if flags & {"return_accept", "return_reject"}:
            yield from self.return_and_review(wrong or p.lead, flags)
            if stop == "returned":
                return
        if stop == "dispatched":
            return
        yield from self.sign(p.lead, late="late_sign" in flags)
        for unit in p.assisting:
            yield from self.sign(unit, late=False)
        if stop == "in_progress":
            return
        if "info" in flags and (yield from self.ask_citizen(stay=stop == "awaiting_citizen" or "stay_info" in flags)):
            return
        if "ext" in flags:
            yield from self.extension(deny="ext_deny" in flags)
        if "unreasonable" in flags:
            yield from self.unreasonable(approve="unreasonable_ok" in flags)
        if "stuck" in flags:
            yield from self.chase()
            return
        for unit in p.assisting:
            yield self.later(hours=(2, 30))
            self.do(svc.reply, self.ticket, actor=self.handler(unit), unit=unit, content=say.ASSIST_OPINION,
                    contacted=True, resolved=True)
        yield from self.reply(late="late_reply" in flags)
        if stop == "replied":
            return
        yield from self.review(send_back="send_back" in flags)
        if stop == "awaiting_visit":
            if "no_contact" in flags or p.no % 3 == 0:  # a first call unanswered: the 回访 queue shows 未联系上 1/3
                yield self.at(visit_time(self.now + timedelta(days=self.rng.uniform(0.2, 1.5)), self.rng))
                self.do(svc.record_return_visit, self.ticket, actor=self.sim.inspector, contacted=False,
                        note=say.VISIT_NO_CONTACT)
            return
        yield from self.visit(no_contact="no_contact" in flags, unsatisfied="unsatisfied" in flags)
        if "appeal" in flags and self.ticket.status == Status.CLOSED:
            yield from self.appeal(uphold="appeal_upheld" in flags)
        if first and "reopen" in flags and self.ticket.status == Status.CLOSED:
            yield self.later(days=(5, 20))
            self.do(svc.reopen, self.ticket, actor=self.sim.inspector, reason=say.REOPEN_REASON)
            yield from self.life(first=False)

    def hands_down(self) -> bool:
        """Whether the district the order went to hands it down to its street (下派): every other one that can."""
        street = self.p.draft.street
        return (self.p.lead.kind == UnitKind.DISTRICT and street is not None and street.parent_id == self.p.lead.pk
                and street not in self.p.assisting and self.p.no % 2 == 0)

    def forward(self) -> Steps:
        """下派: the district's desk hands the order to the street where it happened; the street leads from now on."""
        yield self.at(self.now + timedelta(minutes=40))  # no random draw: the other orders' walks stay as they were
        street = self.p.draft.street
        self.do(svc.forward, self.ticket, actor=self.handler(self.p.lead), to=street,
                note=say.FORWARD_NOTE.format(street=street.name))
        self.p.lead = street

    def return_and_review(self, unit: HandlingUnit, flags: set[str]) -> Steps:
        """The unit returns the order within the return window (退单); the centre accepts or rejects."""
        a = self.assignment(unit)
        yield self.at(a.dispatched_at + (a.return_due - a.dispatched_at) * self.rng.uniform(0.05, 0.6))
        accept = "return_accept" in flags
        local = unit.kind in ("street", "community", "district")
        code = ReturnReason.NOT_OUR_AREA if local and self.rng.random() < 0.4 else ReturnReason.NOT_OUR_DUTY
        text = say.RETURN_REASONS["area" if code == ReturnReason.NOT_OUR_AREA else "duty" if accept else "reject"]
        if accept and self.ticket.pk % 3 == 0:  # a vague record at intake (坐席质检 samples these); no extra draw
            code, text = ReturnReason.UNCLEAR, say.RETURN_REASONS["unclear"]
        self.do(svc.return_order, self.ticket, actor=self.handler(unit), unit=unit, reason_code=code, reason=text,
                suggested_unit=self.p.lead if accept else None)
        if self.p.stop == "returned":
            return
        yield self.later(hours=(1, 8), centre=True)
        if accept:
            self.do(svc.accept_return, self.ticket, actor=self.sim.dispatcher, note=say.ACCEPT_RETURN_NOTE,
                    lead=self.p.lead, assisting=self.p.assisting, designate="designate" in flags)
        else:
            self.do(svc.reject_return, self.ticket, actor=self.sim.dispatcher, note=say.REJECT_RETURN_NOTE)

    def sign(self, unit: HandlingUnit, *, late: bool) -> Steps:
        """签收: mostly well within the sign limit; late ones get a 催办 first."""
        a = self.assignment(unit)
        due = a.sign_due
        span = max(due - a.dispatched_at, timedelta(minutes=10))
        if late or due <= self.now:
            base = max(due, self.now)
            yield self.at(base + span * self.rng.uniform(0.05, 0.15))
            self.do(svc.supervise, self.ticket, actor=self.sim.supervisor, kind=SupervisionKind.REMIND,
                    note=say.SIGN_REMINDER, unit=unit)
            yield self.at(base + span * self.rng.uniform(0.2, 1.5))
        else:
            yield self.within(self.now + (due - self.now) * self.rng.uniform(0.05, 0.7), due)
        self.do(svc.sign, self.ticket, actor=self.handler(unit), unit=unit)

    def ask_citizen(self, *, stay: bool) -> Iterator[datetime]:
        """请群众补充 and, unless the order is to stay waiting, 恢复办理 days later; returns whether it stays."""
        lead = self.p.lead
        yield self.later(hours=(2, 30))
        self.do(svc.request_info, self.ticket, actor=self.handler(lead), unit=lead,
                question=self.rng.choice(say.QUESTIONS))
        if stay:
            return True
        yield self.later(days=(1, 4))
        self.do(svc.resume, self.ticket, actor=self.handler(lead), unit=lead, note="群众已补充相关材料，恢复办理。")
        return False

    def extension(self, *, deny: bool) -> Steps:
        """申请延期 half-way to the reply limit; the dispatcher approves or denies it."""
        lead = self.p.lead
        a = self.assignment(lead)
        yield self.later(hours=(1, 2)) if a.reply_due <= self.now else self.within(
            self.now + (a.reply_due - self.now) * self.rng.uniform(0.3, 0.7), a.reply_due)
        self.do(svc.request_extension, self.ticket, actor=self.handler(lead), unit=lead,
                days=self.rng.choice([3, 5, 5, 7, 10]), reason=self.rng.choice(say.EXTENSION_REASONS))
        yield self.later(hours=(1, 6), centre=True)
        if deny:
            self.do(svc.deny_extension, self.ticket, actor=self.sim.dispatcher, note=say.DENY_EXTENSION_NOTE)
        else:
            self.do(svc.approve_extension, self.ticket, actor=self.sim.dispatcher)

    def unreasonable(self, *, approve: bool) -> Steps:
        """申请不合理诉求; the supervisor decides a day or two later."""
        lead = self.p.lead
        yield self.later(hours=(4, 48))
        self.do(svc.apply_unreasonable, self.ticket, actor=self.handler(lead), unit=lead,
                reason=self.rng.choice(say.UNREASONABLE_REASONS))
        yield self.later(days=(1, 3))
        self.do(svc.decide_unreasonable, self.ticket, actor=self.sim.supervisor, approve=approve,
                note=say.UNREASONABLE_DECISIONS[approve])

    def chase(self) -> Steps:
        """A unit that never replies: 催办, then 督办 by the district, then by the city."""
        lead = self.p.lead
        due = self.assignment(lead).reply_due
        for kind, level, delay in ((SupervisionKind.REMIND, 1, (0.2, 1)), (SupervisionKind.SUPERVISE, 2, (2, 4)),
                                   (SupervisionKind.SUPERVISE, 3, (7, 12))):
            yield self.at(office(due + timedelta(days=self.rng.uniform(*delay)), self.rng))
            note = say.REPLY_REMINDER if level == 1 else say.SUPERVISION_NOTES[level]
            self.do(svc.supervise, self.ticket, actor=self.sim.supervisor, kind=kind, level=level, unit=lead,
                    note=note)

    def reply_text(self) -> tuple[str, str]:
        """The lead unit's reply and its public version: a real reply on the same matter, else a template."""
        if self.p.reply is not None:
            return self.p.reply.content, self.p.reply.public
        text = say.template_reply(self.p.draft.title, self.p.lead.name)
        return text, text

    def reply(self, *, late: bool, again: bool = False) -> Steps:
        """答复 within the reply limit, or late after a 催办 (and a 督办 when very late)."""
        lead = self.p.lead
        a = self.assignment(lead)
        due = a.reply_due
        if late or due <= self.now:
            base = max(due, self.now)
            span = max(due - a.dispatched_at, timedelta(hours=2))
            target = base + span * self.rng.uniform(0.2, 1.0)
            yield self.at(office(base + span * self.rng.uniform(0.02, 0.1), self.rng))
            self.do(svc.supervise, self.ticket, actor=self.sim.supervisor, kind=SupervisionKind.REMIND,
                    note=say.REPLY_REMINDER, unit=lead)
            if target - base > timedelta(days=4):
                yield self.at(base + (target - base) / 2)
                self.do(svc.supervise, self.ticket, actor=self.sim.supervisor, kind=SupervisionKind.SUPERVISE,
                        level=2, note=say.SUPERVISION_NOTES[2], unit=lead)
            yield self.at(target)
        else:
            yield self.within(self.now + (due - self.now) * self.rng.uniform(0.15, 0.8), due)
        content, public = (say.REDO_REPLY, say.REDO_REPLY) if again else self.reply_text()
        resolved = again or self.rng.random() < 0.9 or self.p.draft.request_type == RequestType.PRAISE
        self.do(svc.reply, self.ticket, actor=self.handler(lead), unit=lead, content=content, public_reply=public,
                contacted=True, resolved=resolved, unresolved_reason="" if resolved else say.UNRESOLVED_REASON,
                is_truthful=self.rng.random() < 0.8)

    def review(self, *, send_back: bool) -> Steps:
        """The centre reviews the reply (审核); a poor one is sent back (退回重办) and answered again."""
        yield self.later(minutes=(30, 600), centre=True)
        if send_back:
            self.do(svc.send_back, self.ticket, actor=self.sim.inspector, reason=self.rng.choice(say.SEND_BACK_REASONS))
            yield from self.reply(late=False, again=True)
            yield self.later(minutes=(30, 600), centre=True)
        self.do(svc.approve_reply, self.ticket, actor=self.sim.inspector)

    def visit(self, *, no_contact: bool, unsatisfied: bool) -> Steps:
        """回访: sometimes nobody answers (some never do); an unsatisfied citizen sends it back for re-handling."""
        visitor = self.rng.choice([self.sim.inspector, self.agent])
        yield self.at(visit_time(self.now + timedelta(days=self.rng.uniform(0.2, 1.5)), self.rng))
        if no_contact:  # one in four of these citizens is never reached: the centre's limit closes the order
            calls = svc.visit_attempt_limit(self.ticket) if self.p.no % 4 == 0 else 1
            for call in range(1, calls + 1):
                last = call == svc.visit_attempt_limit(self.ticket)
                self.do(svc.record_return_visit, self.ticket, actor=visitor, contacted=False,
                        note=say.VISIT_NEVER_REACHED if last else say.VISIT_NO_CONTACT)
                if self.ticket.status == Status.CLOSED:
                    return
                yield self.at(visit_time(self.now + timedelta(days=1), self.rng))
        if unsatisfied:
            self.do(svc.record_return_visit, self.ticket, actor=visitor, contacted=True, resolved=False,
                    satisfaction=Satisfaction.UNSATISFIED, note=say.VISIT_UNSATISFIED)
            if self.ticket.status == Status.CLOSED:  # an approved unreasonable claim closes it anyway
                return
            yield from self.reply(late=False, again=True)
            yield from self.review(send_back=False)
            yield self.at(visit_time(self.now + timedelta(days=self.rng.uniform(0.5, 3)), self.rng))
        good = Satisfaction.SATISFIED if self.rng.random() < 0.8 else Satisfaction.BASICALLY
        self.do(svc.record_return_visit, self.ticket, actor=visitor, contacted=True, resolved=True, satisfaction=good)

    def appeal(self, *, uphold: bool) -> Steps:
        """考核申诉 by the lead unit after closing; the supervisor decides."""
        lead = self.p.lead
        yield self.later(days=(1, 5))
        self.do(svc.appeal, self.ticket, actor=self.handler(lead), unit=lead, reason=self.rng.choice(say.APPEAL_REASONS))
        yield self.later(days=(1, 4))
        self.do(svc.decide_appeal, self.ticket, actor=self.sim.supervisor, uphold=uphold,
                note=say.APPEAL_DECISIONS[uphold])


def play(plans: list[OrderPlan], sim: Sim) -> int:
    """Run every order's walk, step by step in global time order, up to `sim.now`; returns the steps taken."""
    heap: list[tuple[datetime, int, Iterator[datetime]]] = []
    for plan in plans:
        walk = OrderWalk(plan, sim).run()
        heap.append((next(walk), plan.no, walk))
    heapq.heapify(heap)
    steps = 0
    while heap:
        moment, no, walk = heapq.heappop(heap)
        if moment > sim.now:
            walk.close()
            continue
        try:
            following = next(walk)
        except StopIteration:
            continue
        finally:
            steps += 1
        heapq.heappush(heap, (following, no, walk))
    return steps

