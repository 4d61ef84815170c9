"""The order page's 拆单 links: the order it was split from (拆自) and the orders split from it (已拆分为).

Only orders the person may see are linked (`visible_to`): a unit sees the child it holds, not its siblings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.tickets.panels import Panel

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hotline.tickets.models import Ticket


def split_panel(request: HttpRequest, ticket: Ticket) -> Panel | None:
    """拆自 / 已拆分为, or None when the order has no split relative this person may see."""
    from hotline.tickets.models import Ticket

    visible = Ticket.objects.visible_to(request.user)
    parent = visible.filter(pk=ticket.split_from_id).only("number", "title", "status").first() \
        if ticket.split_from_id else None
    children = list(visible.filter(split_from=ticket).only("number", "title", "status")
                    .order_by("registered_at", "pk"))
    if parent is None and not children:
        return None
    return Panel("tickets/_split_links.html", {"split_parent": parent, "split_children": children}, order=5)
