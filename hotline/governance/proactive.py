"""未诉先办 for a theme (每月一题): the centre raises orders itself (主动发现) and finds them on the theme's page.

An order raised from a theme starts from the theme (the intake page opened with its channel, title, problem,
category and district). It belongs to the theme by the theme's own matching rule (`effect.matching`: its
category or below, its district, one of its keywords), registered from the theme's month on — the same rule
its effect counts citizens' orders by, which leaves these orders out (`effect.citizens`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode

from hotline.accounts.models import User
from hotline.governance.effect import matching, midnight
from hotline.governance.models import Theme
from hotline.tickets.choices import Channel
from hotline.tickets.models import Ticket

#: A theme's page lists at most this many of its proactive orders (the newest); the rest are counted.
SHOWN = 50
#: Longest link to the intake page, in bytes: gunicorn refuses a request line over 4094 bytes.
MAX_URL_BYTES = 3500


@dataclass
class ProactiveOrders:
    """A theme's proactive orders this person may see (the newest SHOWN of them) and how many in all."""

    measurable: bool  # the theme sets a category, a district or keywords: its orders can be matched
    shown: list[Ticket]
    visible: int

    @property
    def cut(self) -> bool:
        return self.visible > len(self.shown)


def proactive_orders(theme: Theme, user: User) -> ProactiveOrders:
    """The proactive orders (主动发现) matching the theme, registered from its month on, that this person may
    open; newest first, at most SHOWN (two queries at most)."""
    q = matching(theme)
    if not q:
        return ProactiveOrders(measurable=False, shown=[], visible=0)
    orders = Ticket.objects.visible_to(user).filter(q, channel=Channel.PROACTIVE,
                                                    registered_at__gte=midnight(theme.month))
    shown = list(orders.select_related("category", "district", "street").order_by("-registered_at", "-id")[:SHOWN])
    visible = orders.count() if len(shown) == SHOWN else len(shown)
    return ProactiveOrders(measurable=True, shown=shown, visible=visible)


def intake_url(theme: Theme) -> str:
    """The intake page filled in from the theme: channel 主动发现, its title, its problem as the description,
    its category and district. A long problem is shortened (…) so that the link stays a valid request."""
    params = {"channel": Channel.PROACTIVE, "title": theme.title[:200],
              **({"category": theme.category_id} if theme.category_id else {}),
              **({"district": theme.district_id} if theme.district_id else {})}
    base = reverse("intake")
    description = theme.problem.strip()
    url = f"{base}?{urlencode(params | {'description': description})}"
    while len(url.encode()) > MAX_URL_BYTES and description:
        description = description[: len(description) * 3 // 4]
        url = f"{base}?{urlencode(params | {'description': description + '…'})}"
    return url
