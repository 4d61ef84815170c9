"""Append-only audit tables: who saw a full phone number or a confidential order, and admin changes.

Rows are written once and never changed: the models refuse `save()` of an existing row and `delete()`,
and database triggers (migration 0002) refuse UPDATE (and DELETE on PostgreSQL). People are kept as
id + name, not a foreign key, so that deleting a user never rewrites the trail.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An audit record may be read and added to, never changed or removed."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit records are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit records are append-only")


class AppendOnly(models.Model):
    """Common fields and the append-only rule."""

    at = models.DateTimeField(_("时间"), db_index=True)
    user_id = models.BigIntegerField(_("用户ID"), null=True, blank=True)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=128, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit records are append-only")


class AccessKind(models.TextChoices):
    FULL_PHONE = "full_phone", _("查看完整号码")
    CONFIDENTIAL = "confidential", _("查看保密工单")


class AccessRecord(AppendOnly):
    """One view of a caller's full phone number or of a confidential order (敏感信息访问记录)."""

    kind = models.CharField(_("类型"), max_length=16, choices=AccessKind.choices)
    #: What was seen: "ticket" (an order number), "call" (a call id) or another source's name.
    subject_type = models.CharField(_("对象类型"), max_length=16)
    subject = models.CharField(_("对象"), max_length=64)
    path = models.CharField(_("页面"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("敏感信息访问记录")
        verbose_name_plural = _("敏感信息访问记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject"], name="ops_access_subject"),
                   models.Index(fields=["user_id", "at"], name="ops_access_user")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.kind} {self.subject}"


class AdminAction(models.TextChoices):
    ADD = "add", _("新增")
    CHANGE = "change", _("修改")
    DELETE = "delete", _("删除")


class AdminChange(AppendOnly):
    """One object added, changed or deleted through the admin site, with each field's before and after."""

    action = models.CharField(_("操作"), max_length=8, choices=AdminAction.choices)
    model = models.CharField(_("模型"), max_length=100)  # app_label.model_name
    object_pk = models.CharField(_("对象主键"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    #: {field: [before, after]}; secrets (passwords, keys) appear masked: "***", or "***(已更改)" when replaced.
    changes = models.JSONField(_("变更内容"), default=dict)

    class Meta:
        verbose_name = _("管理后台变更记录")
        verbose_name_plural = _("管理后台变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_pk"], name="ops_adminchange_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.model}#{self.object_pk}"
