"""Incidents (突发事件) and their temporary official answer scripts (临时口径), the audit trail of each
incident, and the orders (calls) each incident caused.

Incidents change only through `hotline.incidents.services`, which writes the `IncidentEvent` in the same
transaction; the links to orders are written by the services too (automatically at registration, or by
staff by hand).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.incidents.choices import EventKind, IncidentStatus, LinkHow
from hotline.incidents.constants import KEYWORDS_MAX_LENGTH, NOTE_MAX_LENGTH, TITLE_MAX_LENGTH
from hotline.incidents.matching import split_keywords


class Incident(models.Model):
    """An incident many citizens call about at once (突发事件: a burst water main, a power cut), with the
    answer the agents read out (答复口径) and the notice citizens see on the portal (公告).

    While published it matches callers' matters by time window, area and keyword or category
    (`hotline.incidents.matching`). `version` counts the audit entries and is the token that turns a
    second, conflicting save of the edit form into a conflict.
    """

    title = models.CharField(_("事件名称"), max_length=TITLE_MAX_LENGTH)
    script = models.TextField(_("答复口径"), blank=True, help_text=_("受理员向来电群众答复的内容；发布前必须填写"))
    public_notice = models.TextField(_("公众公告"), blank=True, help_text=_("显示在网上诉求门户；留空则不对公众公示"))
    category = models.ForeignKey("taxonomy.Category", verbose_name=_("诉求分类"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    areas = models.ManyToManyField("orgs.HandlingUnit", verbose_name=_("影响区域"), blank=True, related_name="+",
                                   help_text=_("区、街道或社区；不选为全市"))
    keywords = models.CharField(_("关键词"), max_length=KEYWORDS_MAX_LENGTH, blank=True,
                                help_text=_("以空格或逗号分隔，如：停水 没水 水压低"))
    lead_unit = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("处置单位"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    expected_end = models.DateTimeField(_("预计结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=IncidentStatus.choices,
                              default=IncidentStatus.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结束人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_note = models.CharField(_("结束说明"), max_length=NOTE_MAX_LENGTH, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        """The keywords, one by one."""
        return split_keywords(self.keywords)


class IncidentEvent(models.Model):
    """One entry of an incident's audit trail (操作记录): who did what, when, the status before and after,
    and what changed (`data`). Append-only."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT,
                              related_name="+")
    kind = models.CharField(_("操作"), max_length=12, choices=EventKind.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=IncidentStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=IncidentStatus.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("突发事件操作记录")
        verbose_name_plural = _("突发事件操作记录")
        ordering = ["incident_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["incident", "seq"], name="incident_event_seq")]

    def __str__(self) -> str:
        return f"{self.incident_id}#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Write a new row only: an entry once logged is never edited."""
        if self.pk is not None and not self._state.adding:
            raise ValueError("an incident event is never edited")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refused: the audit trail is kept."""
        raise ValueError("an incident event is never deleted")

    def changed_labels(self) -> list[str]:
        """The names of the fields an edit changed, as the form shows them."""
        labels = []
        for name in self.data.get("changed", []):
            try:
                labels.append(str(Incident._meta.get_field(name).verbose_name))
            except Exception:  # noqa: BLE001 - a field renamed since: show its stored name
                labels.append(name)
        return labels


class IncidentOrder(models.Model):
    """An order counted among an incident's calls (事件来电): matched at registration or linked by staff,
    and whether the agent answered it directly with the incident's script (按口径答复)."""

    incident = models.ForeignKey(Incident, verbose_name=_("突发事件"), on_delete=models.PROTECT,
                                 related_name="orders")
    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE,
                               related_name="incident_links")
    linked_at = models.DateTimeField(_("关联时间"))
    how = models.CharField(_("关联方式"), max_length=8, choices=LinkHow.choices)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("关联人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", help_text=_("空：登记时自动匹配"))
    keyword = models.CharField(_("匹配关键词"), max_length=KEYWORDS_MAX_LENGTH, blank=True,
                               help_text=_("自动匹配时找到的关键词；空：按诉求分类匹配或人工关联"))
    by_script = models.BooleanField(_("按口径直接答复"), default=False)

    class Meta:
        verbose_name = _("事件来电")
        verbose_name_plural = _("事件来电")
        ordering = ["-linked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["incident", "ticket"], name="incident_order_once")]

    def __str__(self) -> str:
        return f"{self.incident_id} ← {self.ticket_id}"
