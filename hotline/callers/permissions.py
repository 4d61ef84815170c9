"""Who may see and change caller profiles (来电人档案). Unit staff never see them: they are the centre's own notes.

- read: every centre role (`CENTRE_ROLES`), the people who see callers' full numbers;
- change, and see sensitive tags (恶意骚扰 …): the staff who answer and handle calls — intake agents,
  dispatchers, supervisors — and the system administrator. Inspectors and leaders see the other tags.
"""

from __future__ import annotations

from typing import Any

from hotline.accounts.choices import CENTRE_ROLES, Role

READ_ROLES = CENTRE_ROLES
EDIT_ROLES = frozenset({Role.INTAKE, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
SENSITIVE_ROLES = EDIT_ROLES


def _role(user: Any) -> str | None:
    active = user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    return getattr(user, "role", None) if active else None


def may_read(user: Any) -> bool:
    """Whether this person may see caller profiles at all."""
    return _role(user) in READ_ROLES


def may_edit(user: Any) -> bool:
    """Whether this person may change a profile's tags and note."""
    return _role(user) in EDIT_ROLES


def sees_sensitive(user: Any) -> bool:
    """Whether this person sees sensitive tags (敏感标签)."""
    return _role(user) in SENSITIVE_ROLES
