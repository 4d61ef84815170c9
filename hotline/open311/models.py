"""What the Open311 adapter keeps besides the order itself: who submitted it and the spec's extra fields."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmittedRequest(models.Model):
    """One order created through `POST requests` (Open311 提交记录): its token and the fields the order lacks.

    The token answers `GET tokens/{token}`; e-mail, device and account ids stay here, never in the
    public output.
    """

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="open311")
    token = models.CharField(_("令牌"), max_length=40, unique=True)
    service_code = models.CharField(_("服务代码"), max_length=20)
    api_key = models.ForeignKey("api.ApiKey", verbose_name=_("接口密钥"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("电子邮箱"), blank=True)
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    account_id = models.CharField(_("账号标识"), max_length=100, blank=True)
    media_url = models.URLField(_("图片链接"), max_length=500, blank=True)
    attributes = models.JSONField(_("附加属性"), default=dict, blank=True)
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.token} → {self.ticket_id}"
