"""The queues' consultations (会商): the unit inbox's 会商 tab and the dispatch queue's 会商中 tab."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from hotline.accounts.models import Membership, User
from hotline.core import clock
from hotline.tickets.choices import ConsultationStatus
from hotline.tickets.models import Consultation, Opinion, Ticket
from hotline.workbench.queues import selectors


def _open_consultations() -> QuerySet[Consultation]:
    return Consultation.objects.filter(status=ConsultationStatus.OPEN)


def _scope(user: User, units: Iterable[int] | None) -> list[int]:
    """The units whose invitations the person's 会商 tab shows: the inbox's scope (`selectors.unit_scope`, the
    person's units and every unit below them; one query unless the inbox passes the one it has)."""
    return list(units) if units is not None else selectors.unit_scope(user)


def invitations(units: Iterable[int]) -> QuerySet[Opinion]:
    """The invitations of `units` to a consultation still open, answered or not: an answer may be revised
    until the desk's conclusion (会商定责)."""
    return Opinion.objects.filter(unit__in=list(units), unit__is_active=True,
                                  consultation__status=ConsultationStatus.OPEN)


def consult_counts(user: User, units: Iterable[int] | None = None) -> tuple[int, int]:
    """The inbox's 会商 tab in one small query on the opinions (apart from `inbox_counts`, which reads
    assignments only): the orders still waiting for an opinion of the scope (the tab's badge: something
    to do) and all the orders the tab lists (answered ones included, 已答复，待定责). No confidential order,
    as units never see one."""
    counts = invitations(_scope(user, units)).filter(consultation__ticket__is_confidential=False).aggregate(
        waiting=Count("consultation__ticket", distinct=True, filter=Q(answered_at__isnull=True)),
        listed=Count("consultation__ticket", distinct=True))
    return counts["waiting"] or 0, counts["listed"] or 0


def _consult_due() -> Subquery:
    """The order's open consultation's opinions deadline (意见时限): one open consultation at a time."""
    return Subquery(_open_consultations().filter(ticket=OuterRef("pk")).values("opinions_due")[:1])


def consult_inbox(user: User, units: Iterable[int] | None = None) -> QuerySet[Ticket]:
    """The inbox's 会商 tab: orders whose open consultation invited one of the person's units or a unit below
    them (`units`: the inbox's scope, as its other tabs), whether answered or not; call `attach_consultation`
    with the user and `units` on the page.

    Aliased `consult_due` and `consult_waiting` (an invitation of the scope still unanswered) for
    `CONSULT_SORTS`: those waiting for an opinion first, then those answered and waiting for the desk's
    conclusion (已答复，待定责). The same orders as `consult_counts` lists: the invitations make the orders
    visible (`visible_to`), so for unit staff only its other rule (no confidential order) is added, as `inbox` does.
    """
    scope = _scope(user, units)
    waiting = invitations(scope).filter(answered_at__isnull=True, consultation__ticket=OuterRef("pk"))
    visible = Ticket.objects.all().shown_to_units() if user.is_unit_staff else Ticket.objects.visible_to(user)
    return visible.filter(pk__in=invitations(scope).values("consultation__ticket_id")).alias(
        consult_due=_consult_due(), consult_waiting=Exists(waiting))


def consulting_filter() -> Exists:
    """Orders with an open consultation (会商中), waiting for the dispatch desk's conclusion."""
    return Exists(_open_consultations().filter(ticket=OuterRef("pk")))


def under_consultation(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The dispatch queue's 会商中 tab: orders with an open consultation, aliased `consult_due` (`CONSULT_SORTS`).

    Every one of them waits for the desk: `consult_waiting` is true throughout (an expression, not a literal,
    which PostgreSQL would refuse to sort on), so the tab is sorted on the deadline alone.
    """
    return qs.filter(pk__in=_open_consultations().values("ticket_id")).alias(
        consult_due=_consult_due(), consult_waiting=ExpressionWrapper(Q(pk__isnull=False), BooleanField()))


def mark_consulting(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate `consulting` (an open consultation holds the dispatch): the 待派单 tab's 会商中 marker."""
    return qs.annotate(consulting=consulting_filter())


#: The 会商 tabs' sorts on the opinions' deadline (`consult_due`): the oldest first by default; in the inbox,
#: those still waiting for an opinion before those answered (`consult_waiting`), whichever the direction.
CONSULT_SORTS: dict[str, list[Any]] = {
    "opinions_due": [F("consult_waiting").desc(), F("consult_due").asc(nulls_last=True), F("id").asc()],
    "-opinions_due": [F("consult_waiting").desc(), F("consult_due").desc(nulls_last=True), F("id").desc()],
}


@dataclass
class ConsultationView:
    """An order's open consultation as a list row shows it: every invited unit's opinion, and (the inbox)
    the invitations of the person's units and of those below."""

    consultation: Consultation
    opinions: list[Opinion]  #: every invited unit, in the order they were invited
    #: the invitations of the person's units and those below, answered or not, each with `own` (the person
    #: is a member: may answer it) — the inbox
    ours: list[Opinion]
    overdue: bool  #: the opinions' deadline has passed

    @property
    def invited(self) -> int:
        return len(self.opinions)

    @property
    def answered(self) -> int:
        return sum(1 for o in self.opinions if o.answered_at is not None)

    @property
    def mine(self) -> list[Opinion]:
        """Of `ours`, those not answered yet."""
        return [o for o in self.ours if o.answered_at is None]

    @property
    def waiting(self) -> bool:
        """An invitation of `ours` waits for its answer (else: 已答复，待定责, the answers may still be revised)."""
        return bool(self.mine)

    @property
    def missing(self) -> list[Opinion]:
        """The invited units that have not answered by the deadline (逾期未答复)."""
        return [o for o in self.opinions if o.answered_at is None] if self.overdue else []


def attach_consultation(orders: list[Ticket], user: User | None = None, units: Iterable[int] | None = None) -> None:
    """Set `ticket.consult` (a `ConsultationView`, None without an open one) from one query for the page.

    With `user` (the inbox), `ours` holds the invitations of `units` (the inbox's scope; looked up when not
    given), each marked `own` when the person is a member of the invited unit.
    """
    if not orders:
        return
    opinions = Opinion.objects.filter(consultation__ticket__in=[t.pk for t in orders],
                                      consultation__status=ConsultationStatus.OPEN).select_related(
        "consultation", "unit").order_by("id")
    scope: set[int] = set()
    if user is not None:
        scope = set(_scope(user, units))
        opinions = opinions.annotate(own=Exists(Membership.objects.filter(unit=OuterRef("unit"), user=user)))
    now = clock.now()
    views: dict[int, ConsultationView] = {}
    for opinion in opinions:
        consultation = opinion.consultation
        view = views.get(consultation.ticket_id)
        if view is None:
            view = views[consultation.ticket_id] = ConsultationView(consultation, [], [],
                                                                    now > consultation.opinions_due)
        view.opinions.append(opinion)
        if opinion.unit_id in scope and opinion.unit.is_active:  # as `invitations`
            view.ours.append(opinion)
    for ticket in orders:
        ticket.consult = views.get(ticket.pk)
