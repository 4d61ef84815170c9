"""What a citizen can do without an account: submit, praise, track, and rate an order online."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from hotline.attachments.models import Attachment
from hotline.attachments.services import attach
from hotline.core import clock
from hotline.orgs.models import HandlingUnit
from hotline.portal.constants import invitation_days
from hotline.portal.models import VisitInvitation
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Channel, Status, VisitMethod
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.services import TicketDraft, record_return_visit, register

#: Compared against when the number is unknown, so both failures take the same path.
_DUMMY_CODE = "\x00" * 6


def web_draft(*, request_type: str, description: str, title: str = "", address: str = "",
              district: HandlingUnit | None = None, name: str = "", phone: str = "", is_anonymous: bool = False,
              is_confidential: bool = False, company: str = "") -> TicketDraft:
    """A draft of a request written on the portal (channel web); an anonymous caller's name and firm
    (单位/企业, `caller_company` as the intake records it) are not kept."""
    return TicketDraft(
        request_type=request_type, title=title.strip(), description=description.strip(), channel=Channel.WEB,
        caller_name="" if is_anonymous else name.strip(), caller_phone=phone, is_anonymous=is_anonymous,
        caller_company="" if is_anonymous else company.strip(),
        is_confidential=is_confidential, address=address.strip(), district=district,
    )


def submit_request(draft: TicketDraft, photos: Sequence[UploadedFile] = ()) -> Ticket:
    """Register a citizen's web request (网上诉求) with its photos, all or nothing.

    The photos must already have passed `check_upload`; should one still be refused, the order is
    not registered and any file already written is removed again.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            ticket = register(draft, actor=None)
            for photo in photos:
                attach(ticket, actor=None, upload=photo, public=False, allowed_kinds={"image"})
                stored.append(Attachment.objects.filter(ticket=ticket).values_list("file", flat=True).last())
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise
    return ticket


def submit_praise(*, praised: str, story: str, name: str = "", phone: str = "") -> Ticket:
    """Register a praise (表扬) of a unit or a person, written on the portal."""
    praised, story = praised.strip(), story.strip()
    draft = TicketDraft(request_type=RequestType.PRAISE, title=f"表扬：{praised}"[:200],
                        description=f"表扬对象：{praised}\n{story}", channel=Channel.WEB,
                        caller_name=name.strip(), caller_phone=phone)
    return register(draft, actor=None)


def find_for_tracking(number: str, query_code: str) -> Ticket | None:
    """The order with this number and query code, or None — the same None for a wrong code and an unknown number."""
    ticket = (Ticket.objects.select_related("district").filter(number=number.strip()).first()
              if number.strip() else None)
    expected = ticket.query_code if ticket is not None else _DUMMY_CODE
    matches = hmac.compare_digest(expected.encode(), query_code.strip().encode())
    return ticket if ticket is not None and matches else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_to_rate(ticket: Ticket) -> str:
    """Create a single-use rating link for the return visit (回访评价) and return its raw token.

    Earlier unused links of the order stop working: only the newest link can rate.
    """
    now = clock.now()
    VisitInvitation.objects.filter(ticket=ticket, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(24)
    VisitInvitation.objects.create(ticket=ticket, token_hash=_hash(token), created_at=now,
                                   expires_at=now + timedelta(days=invitation_days()))
    return token


def open_invitation(token: str) -> VisitInvitation | None:
    """The invitation behind a token if it can still be used (unused, unexpired, order awaiting a visit)."""
    if not token or len(token) > 100:
        return None
    found = VisitInvitation.objects.select_related("ticket").filter(token_hash=_hash(token)).first()
    if found is None or found.used_at is not None or found.expires_at <= clock.now():
        return None
    if found.ticket.status != Status.AWAITING_VISIT:
        return None
    return found


@transaction.atomic
def rate(token: str, *, resolved: bool, satisfaction: str, unit_contacted: bool | None = None) -> Ticket:
    """Record the citizen's own return visit from a rating link (网上评价); the link is then used up.

    `unit_contacted` is the citizen's own answer to 「承办单位是否联系过您？」 (None: left unanswered)."""
    invitation = open_invitation(token)
    if invitation is not None:
        invitation = VisitInvitation.objects.select_for_update().filter(pk=invitation.pk,
                                                                        used_at__isnull=True).first()
    if invitation is None:
        raise RuleViolation(_("评价链接无效或已使用"))
    ticket = invitation.ticket
    record_return_visit(ticket, actor=None, contacted=True, resolved=resolved, satisfaction=satisfaction,
                        method=VisitMethod.ONLINE, note="群众网上评价", unit_contacted=unit_contacted)
    visit = ReturnVisit.objects.filter(ticket=ticket, method=VisitMethod.ONLINE).latest("created_at", "id")
    VisitInvitation.objects.filter(pk=invitation.pk).update(visit=visit)
    VisitInvitation.objects.filter(ticket=ticket, used_at__isnull=True).update(used_at=clock.now())
    return ticket


def rated_through(token: str) -> Ticket | None:
    """The order whose return visit was recorded through this link (网上评价 done), else None — a link
    superseded, expired, unknown, or whose order left the visit otherwise never rated anything."""
    if not token or len(token) > 100:
        return None
    found = (VisitInvitation.objects.select_related("ticket")
             .filter(token_hash=_hash(token), visit__isnull=False).first())
    return found.ticket if found is not None else None


def chased_order(ticket: Ticket) -> Ticket:
    """The order a citizen's chase goes to: a merged order's master (the order handled for them), else itself."""
    from hotline.portal.selectors import master_of

    return master_of(ticket) or ticket


def chase_online(ticket: Ticket) -> Ticket:
    """The citizen chases the order from the tracking page (群众网上催办): recorded on the order (or, merged,
    on its master) by nobody signed in; refused (RuleViolation) a second time the same working day."""
    from hotline.tickets.services import chase

    target = chased_order(ticket)
    note = "群众通过网上进度查询催办" + (f"（经已并入的工单{ticket.number}）" if target.pk != ticket.pk else "")
    return chase(target, actor=None, note=note)
