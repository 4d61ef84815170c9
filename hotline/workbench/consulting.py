"""How the consultation steps' forms (会商) fit the person and the order on the page.

Which invited units a person answers for, the 「以哪个单位发表意见」 select only for someone in several of
them, and what an empty form starts from: the recommended units for 发起会商, the unit's own answer for
会商意见, the units' stances for 会商定责. Suggestions only: the forms ask for the same fields as ever.
"""

from __future__ import annotations

from django import forms

from hotline.orgs.models import HandlingUnit
from hotline.routing import services as routing
from hotline.tickets.choices import Action, ConsultationStatus, Stance
from hotline.tickets.models import Opinion, Ticket


def invited_units(user, ticket: Ticket) -> list[HandlingUnit]:  # noqa: ANN001
    """The units of the order's open consultation this person answers for (a member of the unit itself)."""
    invited = Opinion.objects.filter(consultation__ticket=ticket, consultation__status=ConsultationStatus.OPEN)
    return list(HandlingUnit.objects.filter(pk__in=invited.values("unit_id"), memberships__user=user)
                .distinct().order_by("path"))


def fit_opinion_form(form: forms.Form, user, ticket: Ticket) -> None:  # noqa: ANN001
    """会商意见 on the page: 「以哪个单位发表意见」 is asked (and required) only of someone in several invited
    units, among those units; anyone else answers for their one unit and the field is left out. 「建议承办单位」
    never lists the person's own invited units (a unit does not suggest itself)."""
    mine = invited_units(user, ticket)
    if "unit" in form.fields:
        active = [u for u in mine if u.is_active]  # a unit since deactivated may not answer (the service refuses)
        if len(active) > 1:
            form.fields["unit"].queryset = HandlingUnit.objects.filter(pk__in=[u.pk for u in active]).order_by("path")
            form.fields["unit"].required = True
        else:
            del form.fields["unit"]
    if mine and "suggested_unit" in form.fields:
        field = form.fields["suggested_unit"]
        field.queryset = field.queryset.exclude(pk__in=[u.pk for u in mine])


def initial_values(action: str, user, ticket: Ticket) -> dict:  # noqa: ANN001
    """Initial values of a consultation step's empty form (会商), {} for any other step: suggestions only,
    the form asks for the same fields as ever."""
    if action == Action.CONSULT:
        # The dispatch recommendation's top 3 (派单推荐) are the usual candidates; the desk may change them.
        units = recommended_units(ticket)
        return {"units": units} if units else {}
    if action not in (Action.GIVE_OPINION, Action.CONCLUDE_CONSULTATION):
        return {}
    opinions = Opinion.objects.filter(consultation__ticket=ticket, consultation__status=ConsultationStatus.OPEN)
    if action == Action.GIVE_OPINION:
        # Revising: the unit's current answer. A person in several invited units gets no guess.
        mine = list(opinions.filter(unit__memberships__user=user, unit__is_active=True).distinct()[:2])
        if len(mine) != 1 or mine[0].answered_at is None:
            return {}
        return {"stance": mine[0].stance, "basis": mine[0].basis, "suggested_unit": mine[0].suggested_unit_id}
    stances = list(opinions.filter(stance__in=[Stance.LEAD, Stance.ASSIST]).order_by("id")
                   .values_list("unit_id", "stance"))
    leads = [unit for unit, stance in stances if stance == Stance.LEAD]
    initial: dict = {"assisting": [unit for unit, stance in stances if stance == Stance.ASSIST]}
    if len(leads) == 1:  # one unit said it can lead: the likely conclusion; several or none, the desk chooses
        initial["lead"] = leads[0]
    return initial


def recommended_units(ticket: Ticket) -> list[int]:
    """The top 3 units of the order's dispatch recommendation (派单推荐) as the order page's panel shows it
    (`routing.panels`): the latest stored one while it still says what the catalogue says (`is_stale`), else one
    made again for the page and not stored (a page view only reads). None for a confidential order, which never
    leaves the centre (the panel recommends nothing either)."""
    if ticket.is_confidential:
        return []
    rec = routing.latest(ticket)
    if rec is None or routing.is_stale(rec, ticket):
        rec = routing.build(ticket, trigger="page")
    return [row["unit_id"] for row in (rec.top3 or [])[:3] if row.get("unit_id")]


def answering_unit(form: forms.Form, user, ticket: Ticket) -> int | None:  # noqa: ANN001
    """The invited unit a posted 会商意见 is for: the person's one active invited unit, or the one chosen."""
    active = [u.pk for u in invited_units(user, ticket) if u.is_active]
    if len(active) == 1:
        return active[0]
    raw = form.data.get(form.add_prefix("unit"), "")
    return int(raw) if str(raw).isdecimal() and int(raw) in active else None


def posted_as_stored(form: forms.Form, ticket: Ticket, unit: int | None) -> bool:
    """Whether a posted 会商意见 says what the unit's stored opinion already says (a second click), not something new."""
    if unit is None or not form.is_valid():
        return False
    stored = Opinion.objects.filter(consultation__ticket=ticket, consultation__status=ConsultationStatus.OPEN,
                                    unit_id=unit).values("stance", "basis", "suggested_unit_id").first()
    posted = form.cleaned_data
    suggested = posted.get("suggested_unit")
    return stored == {"stance": posted["stance"], "basis": posted["basis"],
                      "suggested_unit_id": suggested.pk if suggested else None}
