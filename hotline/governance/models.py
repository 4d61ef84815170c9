"""Governance themes (每月一题): a city problem the centre takes on as a project, and its record of steps.

Change them only through `hotline.governance.services`; `version` counts a theme's events and is the
optimistic-lock token, as on orders.
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.governance.choices import ThemeAction, ThemeStatus


class ThemeQuerySet(models.QuerySet["Theme"]):
    def visible_to(self, user: object) -> ThemeQuerySet:
        """Centre staff see every theme; unit staff the themes their units (or units below) lead or assist."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_centre_staff:
            return self
        if not user.is_unit_staff:
            return self.none()
        from hotline.orgs.models import HandlingUnit

        units = HandlingUnit.objects.subtree_of(list(user.units.all()))
        return self.filter(Q(lead__in=units) | Q(assisting__in=units)).distinct()


class Theme(models.Model):
    """One problem taken on for proactive governance (主动治理, 每月一题): who leads, by when, and the orders behind it."""

    title = models.CharField(_("专题名称"), max_length=200)
    problem = models.TextField(_("问题描述"))
    month = models.DateField(_("所属月份"), help_text=_("每月一题的月份（当月 1 日）"))
    status = models.CharField(_("状态"), max_length=12, choices=ThemeStatus.choices, default=ThemeStatus.ADOPTED)
    lead = models.ForeignKey("orgs.HandlingUnit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("牵头单位"))
    assisting = models.ManyToManyField("orgs.HandlingUnit", blank=True, related_name="+",
                                       verbose_name=_("配合单位"))
    due_date = models.DateField(_("整改时限"))
    # What the effect is measured on (治理成效): orders of the category (and below) in the district with a keyword.
    category = models.ForeignKey("taxonomy.Category", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("诉求分类"))
    district = models.ForeignKey("orgs.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("区域"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True,
                                help_text=_("以空格或逗号分隔；标题或诉求内容含任一关键词即计入"))
    # The hot spot it was taken on from. Recomputing a window keeps its hot spots' rows (a spot that drops
    # out is marked not current); should one be deleted the link becomes NULL, so what it came from is kept
    # too: the spot's title and window, and its orders (`orders`), by which hot spots are matched to themes
    # (`selectors.themes_of_hotspots`).
    hotspot = models.ForeignKey("hotspots.Hotspot", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("来源热点"))
    source_title = models.CharField(_("来源热点"), max_length=200, blank=True)
    source_window = models.CharField(_("来源热点周期"), max_length=40, blank=True,
                                     help_text=_("热点问题所属的月份（YYYY-MM）、周（YYYY-Www）或时段"))
    orders = models.ManyToManyField("tickets.Ticket", blank=True, related_name="+",
                                    verbose_name=pgettext_lazy("governance", "关联工单"))
    plan = models.TextField(_("整改方案"), blank=True)
    result = models.TextField(_("整改结果"), blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("立项时间"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")
        ordering = ["-month", "-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="theme_status_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        """The keywords, one by one."""
        return [k for k in re.split(r"[\s,，、;；]+", self.keywords) if k]


class ThemeEvent(models.Model):
    """One step of a theme (立项, 方案, 进展, 验收 …): append-only, like an order's timeline."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=100)
    unit = models.ForeignKey("orgs.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=12, choices=ThemeAction.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    note = models.TextField(_("内容"), blank=True)

    class Meta:
        verbose_name = _("专题记录")
        verbose_name_plural = _("专题记录")
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["theme", "seq"], name="theme_event_seq")]

    def __str__(self) -> str:
        return f"{self.theme_id}#{self.seq} {self.action}"


class ThemeOrder(models.Model):
    """A proactive order (主动发现, 未诉先办) raised for a theme (每月一题): which theme, who linked it, when.

    Written with the order's registration (`services.link_proactive_order`); the theme's page lists its
    proactive orders by these rows. An order is raised for one theme.
    """

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="raised_orders",
                              verbose_name=_("每月一题"))
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("主动治理工单"))
    linked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("派发人"))
    linked_at = models.DateTimeField(_("派发时间"))

    class Meta:
        verbose_name = _("主动治理工单")
        verbose_name_plural = _("主动治理工单")

    def __str__(self) -> str:
        return f"{self.theme_id} → {self.ticket_id}"
