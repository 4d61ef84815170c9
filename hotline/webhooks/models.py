"""Subscriptions, deliveries and the attempt log of outbound webhooks (事件推送)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.webhooks.choices import ALL_EVENTS, DeliveryStatus, SubscriptionKind


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class Subscription(models.Model):
    """An endpoint that receives signed events (订阅): its URL, secret and the event types it wants."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100, default=new_secret)
    event_types = models.JSONField(_("事件类型"), default=list, blank=True,
                                   help_text=_("留空或填 order.* 表示全部事件"))
    kind = models.CharField(_("类型"), max_length=8, choices=SubscriptionKind.choices,
                            default=SubscriptionKind.WEBHOOK)
    is_active = models.BooleanField(_("启用"), default=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("所有者"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        """True when this subscription asked for this event type."""
        return not self.event_types or ALL_EVENTS in self.event_types or event_type in self.event_types


class Delivery(models.Model):
    """One event for one subscription (推送记录), sent until it is acknowledged or gives up.

    `event_id` is the same for every subscription and every replay of one event, so receivers can
    drop duplicates; a replay is a new delivery pointing at the original.
    """

    subscription = models.ForeignKey(Subscription, verbose_name=_("订阅"), on_delete=models.PROTECT,
                                     related_name="deliveries")
    event_id = models.CharField(_("事件编号"), max_length=80)
    event_type = models.CharField(_("事件类型"), max_length=40)
    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    replay_of = models.ForeignKey("self", verbose_name=_("重放自"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="replays")

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], condition=models.Q(replay_of__isnull=True),
                                    name="uniq_delivery_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription} #{self.pk}"


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery (投递日志): the answer, or the error, and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"))
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    response_excerpt = models.TextField(_("响应摘要"), blank=True)
    error = models.TextField(_("错误"), blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = _("投递尝试")
        ordering = ["delivery_id", "number"]
        constraints = [  # one attempt per number: a deliverer that lost its lease records nothing (deliverer.attempt)
            models.UniqueConstraint(fields=["delivery", "number"], name="uniq_delivery_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.delivery_id}/{self.number} {self.status_code or self.error[:30]}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
