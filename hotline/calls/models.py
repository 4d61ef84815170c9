"""Calls (来电): the PBX sources, agents, the raw CTI events and the records derived from them; callbacks.

Raw `CallEvent`s are stored once each (by source and event id) and never changed. `Call` and
`AgentSpan` are derived: recomputed from all the events of a call / an agent's day in event-time
order, so late, repeated or out-of-order delivery gives the same result.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.calls.choices import (
    UNFINISHED,
    AgentState,
    CallbackAction,
    CallbackOutcome,
    CallbackStatus,
    Disposition,
    EventType,
)
from hotline.core.privacy import mask_phone


class PbxSource(models.Model):
    """A PBX/ACD allowed to post CTI events, with its shared secret (HMAC-SHA256)."""

    key = models.SlugField(_("接入标识"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    secret = models.CharField(_("共享密钥"), max_length=128)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("话务平台接入")
        verbose_name_plural = _("话务平台接入")

    def __str__(self) -> str:
        return self.name or self.key


class Agent(models.Model):
    """A PBX agent id / extension (工号/分机), mapped to the person who works on it."""

    extension = models.CharField(_("工号/分机"), max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="pbx_agents", verbose_name=_("用户"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("坐席")
        verbose_name_plural = _("坐席")
        ordering = ["extension"]

    def __str__(self) -> str:
        if self.user_id:
            return f"{self.user} ({self.extension})"
        return self.name or self.extension


class CallEvent(models.Model):
    """One CTI event as the PBX sent it (stored once, never changed)."""

    source = models.ForeignKey(PbxSource, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=64)
    type = models.CharField(max_length=24, choices=EventType.choices)
    at = models.DateTimeField()
    call_id = models.CharField(max_length=64, blank=True, db_index=True)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("话务事件")
        verbose_name_plural = _("话务事件")
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="calls_event_once")]
        indexes = [models.Index(fields=["agent", "at"], name="calls_event_agent_at")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class Call(models.Model):
    """One call, as derived from its events (来电记录): one per PBX source and call id."""

    #: Call ids are the PBX's own: two PBXs may both number a call "c-88", so a call is its source's.
    source = models.ForeignKey(PbxSource, on_delete=models.PROTECT, related_name="calls",
                               verbose_name=_("话务平台接入"))
    call_id = models.CharField(_("呼叫标识"), max_length=64)
    caller = models.CharField(_("来电号码"), max_length=32, blank=True, db_index=True)
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="calls",
                              verbose_name=_("坐席"))
    disposition = models.CharField(_("结果"), max_length=16, choices=Disposition.choices,
                                   default=Disposition.IN_PROGRESS)
    offered_at = models.DateTimeField(_("来电时间"))
    queued_at = models.DateTimeField(_("排队时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)
    abandoned_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    wrap_end_at = models.DateTimeField(_("话后处理结束"), null=True, blank=True)
    transferred_to = models.CharField(_("转接至"), max_length=32, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=32, blank=True)
    #: The half-hour the call entered the queue in (metrics group by it).
    interval_start = models.DateTimeField(null=True, blank=True)
    wait_seconds = models.FloatField(null=True, blank=True)
    talk_seconds = models.FloatField(null=True, blank=True)
    wrap_seconds = models.FloatField(null=True, blank=True)
    events_count = models.PositiveIntegerField(default=0)
    orders = models.ManyToManyField("tickets.Ticket", through="CallOrder", related_name="calls", blank=True)

    class Meta:
        verbose_name = _("来电记录")
        verbose_name_plural = _("来电记录")
        constraints = [models.UniqueConstraint(fields=["source", "call_id"], name="calls_call_once")]
        indexes = [
            models.Index(fields=["interval_start", "disposition"], name="calls_call_interval"),
            models.Index(fields=["agent", "answered_at"], name="calls_call_agent_answered"),
            models.Index(fields=["answered_at"], name="calls_call_answered"),
        ]

    def __str__(self) -> str:
        return self.call_id


class CallOrder(models.Model):
    """An order registered during a call (or during its callback)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="order_links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="call_links")
    linked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("来电关联工单")
        verbose_name_plural = _("来电关联工单")
        constraints = [models.UniqueConstraint(fields=["call", "ticket"], name="calls_order_once")]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.ticket_id}"


class AgentSpan(models.Model):
    """A stretch of one local day an agent spent in one state (derived from the agent's events)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="spans")
    day = models.DateField()
    state = models.CharField(max_length=12, choices=AgentState.choices)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)  # None: still in this state

    class Meta:
        verbose_name = _("坐席状态")
        verbose_name_plural = _("坐席状态")
        indexes = [models.Index(fields=["day", "agent"], name="calls_span_day"),
                   models.Index(fields=["start"], name="calls_span_start"),
                   # an agent's last day with spans (the state carried over days without events)
                   models.Index(fields=["agent", "day"], name="calls_span_agent_day")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.state} {self.start:%H:%M}"


class Callback(models.Model):
    """A missed caller to call back (漏接回拨), with its deadline and attempts."""

    phone = models.CharField(_("回拨号码"), max_length=32, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=CallbackStatus.choices,
                              default=CallbackStatus.OPEN, db_index=True)
    first_missed_at = models.DateTimeField(_("首次未接时间"))
    last_missed_at = models.DateTimeField(_("最近未接时间"))
    missed_count = models.PositiveIntegerField(_("未接次数"), default=1)
    due_at = models.DateTimeField(_("回拨时限"))
    next_attempt_at = models.DateTimeField(_("可再次回拨时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("已回拨次数"), default=0)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("回拨人"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("最近结果"), max_length=16, choices=CallbackOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="callbacks", verbose_name=_("关联工单"))
    #: The answered call that made this callback unnecessary (the caller got through).
    superseded_by = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("漏接回拨")
        verbose_name_plural = _("漏接回拨")
        indexes = [models.Index(fields=["status", "due_at"], name="calls_callback_queue")]
        constraints = [  # one callback in the queue or being called per number: two agents never call one caller
            models.UniqueConstraint(fields=["phone"], condition=models.Q(status__in=sorted(UNFINISHED)),
                                    name="calls_callback_one_unfinished"),
        ]

    def __str__(self) -> str:
        """The number masked: this names the callback in the admin and in logs (docs/security.md)."""
        return f"{mask_phone(self.phone)} {self.status}"


class CallbackCall(models.Model):
    """A missed call that a callback answers for (several missed calls of one caller → one callback)."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="call_links")
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="callback_link")

    def __str__(self) -> str:
        return f"{self.callback_id} ← {self.call_id}"


class CallbackEvent(models.Model):
    """The audit record of one change of a callback (who, when, from → to, why)."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    action = models.CharField(max_length=16, choices=CallbackAction.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("回拨记录")
        verbose_name_plural = _("回拨记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.action}"
