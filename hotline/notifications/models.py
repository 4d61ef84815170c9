"""The log of every message sent to a citizen or a handling unit (通知记录), the alerts to units
(承办单位提醒) and their settings; the unique constraints make sending idempotent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.core.models import OneRow
from hotline.notifications.choices import (
    AlertScope,
    Channel,
    DeliveryStatus,
    Recipient,
    Template,
    UnitAlertKind,
)

if TYPE_CHECKING:
    from datetime import datetime


class Notification(models.Model):
    """One message. To a caller: about one order, at most one per (step's event, template).

    To a unit's duty phone (`recipient` unit): about one order, or several of one unit at once (a grouped
    alert, `ticket` empty); each order it is about is a `UnitAlert` row pointing here.
    Secrets meant only for the citizen's phone (the rating link's token) are not kept in `body`.
    """

    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="notifications")
    event = models.ForeignKey("tickets.TimelineEvent", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    template = models.CharField(_("模板"), max_length=16, choices=Template.choices)
    recipient = models.CharField(_("接收方"), max_length=8, choices=Recipient.choices, default=Recipient.CITIZEN)
    unit = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("承办单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    to = models.CharField(_("接收人"), max_length=254)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    #: When a sender claimed it (queued → sending): one left sending long after is reported as interrupted.
    claimed_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    #: Tries made so far (the first send included); a failed citizen text is retried up to MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    #: When a failed citizen text is tried again (补发); empty when it is not (sent, given up, a unit alert).
    next_attempt_at = models.DateTimeField(_("下次补发"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "template"], condition=models.Q(event__isnull=False),
                                    name="uniq_notification_event_template"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_created"),
                   models.Index(fields=["status", "next_attempt_at"], name="notification_retry_due")]

    def __str__(self) -> str:
        return f"{self.get_template_display()} #{self.pk} ({self.ticket_id})"


class UnitAlert(models.Model):
    """One order a handling unit was alerted about (承办单位提醒), once per assignment, kind and phase.

    A new dispatch, a rejected return, a counted chase, a formal supervision (督办) and an order given back to
    a unit to handle again (退回重办) are steps: their alert is keyed by the step's event. Due soon (黄灯) and overdue (红灯) are lights: keyed by the running deadline (`phase`, the
    assignment's `phase_started_at`, and `due`, its `phase_due`), so a unit hears once per deadline, and again
    only for a fresh one (the reply deadline after signing, a re-handling, an extension). `notification` is the SMS that carried it;
    empty when the unit has no mobile duty phone (recorded all the same, so that the centre sees it).
    """

    assignment = models.ForeignKey("tickets.Assignment", verbose_name=_("派单"), on_delete=models.PROTECT,
                                   related_name="+")
    kind = models.CharField(_("提醒类型"), max_length=16, choices=UnitAlertKind.choices)
    phase = models.DateTimeField(_("时限起算"), null=True, blank=True)
    #: The deadline the light was for: an approved extension moves it within the same phase, and the moved
    #: deadline is news again.
    due = models.DateTimeField(_("时限"), null=True, blank=True)
    event = models.ForeignKey("tickets.TimelineEvent", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    notification = models.ForeignKey(Notification, verbose_name=_("短信"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="unit_alerts")
    created_at = models.DateTimeField(_("创建时间"), db_index=True)

    class Meta:
        verbose_name = _("承办单位提醒")
        verbose_name_plural = _("承办单位提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "kind", "event"], condition=models.Q(event__isnull=False),
                                    name="uniq_unit_alert_event"),
            models.UniqueConstraint(fields=["assignment", "kind", "phase", "due"],
                                    condition=models.Q(event__isnull=True, phase__isnull=False),
                                    name="uniq_unit_alert_deadline"),
            models.CheckConstraint(condition=models.Q(event__isnull=False) | models.Q(phase__isnull=False),
                                   name="unit_alert_event_or_phase"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.assignment_id})"


#: How many orders a scope covers, to tell a widening (不发送 < 仅紧急、较急和水电气热 < 全部工单).
_WIDTH = {AlertScope.OFF: 0, AlertScope.PRESSING: 1, AlertScope.ALL: 2}
#: The light kinds, each with its own scope field and `…_since` moment.
_LIGHT_KINDS = ("due_soon", "overdue")


class UnitAlertSettings(OneRow):
    """Which alerts the handling units' duty phones get (承办单位提醒设置), one scope per kind."""

    dispatched = models.CharField(
        _("新派单提醒"), max_length=8, choices=AlertScope.choices, default=AlertScope.PRESSING,
        help_text=_("派单、指定派单、会商定责和驳回退单后提醒主办、协办单位"))
    due_soon = models.CharField(
        _("即将超期提醒"), max_length=8, choices=AlertScope.choices, default=AlertScope.ALL,
        help_text=_("签收或答复时限亮黄灯时提醒，每个时限一次"))
    overdue = models.CharField(
        _("已超期提醒"), max_length=8, choices=AlertScope.choices, default=AlertScope.ALL,
        help_text=_("签收或答复时限亮红灯时提醒，每个时限一次"))
    chased = models.CharField(
        _("群众催办提醒"), max_length=8, choices=AlertScope.choices, default=AlertScope.ALL,
        help_text=_("计入催办次数的群众催办提醒主办单位"))
    rehandle = models.CharField(
        _("退回重办提醒"), max_length=8, choices=AlertScope.choices, default=AlertScope.PRESSING,
        help_text=_("答复被退回重办、回访后重办时提醒主办单位，下级单位退回下派的工单时提醒下派单位"))
    supervised = models.CharField(
        _("督办提醒"), max_length=8, choices=AlertScope.choices, default=AlertScope.ALL,
        help_text=_("工单被督办（中心、区政府或市政府督办）时提醒仍在办理的主办、协办单位；一般催办不发短信"))
    #: Deadlines that turned yellow (即将超期) or red (已超期) before their kind's moment are not alerted: switching
    #: a kind on (or installing) does not send every old overdue order at once. Each is moved to now only when its
    #: own kind is widened, so widening one kind never drops the other kind's pending alerts (a worker outage).
    due_soon_since = models.DateTimeField(_("即将超期提醒起始时间"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("已超期提醒起始时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("承办单位提醒设置")
        verbose_name_plural = _("承办单位提醒设置")

    def __str__(self) -> str:
        return str(_("承办单位提醒设置"))

    @classmethod
    def current(cls) -> UnitAlertSettings:
        """The one settings row (created with the defaults on first use); read once per follow-up task."""
        from hotline.core import memo

        return memo.once("notifications.unit_alerts", lambda: cls.objects.get_or_create(pk=1)[0])

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        """Record each light kind's `…_since` on creation and whenever that kind is widened: from off to on, or
        from the pressing orders to all of them (the ordinary orders' old deadlines are as old news as any).
        Widening one kind leaves the other's moment alone."""
        from hotline.core import clock

        before = type(self).objects.filter(pk=self.pk).values("due_soon", "overdue").first() if self.pk else None
        moved = [f"{name}_since" for name in _LIGHT_KINDS
                 if getattr(self, f"{name}_since") is None or before is None
                 or _WIDTH[getattr(self, name)] > _WIDTH[before[name]]]
        now = clock.now()
        for field in moved:
            setattr(self, field, now)
        if moved and kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *moved}
        super().save(*args, **kwargs)

    def since(self, kind: str) -> datetime | None:
        """The moment before which a light kind's deadlines (yellow for 即将超期, red for 已超期) are no news."""
        return self.overdue_since if kind == UnitAlertKind.OVERDUE else self.due_soon_since

    def scope(self, kind: str) -> str:
        """The scope chosen for one alert kind."""
        return {UnitAlertKind.DISPATCHED: self.dispatched, UnitAlertKind.DUE_SOON: self.due_soon,
                UnitAlertKind.OVERDUE: self.overdue, UnitAlertKind.CHASED: self.chased,
                UnitAlertKind.REHANDLE: self.rehandle, UnitAlertKind.SUPERVISED: self.supervised}[kind]
