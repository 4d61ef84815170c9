"""Users with a role, and their memberships in handling units."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.accounts.choices import CENTRE_ROLES, UNIT_ROLES, Role


class User(AbstractUser):
    """A person working in the platform: centre staff (受理, 派单, 督办, 质检, 领导) or unit staff."""

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.INTAKE)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    units = models.ManyToManyField(
        "orgs.HandlingUnit", through="Membership", related_name="members", verbose_name=_("所属单位"), blank=True
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a new password (`set_password`, not a hash upgrade at sign-in) also lifts the sign-in lockout.

        An administrator resetting a locked agent's password (admin page, `changepassword`) or the user
        changing their own, signed in, means the person holding the account is known again.
        """
        password_set = self._password is not None  # type: ignore[attr-defined]  # cleared by super().save()
        super().save(*args, **kwargs)
        if password_set:
            LoginFailure.objects.filter(username__iexact=self.username).delete()

    @property
    def is_centre_staff(self) -> bool:
        """Centre roles see every order; unit roles see only their units' orders."""
        return self.role in CENTRE_ROLES

    @property
    def is_unit_staff(self) -> bool:
        return self.role in UNIT_ROLES


class Membership(models.Model):
    """A user belongs to a handling unit and acts for it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey("orgs.HandlingUnit", on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("单位成员")
        verbose_name_plural = _("单位成员")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class LoginFailure(models.Model):
    """One failed sign-in, kept to lock an account after repeated failures (登录失败锁定), and to block a
    client network whose failures spread over many account names (密码喷洒)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    #: What the address limit counts the failure for: `hotline.core.ratelimit.address_key` of `ip` (an IPv4
    #: address, an IPv6 /64 network); empty without an address.
    network = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [models.Index(fields=["network", "at"], name="accounts_failure_network_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class AddressBlock(models.Model):
    """A client network refused at sign-in for a while: its failed sign-ins spread over many account names
    (密码喷洒拦截). Written once when the network is found over the limit; it is also the audit record."""

    network = models.CharField(_("网络"), max_length=64)
    ip = models.GenericIPAddressField(_("触发地址"), null=True, blank=True)
    since = models.DateTimeField(_("开始时间"))
    until = models.DateTimeField(_("结束时间"))
    failures = models.PositiveIntegerField(_("失败次数"))
    names = models.PositiveIntegerField(_("账号数"))

    class Meta:
        verbose_name = _("登录地址封禁")
        verbose_name_plural = _("登录地址封禁")
        ordering = ["-since"]
        indexes = [models.Index(fields=["network", "until"], name="accounts_block_network_until")]

    def __str__(self) -> str:
        return f"{self.network} {self.since:%Y-%m-%d %H:%M}"
