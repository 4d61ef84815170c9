"""Attaching a file to an order from its page, and serving an attachment only to someone who may see its order."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.accounts.models import User
from hotline.attachments.constants import MAX_BYTES
from hotline.attachments.models import Attachment
from hotline.attachments.selectors import file_served, reached_through
from hotline.attachments.services import attach, content_digest
from hotline.tickets.choices import Action
from hotline.tickets.exceptions import DomainError, NotPermitted
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import available_actions
from hotline.workbench import once as one_time

#: The form field that carries the file.
FIELD = "file"


@dataclass(frozen=True)
class UploadOffer:
    """The order page's upload form (上传附件): the kinds the browser may offer, their size limits, a one-time token."""

    accept: str = ",".join(f"{kind}/*" for kind in MAX_BYTES)
    limits: dict[str, int] = field(default_factory=lambda: {k: v // (1024 * 1024) for k, v in MAX_BYTES.items()})
    token: str = field(default_factory=one_time.new_token)


def upload_offer(ticket: Ticket, user: User) -> UploadOffer | None:
    """The upload form for this person on this (visible) order, or None when 上传附件 is not offered to them.

    The same rule as every step button (`available_actions`): the order is open and the role may attach.
    """
    return UploadOffer() if Action.ATTACH in available_actions(ticket, user) else None


@login_required
@require_POST
def upload(request: HttpRequest, number: str) -> HttpResponse:
    """Attach one file to the order (上传附件), then go back to the order; a refused file changes nothing.

    404 for an order this person may not see, 403 when 上传附件 is not offered to them; a file of the wrong
    type or too large, or an order finished meanwhile, goes back to the order page (a redirect, so its form
    carries a fresh token) with the service's words as an error message.
    A page posted twice with the same file (a double click, a reload) stores it once; another file posted
    from the same page (e.g. after going Back) is a new upload, even with the same name and size (the key
    holds the content's sha256).
    """
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user, one=True), number=number)
    if upload_offer(ticket, request.user) is None:
        raise PermissionDenied(_("该操作不可用"))
    file = request.FILES.get(FIELD)
    if file is None:
        messages.error(request, _("请选择要上传的文件"))
        return redirect("order-detail", number=ticket.number)
    once = one_time.key(request, "attach", [ticket.number, file.name or "", str(file.size), content_digest(file)])
    if not one_time.claim(once):  # the same page posted again: its file is (being) stored already
        messages.info(request, _("该文件已上传，未重复上传"))
        return redirect("order-detail", number=ticket.number)
    try:
        with one_time.given_back_on_error(once):
            attach(ticket, actor=request.user, upload=file)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("order-detail", number=ticket.number)
    messages.success(request, _("%(step)s：已完成") % {"step": Action.ATTACH.label})
    return redirect("order-detail", number=ticket.number)


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The file, if its order is visible to this person, or the master order it was merged into (并单,
    `reached_through`); otherwise the same 404 as a missing file.

    Served by `file_served` (as the API serves it): named by `download_name`, the name as this person may
    read it (the caller's number masked for units) with the extension of what the file is; photos every
    browser shows are shown inline, the rest downloaded. A file gone from storage is a 404 too, logged for
    the operators (the backup holds it).
    """
    item = get_object_or_404(Attachment.objects.select_related("ticket"), pk=pk)
    through = reached_through(item, request.user)
    if through is None:
        raise Http404
    return file_served(item, request.user, through)
