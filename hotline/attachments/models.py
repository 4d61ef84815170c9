"""Files attached to an order (附件): photos, voice recordings, videos."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Attachment(models.Model):
    """One stored file. Served only through a view that checks the order is visible to the person asking."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    kind = models.CharField(_("类型"), max_length=8)
    content_type = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    is_public = models.BooleanField(_("公开"), default=False, help_text=_("群众可在查询页看到"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
