"""Serving an attachment only to someone who may see its order."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404

from hotline.attachments.models import Attachment
from hotline.ops.access import order_shown
from hotline.tickets.models import Ticket


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The file, if its order is visible to this person; otherwise the same 404 as a missing file."""
    item = get_object_or_404(Attachment.objects.select_related("ticket"), pk=pk,
                             ticket__in=Ticket.objects.visible_to(request.user))
    order_shown(item.ticket, request.user)  # a confidential order's file is a view of the order
    response = FileResponse(item.file.open("rb"), content_type=item.content_type,
                            as_attachment=item.kind != "image", filename=item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
