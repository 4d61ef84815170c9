"""Caller profiles (来电人档案): tags (来电人标签) and a note kept on a normalised phone number, and their change log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.callers.constants import NOTE_MAX_LENGTH, TAG_NAME_MAX_LENGTH


class CallerTag(models.Model):
    """A label the centre puts on callers (老年人, 听障（请用短信）, 恶意骚扰 …), edited in the admin.

    A sensitive tag (敏感标签) is shown only to the centre staff who answer and handle calls
    (`hotline.callers.permissions.SENSITIVE_ROLES`). A tag is switched off, never deleted: profiles keep it.
    """

    name = models.CharField(_("标签名称"), max_length=TAG_NAME_MAX_LENGTH, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True,
                                   help_text=_("提示坐席如何接待此类来电人"))
    is_sensitive = models.BooleanField(_("敏感标签"), default=False,
                                       help_text=_("仅受理员、派单员、督办员和系统管理员可见"))
    is_active = models.BooleanField(_("启用"), default=True, help_text=_("停用后不能再贴给来电人，已贴的保留"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("来电人标签")
        verbose_name_plural = _("来电人标签")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class CallerProfile(models.Model):
    """What the centre keeps on one phone number: its tags and a short note, with who changed them last.

    Changed only through `hotline.callers.services.update_profile`, which logs each change.
    """

    phone = models.CharField(_("来电号码"), max_length=32, unique=True)
    tags = models.ManyToManyField(CallerTag, verbose_name=_("标签"), blank=True, related_name="profiles")
    note = models.CharField(_("备注"), max_length=NOTE_MAX_LENGTH, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("更新人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("来电人档案")
        verbose_name_plural = _("来电人档案")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        from hotline.core.privacy import mask_phone

        return mask_phone(self.phone)


class CallerProfileChange(models.Model):
    """One change of a profile (档案变更记录): the tags and note before and after, who and when. Append-only."""

    profile = models.ForeignKey(CallerProfile, on_delete=models.PROTECT, related_name="changes")
    version = models.PositiveIntegerField(_("版本"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                              related_name="+")
    tags_before = models.JSONField(_("原标签"), default=list)
    tags_after = models.JSONField(_("新标签"), default=list)
    note_before = models.CharField(_("原备注"), max_length=NOTE_MAX_LENGTH, blank=True)
    note_after = models.CharField(_("新备注"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("来电人档案变更记录")
        verbose_name_plural = _("来电人档案变更记录")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["profile", "version"], name="caller_change_version")]

    def __str__(self) -> str:
        return f"{self.profile} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Write a new row only: a change once logged is never edited."""
        if self.pk is not None and not self._state.adding:
            raise ValueError("a caller profile change is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refused: the log is kept."""
        raise ValueError("a caller profile change is never deleted")
