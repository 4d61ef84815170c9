"""Who may do what with the knowledge base: every centre agent reports errors, maintainers act on them."""

from __future__ import annotations

from hotline.accounts.choices import Role

#: Roles that maintain the knowledge base (知识维护): they resolve correction reports and see the review page.
MAINTAIN_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def _active(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def may_report(user: object) -> bool:
    """Centre staff (受理员, 派单员, 督办, 质检, 领导, 管理员) may flag an article as wrong or outdated."""
    return _active(user) and user.is_centre_staff


def may_maintain(user: object) -> bool:
    """A maintainer: a centre supervisor or administrator, or centre staff given the admin's right to change
    articles (Django staff with `kb.change_article`). Unit staff never are."""
    if not may_report(user):
        return False
    return user.role in MAINTAIN_ROLES or (user.is_staff and user.has_perm("kb.change_article"))
