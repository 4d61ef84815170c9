"""Persisted hot-spot runs (热点问题): one run per window, its ranked clusters and their orders."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.hotspots.choices import RunKind


class HotspotRun(models.Model):
    """One computation of the hot spots of a window [start, end), kept so that pages are fast."""

    kind = models.CharField(_("类型"), max_length=8, choices=RunKind.choices, default=RunKind.CUSTOM)
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    computed_at = models.DateTimeField(_("计算时间"))
    orders_considered = models.PositiveIntegerField(_("参与聚类的工单数"), default=0)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("热点计算")
        verbose_name_plural = _("热点计算")
        ordering = ["-start", "-id"]
        constraints = [models.UniqueConstraint(fields=["start", "end"], name="hotspot_run_window")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


class Hotspot(models.Model):
    """A hot issue of a run: a cluster of orders about one problem, with its heat (热度指数).

    Recomputing a run updates its hot spots in place (`services.compute`): a cluster found again keeps its
    row (and id, so links and a 每月一题 theme's `hotspot` stay valid); one no longer found is kept with
    `is_current` off (its page says it is no longer a hot spot; lists leave it out).
    """

    run = models.ForeignKey(HotspotRun, on_delete=models.CASCADE, related_name="hotspots")
    rank = models.PositiveIntegerField(_("热度排名"))
    heat = models.FloatField(_("热度指数"))
    title = models.CharField(_("问题描述"), max_length=200)
    place = models.CharField(_("地点/人群"), max_length=200, blank=True)
    first_at = models.DateTimeField(_("最早"))
    last_at = models.DateTimeField(_("最晚"))
    orders = models.PositiveIntegerField(_("工单数"))
    people = models.PositiveIntegerField(_("诉求人数"))
    supports = models.PositiveIntegerField(_("支持数"), default=0)
    previous_orders = models.PositiveIntegerField(_("上期工单数"), default=0)
    growth = models.FloatField(_("增长倍数"), null=True, blank=True)
    weeks_active = models.PositiveSmallIntegerField(_("出现周数"), default=1)
    is_warning = models.BooleanField(_("突增预警"), default=False)
    is_current = models.BooleanField(_("当前热点"), default=True,
                                     help_text=_("最近一次计算仍是热点；否则为已不再是热点的旧记录（保留以免链接失效）"))
    tickets = models.ManyToManyField("tickets.Ticket", through="HotspotMember", related_name="+")

    class Meta:
        verbose_name = _("热点问题")
        verbose_name_plural = _("热点问题")
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return f"#{self.rank} {self.title}"


class HotspotMember(models.Model):
    """An order that belongs to a hot issue (in the run's window)."""

    hotspot = models.ForeignKey(Hotspot, on_delete=models.CASCADE, related_name="members")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotspot", "ticket"], name="hotspot_member_once")]

    def __str__(self) -> str:
        return f"{self.hotspot_id} ← {self.ticket_id}"
