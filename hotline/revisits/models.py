"""Rules saying which closed orders get a second return visit (二次回访), and the visits themselves."""

from __future__ import annotations

import re

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.revisits.choices import REOPENED_NOTE, Outcome, VisitState
from hotline.taxonomy.choices import RequestType


class RevisitRule(models.Model):
    """Which resolved orders are checked again, and after how many days (edited by the centre in the admin).

    An order qualifies when its request type matches (blank: any) and either its category is one of the
    rule's categories or below one, or its title/description contains one of the keywords. A rule with
    neither categories nor keywords takes every order of its request type.
    """

    name = models.CharField(_("名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)
    request_type = models.CharField(_("诉求类型"), max_length=16, choices=RequestType.choices, blank=True,
                                    default=RequestType.COMPLAINT, help_text=_("留空表示任何诉求类型"))
    categories = models.ManyToManyField("taxonomy.Category", verbose_name=_("诉求分类"), blank=True,
                                        related_name="+", help_text=_("含下级分类"))
    keywords = models.TextField(_("关键词"), blank=True,
                                help_text=_("以空格、逗号或换行分隔；标题或诉求内容含任一关键词即适用"))
    delay_days = models.PositiveSmallIntegerField(_("回访间隔（天）"), default=30,
                                                  validators=[MinValueValidator(1), MaxValueValidator(365)])
    max_attempts = models.PositiveSmallIntegerField(_("最多联系次数"), default=3,
                                                    validators=[MinValueValidator(1), MaxValueValidator(10)])
    retry_days = models.PositiveSmallIntegerField(_("未联系上时间隔（天）"), default=1,
                                                  validators=[MinValueValidator(1), MaxValueValidator(30)])

    class Meta:
        verbose_name = _("二次回访规则")
        verbose_name_plural = _("二次回访规则")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        """The keywords, one by one."""
        return [k for k in re.split(r"[\s,，、;；]+", self.keywords) if k]


class SecondVisit(models.Model):
    """One delayed re-check of a closed order: due some days after closing, retried when nobody answers."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="second_visits")
    rule = models.ForeignKey(RevisitRule, verbose_name=_("规则"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="visits")
    close_event = models.ForeignKey("tickets.TimelineEvent", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("办结时间"))
    due_at = models.DateTimeField(_("应回访时间"), db_index=True)
    state = models.CharField(_("状态"), max_length=12, choices=VisitState.choices, default=VisitState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("联系次数"), default=0)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    finished_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    note = models.TextField(_("回访记录"), blank=True)
    reopen_event = models.ForeignKey("tickets.TimelineEvent", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("二次回访")
        verbose_name_plural = _("二次回访")
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["close_event"], name="uniq_second_visit_per_close")]
        indexes = [models.Index(fields=["state", "due_at"], name="second_visit_state_due")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"

    @property
    def shown_note(self) -> str:
        """The note as shown: the system's own cancellation note in the reader's language, people's as written."""
        return gettext(REOPENED_NOTE) if self.note == REOPENED_NOTE else self.note


class Attempt(models.Model):
    """One call of a second visit and what came of it."""

    visit = models.ForeignKey(SecondVisit, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices)
    note = models.TextField(_("记录"), blank=True)

    class Meta:
        verbose_name = _("二次回访记录")
        verbose_name_plural = _("二次回访记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.outcome}"
