"""Who may do what with incidents (突发事件与临时口径). The nav and the views read these.

- `READ_ROLES` see the incident pages and the order-page panel: every centre role;
- `MANAGE_ROLES` create, edit, publish and end incidents: supervisors (督办员), dispatchers (派单员, the shift
  lead's desk) and administrators;
- `LINK_ROLES` link an order to an incident by hand and remove such a link: the managers and the intake
  agents (受理员), who take the calls and notice one the automatic match missed;
- the intake notice (`/incidents/match/`) is for those who may register orders (`may_register`);
- unit staff and citizens see nothing of it but the public notice on the portal (403 / the login page).
"""

from __future__ import annotations

from typing import Any

from hotline.accounts.choices import CENTRE_ROLES, Role

READ_ROLES = frozenset(CENTRE_ROLES)
MANAGE_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})
LINK_ROLES = MANAGE_ROLES | {Role.INTAKE}


def role_of(user: Any) -> str | None:
    """The role of an active, signed-in person (None for anyone else)."""
    active = user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    return getattr(user, "role", None) if active else None


def may_read(user: Any) -> bool:
    """Whether this person may open the incident pages (others get a 403)."""
    return role_of(user) in READ_ROLES


def may_manage(user: Any) -> bool:
    """Whether this person may create, edit, publish and end incidents."""
    return role_of(user) in MANAGE_ROLES


def may_link(user: Any) -> bool:
    """Whether this person may link an order to an incident by hand, or remove such a link."""
    return role_of(user) in LINK_ROLES
