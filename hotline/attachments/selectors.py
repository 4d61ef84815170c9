"""Reading attachments: which files a person may open (their order's, and those of the orders merged into an
order they may see), the name they are shown and the name a download is saved under."""

from __future__ import annotations

import os
from typing import Any

from django.db.models import QuerySet

from hotline.attachments.models import Attachment
from hotline.attachments.sniff import EXTENSIONS
from hotline.core.privacy import text_for
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket


def merged_attachments(master: Ticket, user: Any) -> QuerySet[Attachment]:
    """The files of the orders merged into `master` (并单), for someone who may see the master: the merged
    callers' photos and recordings are evidence for the unit handling the master.

    A confidential (保密) merged order's files stay with the centre, as the order does (units never see it,
    and its caller's texts never name the master): only centre staff are given them.
    """
    found = (Attachment.objects.filter(ticket__master=master, ticket__status=Status.MERGED)
             .select_related("ticket").order_by("ticket__number", "uploaded_at", "id"))
    return found if getattr(user, "is_centre_staff", False) else found.filter(ticket__is_confidential=False)


def reached_through(item: Attachment, user: Any) -> Ticket | None:
    """The order through which this person may open the file: its own order if they may see it, else the
    master order it was merged into if they may see that (not a confidential merged order's file); None when
    they may open it through neither."""
    visible = Ticket.objects.visible_to(user, one=True)
    if visible.filter(pk=item.ticket_id).exists():
        return item.ticket
    merged = item.ticket
    if merged.master_id is None or merged.status != Status.MERGED or merged.is_confidential:
        return None
    return visible.filter(pk=merged.master_id).first()


def name_shown(item: Attachment, user: Any, ticket: Any = None) -> str:
    """The file name as this person may read it: the uploader's name through `text_for`, as the order's texts.

    A CTI recording is named by time and calling number (20250304100000_13812345678.wav): centre staff read it
    as written (the view of the number recorded), units read the number masked, an anonymous caller's name too.
    """
    return text_for(item.original_name, ticket if ticket is not None else item.ticket, user)


def download_name(item: Attachment, user: Any, ticket: Any = None) -> str:
    """The name the file is served under: the name shown (`name_shown`) with the extension of what the file
    is (recognised by content when it was attached), never the uploader's (a 录音.html that is an MP3 is
    saved as 录音.mp3)."""
    extension = EXTENSIONS.get(item.content_type) or os.path.splitext(item.file.name)[1].lstrip(".")
    stem = os.path.splitext(name_shown(item, user, ticket))[0].strip().lstrip(".") or f"attachment-{item.pk}"
    return f"{stem}.{extension}" if extension else stem
