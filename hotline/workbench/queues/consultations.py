"""The queues' consultations (会商): the unit inbox's 会商 tab and the dispatch queue's 会商中 tab."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery

from hotline.accounts.models import Membership, User
from hotline.core import clock
from hotline.tickets.choices import ConsultationStatus
from hotline.tickets.models import Consultation, Opinion, Ticket


def _open_consultations() -> QuerySet[Consultation]:
    return Consultation.objects.filter(status=ConsultationStatus.OPEN)


def awaiting_opinion(user: User) -> QuerySet[Opinion]:
    """The invitations of the person's own units (memberships, not the units below: only they answer) to an
    open consultation that the unit has not answered yet."""
    return Opinion.objects.filter(unit__memberships__user=user, unit__is_active=True, answered_at__isnull=True,
                                  consultation__status=ConsultationStatus.OPEN)


def consult_count(user: User) -> int:
    """How many orders the inbox's 会商 tab holds: one small query on the opinions, apart from `inbox_counts`
    (which reads assignments only); no confidential order, as units never see one."""
    return awaiting_opinion(user).filter(consultation__ticket__is_confidential=False).aggregate(
        n=Count("consultation__ticket", distinct=True))["n"] or 0


def _consult_due() -> Subquery:
    """The order's open consultation's opinions deadline (意见时限): one open consultation at a time."""
    return Subquery(_open_consultations().filter(ticket=OuterRef("pk")).values("opinions_due")[:1])


def consult_inbox(user: User) -> QuerySet[Ticket]:
    """The inbox's 会商 tab: orders whose open consultation waits for one of the person's own units' opinion
    (call `attach_consultation` with the user on the page); aliased `consult_due` for `CONSULT_SORTS`.

    The same orders as `consult_count` counts: the invitations make the orders visible (`visible_to`),
    so for unit staff only its other rule (no confidential order) is added, as `inbox` does.
    """
    visible = Ticket.objects.all().shown_to_units() if user.is_unit_staff else Ticket.objects.visible_to(user)
    return visible.filter(pk__in=awaiting_opinion(user).values("consultation__ticket_id")).alias(
        consult_due=_consult_due())


def consulting_filter() -> Exists:
    """Orders with an open consultation (会商中), waiting for the dispatch desk's conclusion."""
    return Exists(_open_consultations().filter(ticket=OuterRef("pk")))


def under_consultation(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The dispatch queue's 会商中 tab: orders with an open consultation, aliased `consult_due` (`CONSULT_SORTS`)."""
    return qs.filter(pk__in=_open_consultations().values("ticket_id")).alias(consult_due=_consult_due())


def mark_consulting(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate `consulting` (an open consultation holds the dispatch): the 待派单 tab's 会商中 marker."""
    return qs.annotate(consulting=consulting_filter())


#: The 会商 tabs' sorts on the opinions' deadline (`consult_due`): the oldest first by default.
CONSULT_SORTS: dict[str, list[Any]] = {
    "opinions_due": [F("consult_due").asc(nulls_last=True), F("id").asc()],
    "-opinions_due": [F("consult_due").desc(nulls_last=True), F("id").desc()],
}


@dataclass
class ConsultationView:
    """An order's open consultation as a list row shows it: every invited unit's opinion, and the person's own."""

    consultation: Consultation
    opinions: list[Opinion]  #: every invited unit, in the order they were invited
    mine: list[Opinion]  #: the person's own units' invitations still unanswered
    overdue: bool  #: the opinions' deadline has passed

    @property
    def invited(self) -> int:
        return len(self.opinions)

    @property
    def answered(self) -> int:
        return sum(1 for o in self.opinions if o.answered_at is not None)

    @property
    def missing(self) -> list[Opinion]:
        """The invited units that have not answered by the deadline (逾期未答复)."""
        return [o for o in self.opinions if o.answered_at is None] if self.overdue else []


def attach_consultation(orders: list[Ticket], user: User | None = None) -> None:
    """Set `ticket.consult` (a `ConsultationView`, None without an open one) from one query for the page.

    With `user`, `mine` holds the invitations of the person's own units not answered yet (the inbox).
    """
    if not orders:
        return
    opinions = Opinion.objects.filter(consultation__ticket__in=[t.pk for t in orders],
                                      consultation__status=ConsultationStatus.OPEN).select_related(
        "consultation", "unit").order_by("id")
    if user is not None:
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
        if getattr(opinion, "own", False) and opinion.answered_at is None:
            view.mine.append(opinion)
    for ticket in orders:
        ticket.consult = views.get(ticket.pk)
