"""未诉先办 for a theme (每月一题): the centre raises orders itself (主动发现) and finds them on the theme's page.

An order raised from a theme starts from the theme: its page links to the intake page opened with the
theme's id, channel, title, problem, category and district (`intake_url`). The order is registered and
linked to the theme in one transaction (`services.link_proactive_order`, a `ThemeOrder` row), whatever
the dispatcher then changed in the prefilled fields; the theme's page lists the orders linked to it.
Its effect counts citizens' orders only, which leaves these out (`effect.citizens`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode

from hotline.accounts.models import User
from hotline.governance.models import Theme, ThemeOrder
from hotline.tickets.choices import Channel
from hotline.tickets.models import Ticket

#: A theme's page lists at most this many of its proactive orders (the newest); the rest are counted.
SHOWN = 50
#: Longest link to the intake page, in bytes: gunicorn refuses a request line over 4094 bytes.
MAX_URL_BYTES = 3500


@dataclass
class ProactiveOrders:
    """A theme's proactive orders this person may see (the newest SHOWN of them) and how many in all."""

    shown: list[Ticket]
    visible: int

    @property
    def cut(self) -> bool:
        return self.visible > len(self.shown)


def proactive_orders(theme: Theme, user: User) -> ProactiveOrders:
    """The proactive orders (主动发现) raised for the theme (linked to it) that this person may open;
    newest first, at most SHOWN (two queries at most)."""
    linked = ThemeOrder.objects.filter(theme=theme).values("ticket_id")
    orders = Ticket.objects.visible_to(user).filter(pk__in=linked)
    shown = list(orders.select_related("category", "district", "street").order_by("-registered_at", "-id")[:SHOWN])
    visible = orders.count() if len(shown) == SHOWN else len(shown)
    return ProactiveOrders(shown=shown, visible=visible)


def registration(theme: Theme) -> tuple[str, dict]:
    """The note and data the order's registration event (受理登记) records of the theme it is raised for."""
    return f"未诉先办：每月一题「{theme.title}」", {"theme": theme.pk}


def intake_url(theme: Theme) -> str:
    """The intake page filled in from the theme: the theme itself (the order is linked to it), channel 主动发现,
    its title, its problem as the description, its category and district. A long problem is shortened (…) so
    that the link stays a valid request."""
    params = {"theme": theme.pk, "channel": Channel.PROACTIVE, "title": theme.title[:200],
              **({"category": theme.category_id} if theme.category_id else {}),
              **({"district": theme.district_id} if theme.district_id else {})}
    base = reverse("intake")
    description = theme.problem.strip()
    url = f"{base}?{urlencode(params | {'description': description})}"
    while len(url.encode()) > MAX_URL_BYTES and description:
        description = description[: len(description) * 3 // 4]
        url = f"{base}?{urlencode(params | {'description': description + '…'})}"
    return url
