"""Reading attachments: which files a person may open (their order's, and those of the orders merged into an
order they may see), the name they are shown, the name a download is saved under, and the file served (the order
page's link and the API's `GET /api/v1/orders/{number}/attachments/{id}` alike)."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from hotline.attachments.constants import SHOWN_INLINE
from hotline.attachments.models import Attachment
from hotline.attachments.sniff import EXTENSIONS
from hotline.core.privacy import text_for
from hotline.ops.access import order_shown
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket

log = logging.getLogger("hotline.attachments.views")  # the operators' log of files gone from storage


def merged_attachments(master: Ticket, user: Any, *, confidential: bool | None = None) -> QuerySet[Attachment]:
    """The files of the orders merged into `master` (并单), for someone who may see the master: the merged
    callers' photos and recordings are evidence for the unit handling the master.

    A confidential (保密) merged order's files stay with the centre, as the order does (units never see it,
    and its caller's texts never name the master): only centre staff are given them. `confidential`: whether
    this reader may read confidential orders at all, when not by their role alone (an API key never does,
    whatever its account's role: `hotline.api.principal.orders_for_key`).
    """
    found = (Attachment.objects.filter(ticket__master=master, ticket__status=Status.MERGED)
             .select_related("ticket").order_by("ticket__number", "uploaded_at", "id"))
    if confidential is None:
        confidential = getattr(user, "is_centre_staff", False)
    return found if confidential else found.filter(ticket__is_confidential=False)


def reached_through(item: Attachment, user: Any, visible: QuerySet[Ticket] | None = None) -> Ticket | None:
    """The order through which this person may open the file: its own order if they may see it, else the
    master order it was merged into if they may see that (not a confidential merged order's file); None when
    they may open it through neither.

    `visible`: the orders this reader may pick one from, when not `Ticket.objects.visible_to(user, one=True)`
    (an API key's, `hotline.api.principal.Principal.orders`).
    """
    if visible is None:
        visible = Ticket.objects.visible_to(user, one=True)
    if visible.filter(pk=item.ticket_id).exists():
        return item.ticket
    merged = item.ticket
    if merged.master_id is None or merged.status != Status.MERGED or merged.is_confidential:
        return None
    return visible.filter(pk=merged.master_id).first()


def name_shown(item: Attachment, user: Any, ticket: Any = None, *, full_phone: bool = True) -> str:
    """The file name as this person may read it: the uploader's name through `text_for`, as the order's texts.

    A CTI recording is named by time and calling number (20250304100000_13812345678.wav): centre staff read it
    as written (the view of the number recorded), units read the number masked, an anonymous caller's name too.
    `full_phone=False` masks it whatever the role (an API key without the `phone` scope).
    """
    return text_for(item.original_name, ticket if ticket is not None else item.ticket, user, full_phone=full_phone)


def download_name(item: Attachment, user: Any, ticket: Any = None, *, full_phone: bool = True) -> str:
    """The name the file is served under: the name shown (`name_shown`) with the extension of what the file
    is (recognised by content when it was attached), never the uploader's (a 录音.html that is an MP3 is
    saved as 录音.mp3)."""
    extension = EXTENSIONS.get(item.content_type) or os.path.splitext(item.file.name)[1].lstrip(".")
    shown = name_shown(item, user, ticket, full_phone=full_phone)
    stem = os.path.splitext(shown)[0].strip().lstrip(".") or f"attachment-{item.pk}"
    return f"{stem}.{extension}" if extension else stem


def file_served(item: Attachment, user: Any, through: Ticket, *, full_phone: bool = True) -> FileResponse:
    """The file for someone who may open it through `through` (`reached_through`): named by `download_name`,
    photos every browser shows inline and the rest downloaded, never sniffed nor run by the browser (nosniff,
    a sandboxing CSP).

    Opening a confidential order's file is a view of the order, and of the confidential master it was opened
    through (`order_shown`). A file gone from storage is an `Http404` (附件文件不存在), logged for the operators
    (the backup holds it), and nothing is recorded.
    """
    try:
        content = item.file.open("rb")
    except FileNotFoundError as exc:
        log.error("attachment %s of order %s: file %s missing from storage", item.pk, item.ticket.number,
                  item.file.name)
        raise Http404(_("附件文件不存在")) from exc
    order_shown(item.ticket, user)  # a confidential order's file is a view of the order
    if through != item.ticket:
        order_shown(through, user)  # opened through a confidential master: a view of the master too
    response = FileResponse(content, content_type=item.content_type,
                            as_attachment=item.content_type not in SHOWN_INLINE,
                            filename=download_name(item, user, item.ticket, full_phone=full_phone))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
