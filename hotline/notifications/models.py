"""The log of every message sent to a citizen (通知记录); it also makes sending idempotent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.notifications.choices import Channel, DeliveryStatus, Template


class Notification(models.Model):
    """One message about one order. A step's event gives at most one message per template.

    Secrets meant only for the citizen's phone (the rating link's token) are not kept in `body`.
    """

    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="notifications")
    event = models.ForeignKey("tickets.TimelineEvent", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    template = models.CharField(_("模板"), max_length=16, choices=Template.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    to = models.CharField(_("接收人"), max_length=254)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "template"], condition=models.Q(event__isnull=False),
                                    name="uniq_notification_event_template"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created")]

    def __str__(self) -> str:
        return f"{self.get_template_display()} #{self.pk} ({self.ticket_id})"
