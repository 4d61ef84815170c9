"""Who may do what in quality inspection (坐席工单质检). The nav reads these sets.

- `READ_ROLES` see every inspection and the monthly report: inspectors, supervisors, leaders, administrators;
- `INSPECT_ROLES` draw samples and score orders: inspectors and administrators;
- `DECIDE_ROLES` decide appeals: supervisors (督办员/值班长) and administrators;
- `AGENT_ROLES` see their own results once scored, and appeal them: intake agents (受理员);
- everyone else (dispatchers, unit staff) sees nothing of this app (403).
"""

from __future__ import annotations

from typing import Any

from hotline.accounts.choices import Role

READ_ROLES = frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
INSPECT_ROLES = frozenset({Role.INSPECTOR, Role.ADMIN})
DECIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
AGENT_ROLES = frozenset({Role.INTAKE})
#: Everyone who may open a page of this app at all.
PAGE_ROLES = READ_ROLES | AGENT_ROLES


def role_of(user: Any) -> str | None:
    """The role of an active, signed-in person (None for anyone else)."""
    active = user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    return getattr(user, "role", None) if active else None


def may_open(user: Any) -> bool:
    """Whether this person may open the app's pages (others get a 403)."""
    return role_of(user) in PAGE_ROLES


def reads_all(user: Any) -> bool:
    """Whether this person sees every inspection and the report."""
    return role_of(user) in READ_ROLES


def may_inspect(user: Any) -> bool:
    """Whether this person may draw samples and score orders."""
    return role_of(user) in INSPECT_ROLES


def may_decide(user: Any) -> bool:
    """Whether this person may decide appeals."""
    return role_of(user) in DECIDE_ROLES
