"""Triage records (智能研判): the duplicate index, repeat links, alerts for the shift lead, urgency rules and results."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.taxonomy.choices import Urgency


class DuplicateKey(models.Model):
    """What the duplicate lookup reads of one order: caller key, time, level-1 category, place, text signature.

    One row per order, written at registration; its indexes make the lookup two index range scans
    whatever the size of the order table.
    """

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, primary_key=True,
                                  related_name="duplicate_key")
    phone = models.CharField(max_length=16, blank=True)
    registered_at = models.DateTimeField()
    category1 = models.IntegerField(null=True, blank=True)
    place = models.CharField(max_length=24, blank=True)
    signature = models.BinaryField()

    class Meta:
        indexes = [
            models.Index(fields=["phone", "registered_at"], name="dupkey_phone_time"),
            models.Index(fields=["place", "registered_at"], name="dupkey_place_time"),
            models.Index(fields=["category1", "registered_at"], name="dupkey_category_time"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.place}"


class RepeatLink(models.Model):
    """An order is a repeat (重复件) of an earlier one: the same caller on the same matter."""

    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE,
                               related_name="repeat_links")
    earlier = models.ForeignKey("tickets.Ticket", verbose_name=_("此前工单"), on_delete=models.CASCADE,
                                related_name="repeated_by")
    similarity = models.FloatField(_("相似度"))
    #: Links made before reasons were structured keep their Chinese sentence here; new links leave it empty.
    reason = models.CharField(_("依据"), max_length=200, blank=True)
    #: The reason in structured form (`Reason.as_dict()`: repeat.same_caller or repeat.same_place), worded
    #: in the reader's language by `hotline.triage.reasons`.
    reason_data = models.JSONField(_("依据（结构化）"), default=dict, blank=True)
    created_at = models.DateTimeField(_("发现时间"))

    class Meta:
        verbose_name = _("重复件关联")
        verbose_name_plural = _("重复件关联")
        ordering = ["-similarity"]
        constraints = [models.UniqueConstraint(fields=["ticket", "earlier"], name="uniq_repeat_link")]

    def __str__(self) -> str:
        return f"{self.ticket_id} ↔ {self.earlier_id}"

    @property
    def shown_reason(self) -> dict | str:
        """What to word for the reader: the structured reason, or the sentence of a link stored earlier."""
        return self.reason_data or self.reason


class AlertKind(models.TextChoices):
    CLUSTER = "cluster", _("批量/群体性诉求")
    REPEAT_CALLER = "repeat_caller", _("同一诉求多次来电")
    #: An order assessed life-threatening that came in with no agent on the line (portal, app, API, partner).
    LIFE_UNATTENDED = "life_unattended", _("危及生命安全（无坐席受理）")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已知悉")


class Alert(models.Model):
    """An early warning for the shift lead (值班长预警): a cluster at one place, a caller's third order, or a
    life-threatening order that no agent took on the line."""

    kind = models.CharField(_("类型"), max_length=16, choices=AlertKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    title = models.CharField(_("摘要"), max_length=200)
    place = models.CharField(_("地点键"), max_length=24, blank=True)
    phone = models.CharField(_("来电人键"), max_length=16, blank=True)
    master = models.ForeignKey("tickets.Ticket", verbose_name=_("主工单"), on_delete=models.CASCADE,
                               related_name="+")
    tickets = models.ManyToManyField("tickets.Ticket", verbose_name=_("相关工单"), related_name="triage_alerts")
    callers = models.PositiveIntegerField(_("来电人数"), default=1)
    created_at = models.DateTimeField(_("预警时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("知悉人"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["status", "-updated_at"]
        indexes = [models.Index(fields=["status", "kind", "updated_at"], name="alert_status_kind")]

    def __str__(self) -> str:
        return self.title


class UrgencyRule(models.Model):
    """An editable urgency rule (紧急研判规则): keywords or a regex → level, kind, suggested transfer."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    kind = models.CharField(_("类别"), max_length=16)
    level = models.CharField(_("等级"), max_length=16, choices=[(Urgency.URGENT, _("紧急")),
                                                               (Urgency.PRESSING, _("较急"))])
    pattern = models.CharField(_("关键词/正则"), max_length=500, help_text=_("关键词用 | 分隔；勾选「正则」时按正则表达式匹配"))
    unless = models.CharField(_("排除词"), max_length=300, blank=True, help_text=_("与命中处重叠时不算，如 煤气费|缴费"))
    transfer_to = models.CharField(_("建议转接"), max_length=3, blank=True,
                                   choices=[("", "—"), ("110", "110"), ("119", "119"), ("120", "120")])
    is_regex = models.BooleanField(_("正则"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("紧急研判规则")
        verbose_name_plural = _("紧急研判规则")
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse a rule the assessor could not use (unknown kind, bad regex …)."""
        from django.core.exceptions import ValidationError

        problems = self.as_rule_problems()
        if problems:
            raise ValidationError("；".join(problems))

    def as_rule(self):  # noqa: ANN201 - hotline.intelligence.urgency.Rule
        from hotline.intelligence.urgency import Rule

        return Rule(name=self.name, kind=self.kind, level=self.level, pattern=self.pattern, unless=self.unless,
                    transfer_to=self.transfer_to, is_regex=self.is_regex)

    def as_rule_problems(self) -> list[str]:
        from hotline.intelligence.urgency import check_rule

        return check_rule(self.as_rule())


class UrgencyAssessment(models.Model):
    """The urgency suggested for an order at registration, with its reasons (stored; the agent decides)."""

    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE,
                               related_name="urgency_assessments")
    created_at = models.DateTimeField(_("研判时间"))
    level = models.CharField(_("研判等级"), max_length=16, choices=Urgency.choices)
    #: `Reason.as_dict()` of each reason (urgency.hit, urgency.prior); assessments stored before reasons were
    #: structured hold Chinese sentences, shown as they are.
    reasons = models.JSONField(_("依据"), default=list)
    kinds = models.JSONField(_("类别"), default=list)
    transfer_to = models.CharField(_("建议转接"), max_length=3, blank=True)
    life_threatening = models.BooleanField(_("危及生命"), default=False)

    class Meta:
        verbose_name = _("紧急研判")
        verbose_name_plural = _("紧急研判")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.get_level_display()}"


class TriageSettings(models.Model):
    """The centre's thresholds for repeats and clusters (one row, editable in the admin)."""

    repeat_days = models.PositiveSmallIntegerField(_("重复件回溯天数"), default=30)
    repeat_similarity = models.FloatField(_("重复件相似度阈值"), default=0.35)
    cluster_hours = models.PositiveSmallIntegerField(_("批量诉求时间窗（小时）"), default=24)
    cluster_similarity = models.FloatField(_("批量诉求相似度阈值"), default=0.3)
    cluster_min_callers = models.PositiveSmallIntegerField(_("批量诉求最少来电人数"), default=5)
    repeat_caller_alert_at = models.PositiveSmallIntegerField(_("同一诉求第几次来电预警"), default=3)

    class Meta:
        verbose_name = _("研判设置")
        verbose_name_plural = _("研判设置")

    def __str__(self) -> str:
        return str(_("研判设置"))

    def clean(self) -> None:
        """Refuse thresholds that make no sense: a one-caller "cluster" would alert on every second call at a
        place, a similarity of 0 matches everything, an empty time window matches nothing."""
        errors: dict[str, object] = {}
        if self.repeat_days is not None and self.repeat_days < 1:
            errors["repeat_days"] = _("回溯天数至少为 1 天")
        if self.cluster_hours is not None and self.cluster_hours < 1:
            errors["cluster_hours"] = _("时间窗至少为 1 小时")
        for name in ("repeat_similarity", "cluster_similarity"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= 1:
                errors[name] = _("相似度阈值须大于 0 且不超过 1")
        if self.cluster_min_callers is not None and self.cluster_min_callers < 2:
            errors["cluster_min_callers"] = _("批量诉求至少需要 2 位来电人")
        if self.repeat_caller_alert_at is not None and self.repeat_caller_alert_at < 2:
            errors["repeat_caller_alert_at"] = _("预警须从同一诉求第 2 次来电起")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls) -> TriageSettings:
        """The one settings row (created with the defaults on first use); read once per follow-up task."""
        from hotline.core import memo

        return memo.once("triage.settings", lambda: cls.objects.get_or_create(pk=1)[0])

    def as_rules(self):  # noqa: ANN201 - hotline.intelligence.duplicates.Settings
        from hotline.intelligence.duplicates import Settings

        return Settings(repeat_days=self.repeat_days, repeat_similarity=self.repeat_similarity,
                        cluster_hours=self.cluster_hours, cluster_similarity=self.cluster_similarity,
                        cluster_min_callers=self.cluster_min_callers,
                        repeat_caller_alert_at=self.repeat_caller_alert_at)
