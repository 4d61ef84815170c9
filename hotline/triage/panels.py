"""The order-page panel 智能研判: urgency suggestion, repeats (重复件), alerts and the 不合理诉求 hint."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest

from hotline.core.privacy import identity_withheld, text_for
from hotline.taxonomy.choices import RequestType
from hotline.tickets import panels
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.transitions import HANDLING

#: While the order is with a unit, the unit may ask whether to apply for 不合理诉求.
HINT_STATUSES = frozenset({*HANDLING, Status.REPLIED, Status.AWAITING_VISIT})
FIRST_STEP = frozenset({Status.REGISTERED, Status.PENDING_DISPATCH})
#: Orders whose caller's identity stays inside the centre (`Ticket.identity_withheld`: 匿名, or a 举报).
_WITHHELD = Q(is_anonymous=True) | Q(request_type=RequestType.REPORT)


def _repeats(ticket: Ticket, user) -> tuple[list, list]:  # noqa: ANN001
    """The earlier orders this order repeats and the later ones repeating it (重复件), that this person may see,
    each with its title as they may read it (`text_for`, `title_shown`).

    Every repeat link says "the same caller" (both reasons, repeat.same_caller and repeat.same_place, need the
    same number), so outside the centre no link is shown where either order's caller is withheld: it would
    point a unit on a 举报 at the reporter's other order, where the reporter is named (and the reverse).
    Centre staff see every link.
    """
    from hotline.triage.models import RepeatLink

    visible = Ticket.objects.visible_to(user)
    earlier = RepeatLink.objects.filter(ticket=ticket, earlier__in=visible).select_related("earlier__master")
    later = RepeatLink.objects.filter(earlier=ticket, ticket__in=visible).select_related("ticket")
    if not user.is_centre_staff:
        if identity_withheld(ticket):
            return [], []
        earlier = earlier.exclude(earlier__in=Ticket.objects.filter(_WITHHELD))
        later = later.exclude(ticket__in=Ticket.objects.filter(_WITHHELD))
    earlier, later = list(earlier), list(later)
    for link in earlier:
        link.earlier.title_shown = text_for(link.earlier.title, link.earlier, user)
        link.merge_target = merge_target(ticket, link.earlier)
    for link in later:
        link.ticket.title_shown = text_for(link.ticket.title, link.ticket, user)
    return earlier, later


def merge_target(ticket: Ticket, earlier: Ticket) -> Ticket | None:
    """The order the one-click 并入此工单 of a repeat link merges into: the earlier order while it may take
    duplicates, or, when it was merged itself (已并单), the master it went into; None when neither may (the
    matter is finished: this order is a new request to dispatch)."""
    from hotline.triage.services import may_be_master

    target = earlier.master if earlier.status == Status.MERGED and earlier.master_id else earlier
    if target is None or target.pk == ticket.pk or not may_be_master(target):
        return None
    return target


def triage_panel(request: HttpRequest, ticket: Ticket) -> panels.Panel | None:
    """What triage found for this order, limited to the orders this person may see."""
    from hotline.triage.hints import hint_for
    from hotline.triage.models import Alert, UrgencyAssessment
    from hotline.triage.views import ALERT_ROLES

    user = request.user
    if not user.is_authenticated:
        return None
    actions = available_actions(ticket, user)
    assessment = UrgencyAssessment.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
    earlier, later = _repeats(ticket, user)
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
