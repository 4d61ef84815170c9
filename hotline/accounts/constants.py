"""Sign-in lockout thresholds; the address limit's can be overridden in settings (`HOTLINE_SIGNIN_*`)."""

from datetime import timedelta

from django.conf import settings

#: Failed sign-ins within LOCKOUT_WINDOW that lock the account name for LOCKOUT_WINDOW.
MAX_LOGIN_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)

#: Password spraying (密码喷洒): failed sign-ins from one client network (an IPv4 address, an IPv6 /64)
#: within LOCKOUT_WINDOW …
ADDRESS_MAX_FAILURES = 30
#: … spread over at least this many account names block the network's sign-ins for LOCKOUT_WINDOW.
ADDRESS_MIN_NAMES = 10


def setting(name: str) -> int:
    """The value in force: `settings.HOTLINE_SIGNIN_<NAME>` or the default above (ADDRESS_MAX_FAILURES, …)."""
    return int(getattr(settings, f"HOTLINE_SIGNIN_{name}", globals()[name]))
