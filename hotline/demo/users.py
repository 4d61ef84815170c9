"""The demo centre's people: one account per role to log in with, and one handler per unit that gets orders."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from hotline.accounts.choices import Role
from hotline.accounts.models import Membership, User
from hotline.demo.orgs import CityUnits
from hotline.orgs.models import HandlingUnit

#: The password of every demo account.
DEMO_PASSWORD = "demo12345"  # noqa: S105 - a published demo password, never used in production


@dataclass(frozen=True)
class DemoAccount:
    """A demo login: who it is and, for unit staff, the unit it acts for."""

    username: str
    role: str
    display_name: str
    unit_code: str = ""

    @property
    def is_admin(self) -> bool:
        """The system administrator, who also gets the Django admin (staff and superuser)."""
        return self.role == Role.ADMIN


#: Every demo login (the README's and docs/demo-accounts.md's table is written from this list).
DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("agent1", Role.INTAKE, "王丽"),
    DemoAccount("agent2", Role.INTAKE, "李娜"),
    DemoAccount("dispatcher", Role.DISPATCHER, "张强"),
    DemoAccount("supervisor", Role.SUPERVISOR, "刘洋"),
    DemoAccount("inspector", Role.INSPECTOR, "陈静"),
    DemoAccount("leader", Role.LEADER, "赵建国"),
    DemoAccount("admin", Role.ADMIN, "系统管理员"),
    DemoAccount("zhujian", Role.UNIT_HANDLER, "孙伟", "DEPT-ZJ"),
    DemoAccount("zhujian-admin", Role.UNIT_ADMIN, "周敏", "DEPT-ZJ"),
    DemoAccount("chengguan", Role.UNIT_HANDLER, "吴刚", "DEPT-CG"),
    DemoAccount("chengguan-admin", Role.UNIT_ADMIN, "郑芳", "DEPT-CG"),
    DemoAccount("renshe", Role.UNIT_HANDLER, "冯涛", "DEPT-RS"),
    DemoAccount("renshe-admin", Role.UNIT_ADMIN, "何艳", "DEPT-RS"),
    DemoAccount("water", Role.UNIT_HANDLER, "许军", "UTIL-WATER"),
    DemoAccount("water-admin", Role.UNIT_ADMIN, "马兰", "UTIL-WATER"),
    DemoAccount("power", Role.UNIT_HANDLER, "朱磊", "UTIL-POWER"),
    DemoAccount("power-admin", Role.UNIT_ADMIN, "胡静", "UTIL-POWER"),
    DemoAccount("a2", Role.UNIT_HANDLER, "郭亮", "D-A2"),
    DemoAccount("a2-admin", Role.UNIT_ADMIN, "林霞", "D-A2"),
    DemoAccount("a2street1", Role.UNIT_HANDLER, "罗平", "S-A2-01"),
    DemoAccount("a2street1-admin", Role.UNIT_ADMIN, "梁红", "S-A2-01"),
]


def unit_names() -> dict[str, str]:
    """Unit code → name for the demo accounts' units (no database needed)."""
    from hotline.demo.orgs import DEPARTMENTS, DISTRICTS, UTILITIES

    names = dict(DEPARTMENTS + UTILITIES)
    for key, streets in DISTRICTS.items():
        names[f"D-{key}"] = f"{key}区人民政府"
        for no, street in enumerate(streets, start=1):
            names[f"S-{key}-{no:02d}"] = f"{key}区{street}"
    return names


def account_rows() -> list[tuple[str, str, str, str]]:
    """(username, password, role, unit) for every demo account, in the order of DEMO_ACCOUNTS."""
    names = unit_names()
    return [
        (a.username, DEMO_PASSWORD, f"{Role(a.role).label}" + ("（可进入 Django 管理后台）" if a.is_admin else ""),
         names.get(a.unit_code, "热线中心") if a.unit_code else "A市12345热线中心")
        for a in DEMO_ACCOUNTS
    ]


def accounts_markdown() -> str:
    """The demo accounts as a Markdown table (for the README and docs/demo-accounts.md)."""
    lines = ["| 用户名 | 密码 | 角色 | 单位 |", "|---|---|---|---|"]
    lines += [f"| `{u}` | `{p}` | {r} | {n} |" for u, p, r, n in account_rows()]
    return "\n".join(lines) + "\n"


def build_users(city: CityUnits) -> list[User]:
    """Create (or find) every demo account with its role, unit membership and the demo password."""
    password = make_password(DEMO_PASSWORD)  # one hash for all: a slow hasher runs once, not per account
    users = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        user.role, user.display_name, user.password = account.role, account.display_name, password
        user.is_active = True
        user.is_staff = user.is_superuser = account.is_admin
        user.save()
        if account.unit_code:
            Membership.objects.get_or_create(user=user, unit=city[account.unit_code])
        users.append(user)
    return users


class UnitStaff:
    """Who acts for a unit in the simulation: its demo handler if it has one, else a handler `u-<code>`."""

    def __init__(self) -> None:
        """Start with the demo handlers of their units."""
        self._cache: dict[int, User] = {}
        for account in DEMO_ACCOUNTS:
            if account.role == Role.UNIT_HANDLER:
                user = User.objects.get(username=account.username)
                unit = HandlingUnit.objects.get(code=account.unit_code)
                self._cache[unit.pk] = user

    def handler(self, unit: HandlingUnit) -> User:
        """The handler (承办人) of this unit, created with an unusable password the first time."""
        user = self._cache.get(unit.pk)
        if user is None:
            username = f"u-{unit.code.lower()}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, role=Role.UNIT_HANDLER, display_name=f"{unit.name}承办人")
                user.set_unusable_password()
                user.save()
            Membership.objects.get_or_create(user=user, unit=unit)
            self._cache[unit.pk] = user
        return user
