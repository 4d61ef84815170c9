"""Test data for the work-order engine: factory-boy factories and `make_ticket`.

Everything here builds data the way production does: units, users and categories through the ORM
(they have no lifecycle), work orders only through the real services in `hotline.tickets.services`,
so an order made here carries the same assignments, deadlines and timeline as a real one.

Typical use::

    from hotline.tickets.tests.factories import Cast, make_ticket

    ticket = make_ticket(Status.IN_PROGRESS)               # a fresh cast of people and units
    services.reply(ticket, actor=ticket.cast.lead_handler, content="已处理", contacted=True, resolved=True)

    cast = Cast.build(assisting=1)                          # choose the people and units yourself
    ticket = make_ticket(Status.DISPATCHED, cast=cast, designate=True, is_anonymous=True)

Time: every step takes `hotline.core.clock.now()`; freeze it (time-machine, or the `frozen_now`
fixture, or `clock.frozen`) around the call, or pass `at=` to run the whole path at one frozen moment.
`clock.frozen` is a context variable: threads do not see it, so threaded tests use time-machine.

Also here: `stored(ticket)` / `instance_fields(ticket)` to assert that a refused step changed nothing,
and `ensure_default_policies()` (called by `make_ticket`) for databases a `transaction=True` test flushed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from hotline.accounts.choices import Role
from hotline.accounts.models import Membership, User
from hotline.core import clock
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.models import SlaPolicy
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets import services
from hotline.tickets.choices import (
    Channel,
    EmergencyService,
    NotAcceptedReason,
    ReturnReason,
    Satisfaction,
    Status,
    TerminationReason,
    VisitMethod,
)
from hotline.tickets.models import Ticket

__all__ = [
    "NOW",
    "SHANGHAI",
    "Cast",
    "CategoryFactory",
    "HandlingUnitFactory",
    "UserFactory",
    "ensure_default_policies",
    "instance_fields",
    "make_ticket",
    "stored",
]


SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The moment the `frozen_now` fixture stops the clock at: Tuesday 4 March 2025, 10:00 Beijing time, a
#: working day with no holiday or 调休 within two weeks either side, so deadlines are easy to write out.
NOW = datetime(2025, 3, 4, 10, 0, tzinfo=SHANGHAI)


# --- Factories -----------------------------------------------------------------------------------


class HandlingUnitFactory(DjangoModelFactory):
    """A handling unit (承办单位); a street by default. Pass `parent=` to build the tree."""

    class Meta:
        model = HandlingUnit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"承办单位{n}")
    kind = UnitKind.STREET
    parent = None
    is_active = True


class UserFactory(DjangoModelFactory):
    """A user with a role (an intake agent by default).

    `units=` (one unit or a list) makes the user a member of those units through `Membership`;
    `password=` sets a usable password (hashing is slow: only pass it for tests that log in by form).
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.INTAKE
    is_active = True

    @factory.post_generation
    def units(self, create: bool, extracted: HandlingUnit | Iterable[HandlingUnit] | None,
              **kwargs: Any) -> None:
        if not create or not extracted:
            return
        if isinstance(extracted, HandlingUnit):
            extracted = [extracted]
        for unit in extracted:
            Membership.objects.create(user=self, unit=unit)

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if not extracted:
            return
        self.set_password(extracted)
        if create:
            self.save(update_fields=["password"])


class CategoryFactory(DjangoModelFactory):
    """A taxonomy node (诉求分类); `parent=` makes it a level below, `full_name` follows."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"分类{n}")
    parent = None
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent else 1)
    full_name = factory.LazyAttribute(lambda o: f"{o.parent.full_name}/{o.name}" if o.parent else o.name)
    is_utility = False
    is_active = True


def ensure_default_policies() -> None:
    """Seed the default SLA policies when the table is empty.

    The data migration seeds them, but a `transaction=True` test flushes every table when it ends, so
    the tests after it would find no policy and `dispatch` would fail. This puts them back; it does
    nothing when any policy exists, so a test that configures its own policies keeps them.
    """
    if SlaPolicy.objects.exists():
        return
    from hotline.sla.constants import DEFAULT_POLICIES

    for row in DEFAULT_POLICIES:
        SlaPolicy.objects.create(
            name=row["name"], urgency=row.get("urgency", ""), utility_only=row.get("utility_only", False),
            difficult_only=row.get("difficult_only", False), priority=row["priority"],
            sign_amount=row["sign"][0], sign_unit=row["sign"][1],
            reply_amount=row["reply"][0], reply_unit=row["reply"][1],
            close_amount=row["close"][0], close_unit=row["close"][1],
        )


# --- The people and units an order meets -----------------------------------------------------------


@dataclass
class Cast:
    """Who acts on an order: one user per centre role, the lead unit and the assisting units with a handler each.

    Build it with `Cast.build()`; every part may be given, the rest is created.
    """

    intake: User
    dispatcher: User
    inspector: User
    supervisor: User
    lead: HandlingUnit
    lead_handler: User
    assisting: list[HandlingUnit] = field(default_factory=list)
    assist_handlers: list[User] = field(default_factory=list)

    @classmethod
    def build(cls, *, lead: HandlingUnit | None = None, assisting: int | Sequence[HandlingUnit] = 0,
              lead_handler: User | None = None, **centre: User) -> Cast:
        """A cast with fresh users; `lead` defaults to a new street under a new district.

        `assisting` is a number of new streets (under the lead's parent) or a list of units.
        `centre` may give any of intake=, dispatcher=, inspector=, supervisor=.
        """
        if lead is None:
            district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
            lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
        if isinstance(assisting, int):
            assisting = [HandlingUnitFactory(kind=UnitKind.STREET, parent=lead.parent) for _ in range(assisting)]
        roles = {"intake": Role.INTAKE, "dispatcher": Role.DISPATCHER, "inspector": Role.INSPECTOR,
                 "supervisor": Role.SUPERVISOR}
        unknown = set(centre) - set(roles)
        if unknown:
            raise TypeError(f"Cast.build() got unknown roles {sorted(unknown)}")
        people = {name: centre.get(name) or UserFactory(role=role) for name, role in roles.items()}
        return cls(
            **people,
            lead=lead,
            lead_handler=lead_handler or UserFactory(role=Role.UNIT_HANDLER, units=[lead]),
            assisting=list(assisting),
            assist_handlers=[UserFactory(role=Role.UNIT_HANDLER, units=[u]) for u in assisting],
        )

    def handler_of(self, unit: HandlingUnit) -> User:
        """The cast's handler of this unit (lead or assisting)."""
        if unit == self.lead:
            return self.lead_handler
        return self.assist_handlers[self.assisting.index(unit)]


# --- Driving an order to a status through the real services ----------------------------------------


def _register(cast: Cast, draft: dict[str, Any]) -> Ticket:
    fields = {"request_type": RequestType.COMPLAINT, "title": "", "description": "小区门口路灯不亮，晚上出行不便"}
    return services.register(services.TicketDraft(**(fields | draft)), actor=cast.intake)


def _send(t: Ticket, c: Cast, o: dict) -> None:
    services.send_to_dispatch(t, actor=c.intake)


def _dispatch(t: Ticket, c: Cast, o: dict) -> None:
    ensure_default_policies()
    services.dispatch(t, actor=c.dispatcher, lead=c.lead, assisting=c.assisting, designate=o["designate"])


def _sign(t: Ticket, c: Cast, o: dict) -> None:
    services.sign(t, actor=c.lead_handler, unit=c.lead)
    if o["assist_signs"]:
        for unit, handler in zip(c.assisting, c.assist_handlers, strict=True):
            services.sign(t, actor=handler, unit=unit)


def _return(t: Ticket, c: Cast, o: dict) -> None:
    services.return_order(t, actor=c.lead_handler, unit=c.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")


def _request_info(t: Ticket, c: Cast, o: dict) -> None:
    services.request_info(t, actor=c.lead_handler, unit=c.lead, question="请提供具体门牌号")


def _reply(t: Ticket, c: Cast, o: dict) -> None:
    services.reply(t, actor=c.lead_handler, unit=c.lead, content="已安排维修，路灯恢复照明",
                   public_reply="路灯已修复", contacted=True, resolved=True, is_truthful=True)


def _approve(t: Ticket, c: Cast, o: dict) -> None:
    services.approve_reply(t, actor=c.inspector)


def _visit(t: Ticket, c: Cast, o: dict) -> None:
    if t.channel == Channel.PROACTIVE:  # 未诉先办: nobody to call, the centre checks on site
        services.record_return_visit(t, actor=c.inspector, contacted=False, resolved=True, method=VisitMethod.VERIFY)
        return
    services.record_return_visit(t, actor=c.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED)


def _answer(t: Ticket, c: Cast, o: dict) -> None:
    services.answer_directly(t, actor=c.intake, answer="办理地点在区政务服务中心一楼")


def _transfer(t: Ticket, c: Cast, o: dict) -> None:
    services.transfer(t, actor=c.intake, to=EmergencyService.POLICE)


def _not_accept(t: Ticket, c: Cast, o: dict) -> None:
    services.not_accept(t, actor=c.intake, reason=NotAcceptedReason.LEGAL_CHANNEL)


def _merge(t: Ticket, c: Cast, o: dict) -> None:
    master = o["master"] or _register(c, {"description": "同一路灯不亮的来电"})
    services.merge(t, actor=c.dispatcher, master=master)


def _terminate(t: Ticket, c: Cast, o: dict) -> None:
    services.apply_termination(t, actor=c.lead_handler, reason_code=TerminationReason.WITHDRAWN,
                               reason="群众来电表示问题已自行解决，申请撤回")
    services.decide_termination(t, actor=c.dispatcher, approve=True, note="经核实群众已撤回，同意终止")


_Step = Callable[[Ticket, Cast, dict], None]
_TO_HANDLING: list[_Step] = [_send, _dispatch, _sign]

#: The shortest realistic path from registration to each status.
PATHS: dict[str, list[_Step]] = {
    Status.REGISTERED: [],
    Status.PENDING_DISPATCH: [_send],
    Status.DISPATCHED: [_send, _dispatch],
    Status.RETURNED: [_send, _dispatch, _return],
    Status.IN_PROGRESS: _TO_HANDLING,
    Status.AWAITING_CITIZEN: [*_TO_HANDLING, _request_info],
    Status.REPLIED: [*_TO_HANDLING, _reply],
    Status.AWAITING_VISIT: [*_TO_HANDLING, _reply, _approve],
    Status.CLOSED: [*_TO_HANDLING, _reply, _approve, _visit],
    Status.ANSWERED: [_answer],
    Status.TRANSFERRED: [_transfer],
    Status.NOT_ACCEPTED: [_not_accept],
    Status.MERGED: [_send, _merge],
    Status.TERMINATED: [*_TO_HANDLING, _terminate],
}


def make_ticket(status: str = Status.REGISTERED, *, cast: Cast | None = None, designate: bool = False,
                assist_signs: bool = True, master: Ticket | None = None, at: datetime | None = None,
                **draft: Any) -> Ticket:
    """A fresh order driven to `status` through the real services, one realistic step at a time.

    The paths (see `PATHS`): registered → (send to dispatch) → dispatched to `cast.lead` (and
    `cast.assisting`) → signed by the lead (and, with `assist_signs`, by every assisting unit) →
    then as the status needs: returned by the lead while unsigned; awaiting the citizen; replied
    (resolved); reply approved; closed by a satisfied return visit. ANSWERED, TRANSFERRED and
    NOT_ACCEPTED are decided at intake; MERGED merges a pending order into `master` (a new
    registered order unless given); TERMINATED is a signed order whose lead applied to stop handling
    (the citizen withdrew) and the dispatcher approved.

    - `cast`: who acts (`Cast.build()` when omitted). The returned ticket carries it as `ticket.cast`.
    - `designate`: dispatch as a designation (指定派单), so the lead may not return it.
    - `at`: run every step with the clock frozen at this aware moment (else the current, maybe
      time-machine'd, clock).
    - `draft`: fields of `services.TicketDraft` (e.g. `is_confidential=True`, `category=`, `urgency=`).

    Returns the ticket as stored (status `status`, `version` = number of its timeline events).
    """
    if status not in PATHS:
        raise ValueError(f"make_ticket() cannot reach status {status!r}")
    cast = cast or Cast.build()
    options = {"designate": designate, "assist_signs": assist_signs, "master": master}
    with clock.frozen(at) if at is not None else nullcontext():
        ticket = _register(cast, draft)
        for step in PATHS[status]:
            step(ticket, cast, options)
    ticket.refresh_from_db()
    if ticket.status != status:  # a changed service or a path that no longer leads there
        raise AssertionError(f"make_ticket({status!r}) ended in {ticket.status!r}")
    ticket.cast = cast  # type: ignore[attr-defined]
    return ticket


def make_rehandled(cast: Cast, *, final: str = Satisfaction.SATISFIED, unreached_first: bool = False,
                   **draft: Any) -> Ticket:
    """A closed order whose first valid return visit said 未解决/不满意 (so it went back for 重办) and whose
    final one, after the lead replied again, said resolved with `final` satisfaction.

    Steps run an hour apart from the current clock; `unreached_first` adds a visit that did not reach
    the citizen before them (no valid visit). Returns the ticket as stored.
    """
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, **draft)
    now = clock.now()
    if unreached_first:
        now += timedelta(hours=1)
        with clock.frozen(now):
            t = services.record_return_visit(t, actor=cast.inspector, contacted=False)
    with clock.frozen(now + timedelta(hours=1)):
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=False,
                                         satisfaction=Satisfaction.UNSATISFIED)
        t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已再次处理", contacted=True,
                           resolved=True)
        t = services.approve_reply(t, actor=cast.inspector)
    with clock.frozen(now + timedelta(hours=2)):
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction=final)
    t.cast = cast  # type: ignore[attr-defined]
    return t


# --- Checking that nothing changed -----------------------------------------------------------------


def stored(ticket: Ticket) -> dict[str, Any]:
    """Every column of the order as stored now (plus its timeline length), for before/after comparisons."""
    row = Ticket.objects.filter(pk=ticket.pk).values().get()
    row["timeline_count"] = ticket.timeline.count()
    return row


def instance_fields(ticket: Ticket) -> dict[str, Any]:
    """Every column of this in-memory instance, keyed like `stored()` (without the timeline length)."""
    return {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}
