"""The main navigation's work links, from the same role sets the views check (no list kept in the template)."""

from __future__ import annotations

from django import template

from hotline.accounts.models import User

register = template.Library()


@register.simple_tag
def work_links(user: User) -> dict[str, bool]:
    """Which work pages this person may open: 受理登记 and every queue, keyed by name."""
    from hotline.workbench.intake.views import may_register
    from hotline.workbench.queues.views import QUEUE_ROLES

    links = {queue: user.role in roles for queue, roles in QUEUE_ROLES.items()}
    links["intake"] = may_register(user)
    return links
