"""Rollups behind the dashboards (统计汇总): daily counters, open load by deadline, and a per-order ledger.

`DailyRollup` holds event counts per day, unit and one breakdown (`kind` + `key`); `OpenLoad` holds the
orders now with a unit, bucketed by the hour their running deadline falls due; `RollupMark` remembers,
per order, what has already been counted, so re-delivered or late signals never count twice.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: `unit_id` of rows summed over every unit (what centre staff see).
ALL_UNITS = -1

#: Event counters of a `DailyRollup` row, in column order.
COUNTERS = (
    "created", "answered", "dispatched", "returned", "replied", "rehandled", "closed", "finished",
    "reopened", "supervised", "visits", "resolved", "satisfied", "basically", "unsatisfied",
    "direct_base", "direct_answered",
)


class Kind(models.TextChoices):
    """The breakdown a `DailyRollup` row belongs to."""

    ALL = "all", _("合计")
    CHANNEL = "channel", _("渠道")
    TYPE = "type", _("诉求类型")
    CATEGORY = "cat1", _("一级分类")
    DISTRICT = "district", _("区")
    HOT = "hot", _("分类×区")


class DailyRollup(models.Model):
    """Counts of lifecycle events on one day for one unit (or `ALL_UNITS`) and one breakdown key.

    `unit_id` is the lead unit the event concerned (dispatch, reply, return visit …); events of the
    centre alone (registration, direct answers) are counted only under `ALL_UNITS`. `key` is the
    channel, request type, level-1 category id, district id or "category-district" ('' for `all`;
    '0' where the order has none).
    """

    kind = models.CharField(max_length=8, choices=Kind.choices)
    unit_id = models.IntegerField()
    day = models.DateField()
    key = models.CharField(max_length=40, blank=True)
    created = models.IntegerField(_("受理"), default=0)
    answered = models.IntegerField(_("直接答复"), default=0)
    dispatched = models.IntegerField(_("派单"), default=0)
    returned = models.IntegerField(_("退单"), default=0)
    replied = models.IntegerField(_("答复"), default=0)
    rehandled = models.IntegerField(_("重办"), default=0)
    closed = models.IntegerField(_("回访办结"), default=0)
    finished = models.IntegerField(_("办结"), default=0)
    reopened = models.IntegerField(_("重新启用"), default=0)
    supervised = models.IntegerField(_("催办/督办"), default=0)
    visits = models.IntegerField(_("有效回访"), default=0)
    resolved = models.IntegerField(_("已解决"), default=0)
    satisfied = models.IntegerField(_("满意"), default=0)
    basically = models.IntegerField(_("基本满意"), default=0)
    unsatisfied = models.IntegerField(_("不满意"), default=0)
    direct_base = models.IntegerField(_("受理（不含并单和主动发现）"), default=0)
    direct_answered = models.IntegerField(_("其中直接答复办结"), default=0)

    class Meta:
        verbose_name = _("日汇总")
        verbose_name_plural = _("日汇总")
        constraints = [
            models.UniqueConstraint(fields=["kind", "unit_id", "day", "key"], name="dashboards_rollup_key"),
        ]
        # The unique key serves one scope's rows over a period; this one the per-unit table of a month.
        indexes = [models.Index(fields=["kind", "day"], name="dashboards_rollup_kind_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind}:{self.key} unit {self.unit_id}"


class OpenLoad(models.Model):
    """Orders now with a lead unit, by the hour their running deadline falls due.

    `due_hour` counts hours since the Unix epoch (UTC); 0 means no deadline is running (replied, or
    paused while waiting for the citizen). "Overdue now" for a unit is the sum over hours before the
    current one: what the SLA sweep turns red, known without waiting for the sweep or reading orders.
    """

    unit_id = models.IntegerField()
    due_hour = models.IntegerField(default=0)
    open = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("在办分布")
        verbose_name_plural = _("在办分布")
        constraints = [models.UniqueConstraint(fields=["unit_id", "due_hour"], name="dashboards_load_key")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} due {self.due_hour}: {self.open}"


class RollupMark(models.Model):
    """What the rollups already hold for one order: its last counted step and its counted state.

    `proactive` is whether the order was counted as the centre's own (未诉先办: outside 直接答复率); None
    for a mark written before the 直接答复率 counters existed, whose counts hold none of them.
    """

    ticket = models.OneToOneField("tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=16, blank=True)
    request_type = models.CharField(max_length=16, blank=True)
    category = models.IntegerField(default=0)
    district = models.IntegerField(default=0)
    proactive = models.BooleanField(null=True, default=None)
    load_unit = models.IntegerField(default=0)
    load_due = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq}"
