"""The order-page panel 智能研判: urgency suggestion, repeats (重复件), alerts and the 不合理诉求 hint."""

from __future__ import annotations

from django.http import HttpRequest

from hotline.tickets import panels
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.transitions import HANDLING

#: While the order is with a unit, the unit may ask whether to apply for 不合理诉求.
HINT_STATUSES = frozenset({*HANDLING, Status.REPLIED, Status.AWAITING_VISIT})
FIRST_STEP = frozenset({Status.REGISTERED, Status.PENDING_DISPATCH})


def triage_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """What triage found for this order, limited to the orders this person may see."""
    from hotline.triage.hints import hint_for
    from hotline.triage.models import Alert, RepeatLink, UrgencyAssessment
    from hotline.triage.views import ALERT_ROLES

    user = request.user
    if not user.is_authenticated:
        return None
    visible = Ticket.objects.visible_to(user)
    actions = available_actions(ticket, user)
    assessment = UrgencyAssessment.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
    earlier = list(RepeatLink.objects.filter(ticket=ticket, earlier__in=visible).select_related("earlier"))
    later = list(RepeatLink.objects.filter(earlier=ticket, ticket__in=visible).select_related("ticket"))
    alerts = list(Alert.objects.filter(tickets=ticket)) if user.is_centre_staff else []
    hint = None
    if ticket.status in HINT_STATUSES and (user.is_unit_staff or user.is_centre_staff):
        hint = hint_for(ticket)
        if not hint.signals:
            hint = None
    banner = bool(assessment and assessment.life_threatening and ticket.status in FIRST_STEP
                  and Action.TRANSFER in actions)
    if not (earlier or later or alerts or hint or banner or (assessment and assessment.reasons)):
        return None
    return panels.Panel("triage/_order_panel.html", {
        "ticket": ticket, "assessment": assessment, "banner": banner, "earlier": earlier, "later": later,
        "alerts": alerts, "alert_links": user.role in ALERT_ROLES, "hint": hint, "can_merge": Action.MERGE in actions,
    }, order=15)
