"""Locking an account name after repeated failed sign-ins, across every server process (kept in the database)."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hotline.accounts.constants import LOCKOUT_WINDOW, MAX_LOGIN_FAILURES
from hotline.accounts.models import LoginFailure
from hotline.core import clock


def is_locked(username: str) -> bool:
    """True while the name has MAX_LOGIN_FAILURES failures within the window."""
    since = clock.now() - LOCKOUT_WINDOW
    return LoginFailure.objects.filter(username__iexact=username, at__gte=since).count() >= MAX_LOGIN_FAILURES


def record_failure(username: str, ip: str | None) -> None:
    """Remember one failed attempt."""
    LoginFailure.objects.create(username=username[:150], ip=ip or None, at=clock.now())


def clear(username: str) -> None:
    """A successful sign-in forgets earlier failures."""
    LoginFailure.objects.filter(username__iexact=username).delete()


LOCKED = _("登录失败次数过多，账号已暂时锁定，请 15 分钟后再试或联系管理员。")


class LockoutMixin:
    """Refuse a locked name before checking the password; count failures; a success clears them."""

    def clean(self) -> dict:
        username = (self.cleaned_data.get("username") or "").strip()
        if username and is_locked(username):
            raise ValidationError(LOCKED, code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                meta = self.request.META if self.request else {}
                record_failure(username, meta.get("REMOTE_ADDR"))
            raise
        clear(username)
        return cleaned


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    """The staff sign-in form (/accounts/login/)."""


class AdminLockoutAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    """The Django admin's sign-in form (/admin/login/): the same lockout, or the admin would bypass it."""
