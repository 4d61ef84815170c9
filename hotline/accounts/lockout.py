"""Locking an account name after repeated failed sign-ins, across every server process (kept in the database).

An attempt is counted before its password is checked (`begin_attempt`): it stores a `LoginFailure` row,
then counts the window's rows including its own. Parallel attempts therefore see each other, and at most
MAX_LOGIN_FAILURES passwords are checked for one name however many arrive at once (an Argon2 check takes
a while, long enough for a burst to pass a check made before it). A refused attempt takes its row back,
so hammering a locked name does not prolong the lock, and so does an attempt whose check failed with a
server error (the password was never judged); a real sign-in removes every row of the name, and
so does setting a new password (`User.save`: an administrator's reset, `changepassword`, the user's own change).

The same rows block a client network whose failures spread over many names (`address_limit`): an attempt
from a blocked network is refused before anything is written or checked, and an attempt whose network's
other failures of the window are over the limit blocks it (and takes its row back), so parallel guesses
from one address see each other as they do for one name.
"""

from __future__ import annotations

import ipaddress
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext_lazy as _

from hotline.accounts import address_limit
from hotline.accounts.constants import LOCKOUT_WINDOW, MAX_LOGIN_FAILURES
from hotline.accounts.models import LoginFailure
from hotline.core import clock
from hotline.core.ratelimit import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest


def _failures(username: str) -> int:
    since = clock.now() - LOCKOUT_WINDOW
    return LoginFailure.objects.filter(username__iexact=username, at__gte=since).count()


def is_locked(username: str) -> bool:
    """True while the name has MAX_LOGIN_FAILURES failures within the window."""
    return _failures(username) >= MAX_LOGIN_FAILURES


def record_failure(username: str, ip: str | None) -> LoginFailure:
    """Remember one failed attempt."""
    return LoginFailure.objects.create(username=username[:150], ip=ip or None, network=address_limit.network_of(ip),
                                       at=clock.now())


def begin_attempt(username: str, ip: str | None) -> LoginFailure:
    """Count a sign-in attempt as a failure before its password is checked and return its row; refuse it
    (ValidationError, nothing counted) if its client network is blocked or the name is locked.

    The row is written (and committed: no transaction is open at sign-in) before the counts, so of any
    number of simultaneous attempts only those whose row is among the first MAX_LOGIN_FAILURES of the
    window go on to the password check, and none once the network's other failures are over the limit.
    """
    network, watched = address_limit.network_of(ip), address_limit.watched(ip)
    if watched and address_limit.is_blocked(network):
        address_limit.count_refusal()
        raise ValidationError(ADDRESS_BLOCKED, code="address_blocked")
    attempt = record_failure(username, ip)
    if watched:
        failures, names = address_limit.window_counts(network, excluding=attempt.pk)
        if address_limit.over_limit(failures, names):
            attempt.delete()
            address_limit.block(network, ip, failures=failures, names=names)
            address_limit.count_refusal()
            raise ValidationError(ADDRESS_BLOCKED, code="address_blocked")
    if _failures(username) > MAX_LOGIN_FAILURES:
        attempt.delete()
        raise ValidationError(LOCKED, code="locked")
    return attempt


def clear(username: str) -> None:
    """A successful sign-in (or a new password) forgets earlier failures."""
    LoginFailure.objects.filter(username__iexact=username).delete()


def request_address(request: HttpRequest | None) -> str | None:
    """The client's address as `client_ip` sees it behind the proxy, or None if it is not an IP address."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None


def _take_back(attempt: LoginFailure) -> None:
    """Forget an attempt whose password check failed with a server error; if the database is what failed,
    the row may not go either (it then counts until the window ends, as before)."""
    with suppress(DatabaseError):  # the error that brought us here is the one to report
        LoginFailure.objects.filter(pk=attempt.pk).delete()


LOCKED = _("登录失败次数过多，账号已暂时锁定，请 15 分钟后再试或联系管理员。")
#: Says nothing of the name or the password: the attempt was refused before either was looked at.
ADDRESS_BLOCKED = _("来自您所在网络的登录失败次数过多，已暂停从该网络登录，请 15 分钟后再试。")


class LockoutMixin:
    """Count each attempt before its password is checked; refuse a locked name or a blocked client network;
    a real sign-in clears the name's count."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]

    def clean(self) -> dict:
        """Count the attempt, check the password; a server error while checking it (the database gone) takes
        the attempt back: it is no wrong password, and five of them must not lock out the right one."""
        username = (self.cleaned_data.get("username") or "").strip()
        if not username or not self.cleaned_data.get("password"):
            # Nothing to check: Django's form reports the missing field. Neither a failure nor a success.
            return super().clean()  # type: ignore[misc]
        attempt = begin_attempt(username, request_address(self.request))  # refused: raises
        try:
            cleaned = super().clean()  # type: ignore[misc]  # a wrong password raises: the attempt stays counted
        except ValidationError:
            raise
        except Exception:
            _take_back(attempt)
            raise
        if self.get_user() is not None:  # type: ignore[attr-defined]
            clear(username)
        return cleaned


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    """The staff sign-in form (/accounts/login/)."""


class AdminLockoutAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    """The Django admin's sign-in form (/admin/login/): the same lockout, or the admin would bypass it."""
