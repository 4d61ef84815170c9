"""API keys for integrations and the records that make order creation idempotent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.api.scopes import Scope


class ApiKey(models.Model):
    """A named, scoped, revocable key an integration presents (接口密钥). Only its SHA-256 hash is kept.

    `user` is the dedicated service account the key acts as (the services need an actor): a handler of
    `unit` for a unit key, an intake agent for a centre key that creates orders, a read-only account
    otherwise. `intake_user` is set only for a key whose `user` cannot register orders but that may
    create or transfer them (e.g. a unit key with `create` or `transfer`); such a unit key transfers only
    the orders its intake account registered (`Principal.may_take_on`).
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    hashed_key = models.CharField(max_length=64)
    scopes = models.JSONField(_("权限范围"), default=list)
    unit = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("代表单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="api_keys")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key")
    intake_user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="api_intake_key")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        """True when the key is live and carries this scope."""
        return self.is_active and scope in self.scopes

    def actor_for(self, scope: str):  # noqa: ANN201 - User
        """The account that takes a step needing this scope (creating and transferring use the intake account)."""
        if scope in (Scope.CREATE, Scope.TRANSFER) and self.intake_user_id:
            return self.intake_user
        return self.user


class IdempotencyRecord(models.Model):
    """The first successful response to a POST carrying an `Idempotency-Key`, replayed for every retry.

    Written in the same transaction as the order it created, so a record exists exactly when the order does.
    """

    principal = models.CharField(max_length=80)  # "key:<id>" or "user:<id>"
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.TextField(blank=True)
    #: The sensitive views the response showed (JSON list of access entries: a full phone number, a
    #: confidential order), recorded again for every replay, which shows them again.
    shown = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="uniq_idempotency_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
