"""SLA policies (时限规则) and administrator overrides of the working calendar."""

from __future__ import annotations

import itertools
import time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from hotline.core.models import OneRow
from hotline.core.workcalendar import LIMIT_MAXIMUMS
from hotline.sla.choices import LimitUnit, basis_of
from hotline.taxonomy.choices import Urgency

#: The nominal length of one unit in seconds (a working day is 24 working hours, see workcalendar.add_limit).
_UNIT_SECONDS = {LimitUnit.MINUTES: 60, LimitUnit.HOURS: 3600, LimitUnit.DAYS: 86400,
                 LimitUnit.WORKING_HOURS: 3600, LimitUnit.WORKING_DAYS: 86400}


class SlaPolicy(models.Model):
    """Deadlines for signing (签收), replying (答复) and closing (办结), chosen by urgency and category.

    Every active policy whose conditions all hold applies (urgency, category or an ancestor, utility,
    difficult); among them the highest `priority` wins, then the most specific (deeper category, more
    conditions).
    """

    name = models.CharField(_("名称"), max_length=100)
    urgency = models.CharField(_("紧急程度"), max_length=16, blank=True, choices=Urgency.choices,
                               help_text=_("空 = 任意"))
    category = models.ForeignKey(
        "taxonomy.Category", verbose_name=_("分类"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("适用于该分类及其下级分类；空 = 任意"),
    )
    utility_only = models.BooleanField(_("仅水电气热"), default=False,
                                       help_text=_("只适用于水电气热类分类(分类标记为水电气热)"))
    difficult_only = models.BooleanField(_("仅疑难件"), default=False)
    priority = models.IntegerField(_("优先级"), default=0, help_text=_("多条规则都适用时，优先级高者生效"))
    sign_amount = models.PositiveIntegerField(_("签收时限"), validators=[MinValueValidator(1)])
    sign_unit = models.CharField(_("签收时限单位"), max_length=16, choices=LimitUnit.choices)
    reply_amount = models.PositiveIntegerField(_("答复时限"), validators=[MinValueValidator(1)])
    reply_unit = models.CharField(_("答复时限单位"), max_length=16, choices=LimitUnit.choices)
    close_amount = models.PositiveIntegerField(_("办结时限"), validators=[MinValueValidator(1)])
    close_unit = models.CharField(_("办结时限单位"), max_length=16, choices=LimitUnit.choices)
    return_amount = models.PositiveIntegerField(_("退单时限"), default=1, validators=[MinValueValidator(1)])
    return_unit = models.CharField(
        _("退单时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
    )
    yellow_ratio = models.DecimalField(
        _("黄灯比例"), max_digits=4, decimal_places=3, default=Decimal("0.800"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("0.999"))],
        help_text=_("已用时间达到允许时间的该比例时亮黄灯"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_catch_all(self) -> bool:
        """True for an active policy without conditions (兜底规则, e.g. 「一般」): it applies to every order."""
        return (self.is_active and not self.urgency and self.category_id is None and not self.utility_only
                and not self.difficult_only)

    @classmethod
    def catch_alls(cls) -> models.QuerySet[SlaPolicy]:
        """The active policies without conditions; at least one must remain, or dispatch finds no deadline."""
        return cls.objects.filter(is_active=True, urgency="", category__isnull=True, utility_only=False,
                                  difficult_only=False)

    @classmethod
    def conditional(cls) -> models.QuerySet[SlaPolicy]:
        """The active policies with at least one condition (urgency, category, 水电气热 or 疑难件)."""
        return cls.objects.filter(is_active=True).exclude(urgency="", category__isnull=True, utility_only=False,
                                                          difficult_only=False)

    def shadowing_problem(self) -> str:
        """Why this policy, as edited, would leave a policy unable to ever apply ("" when it would not).

        The highest priority wins (`sla.services.policy_for`), and at an equal priority the policy with
        conditions wins (it is more specific). So a catch-all (兜底规则) ranked above a policy with conditions
        wins for every order that policy covers (a gas leak would get 一般's limits): every active policy
        with conditions must have a priority at least that of every active catch-all (docs/sla.md §5).
        Checked for an active policy only, so also when a policy is switched back on.
        """
        if not self.is_active or self.priority is None:
            return ""
        others = type(self).objects.exclude(pk=self.pk) if self.pk is not None else type(self).objects.all()
        if self.is_catch_all:
            below = (others.filter(pk__in=self.conditional(), priority__lt=self.priority)
                     .order_by("priority", "name").first())
            if below is None:
                return ""
            return str(_("「%(name)s」不设适用条件（兜底规则），优先级 %(priority)s 高于设有适用条件的「%(other)s」"
                         "（优先级 %(other_priority)s），会使「%(other)s」永远不生效：兜底规则的优先级须最低，"
                         "请设为不高于 %(other_priority)s。") % {
                "name": self.name, "priority": self.priority, "other": below.name,
                "other_priority": below.priority})
        above = (others.filter(pk__in=self.catch_alls(), priority__gt=self.priority)
                 .order_by("-priority", "name").first())
        if above is None:
            return ""
        return str(_("「%(name)s」的优先级 %(priority)s 低于兜底规则「%(other)s」（优先级 %(other_priority)s，"
                     "不设适用条件），「%(name)s」永远不会生效：设有适用条件的规则的优先级须不低于兜底规则，"
                     "请设为不低于 %(other_priority)s。") % {
            "name": self.name, "priority": self.priority, "other": above.name, "other_priority": above.priority})

    def clean(self) -> None:
        """Limits within their unit's maximum and in order (签收 ≤ 答复 ≤ 办结 when counted on the same axis);
        no catch-all ranked above a policy with conditions (`shadowing_problem`); the last catch-all stays."""
        errors: dict[str, str] = {}
        limits = [("sign", _("签收时限")), ("reply", _("答复时限")), ("close", _("办结时限"))]
        for name in ("sign", "reply", "close", "return"):
            problem = limit_too_long(getattr(self, f"{name}_amount"), getattr(self, f"{name}_unit"))
            if problem:
                errors[f"{name}_amount"] = problem
        for (shorter, shorter_label), (longer, longer_label) in itertools.pairwise(limits):
            a, a_unit = getattr(self, f"{shorter}_amount"), getattr(self, f"{shorter}_unit")
            b, b_unit = getattr(self, f"{longer}_amount"), getattr(self, f"{longer}_unit")
            if (None in (a, b) or a_unit not in _UNIT_SECONDS or b_unit not in _UNIT_SECONDS
                    or f"{longer}_amount" in errors):  # already refused as too long
                continue
            if basis_of(a_unit) == basis_of(b_unit) and a * _UNIT_SECONDS[a_unit] > b * _UNIT_SECONDS[b_unit]:
                errors[f"{longer}_amount"] = _("%(longer)s不能短于%(shorter)s") % {
                    "longer": longer_label, "shorter": shorter_label}
        shadowing = self.shadowing_problem()
        if shadowing and "priority" not in errors:
            errors["priority"] = shadowing
        if self.pk is not None and not self.is_catch_all:
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None and stored.is_catch_all and not self.catch_alls().exclude(pk=self.pk).exists():
                errors["is_active" if not self.is_active else "__all__"] = _(
                    "「%(name)s」是唯一启用的兜底时限规则（不设任何适用条件），不能停用或加上适用条件："
                    "否则没有规则适用的工单无法派单。请先新增或启用另一条兜底规则。") % {"name": stored.name}
        if errors:
            raise ValidationError(errors)


def limit_too_long(amount: int | None, unit: str) -> str:
    """Why a limit is longer than its unit allows (`workcalendar.LIMIT_MAXIMUMS`), or "" when it is not."""
    maximum = LIMIT_MAXIMUMS.get(unit)
    if amount is None or maximum is None or amount <= maximum:
        return ""
    return str(_("以「%(unit)s」计的时限最多为 %(max)s") % {"unit": LimitUnit(unit).label, "max": maximum})


class CalendarOverride(models.Model):
    """An administrator's word on one date, beating the official calendar (for years it does not know)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_working_day else '休'}"


class AcceptanceSettings(OneRow):
    """How soon the centre must accept a request that came in online (网上诉求受理时限): one row, in the admin.

    A request from the portal, WeChat, an app, the mayor's mailbox, SMS or Weibo waits in 已登记 until
    the centre takes its first decision (受理: to dispatch, dispatched, answered, transferred, declined,
    merged, or a 会商 started). Beijing's draft standard (2021) asks for 2 hours.
    """

    amount = models.PositiveSmallIntegerField(_("网上诉求受理时限"), default=2)
    unit = models.CharField(_("时限单位"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.HOURS,
                            help_text=_("「小时」按自然时间计；「工作时」只计工作日的时间（周末和节假日不计时，含调休）"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("网上受理时限")
        verbose_name_plural = _("网上受理时限")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=1), name="acceptance_amount_positive")]

    def __str__(self) -> str:
        return str(_("网上受理时限"))

    def clean(self) -> None:
        if self.amount < 1:
            raise ValidationError({"amount": _("受理时限至少为 1")})
        problem = limit_too_long(self.amount, self.unit)
        if problem:
            raise ValidationError({"amount": problem})

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; this process reads the limit anew (again once committed: a thread registering meanwhile
        read the old row), the others within ACCEPTANCE_MAX_AGE. Change it only through `save()`."""
        super().save(*args, **kwargs)
        forget_acceptance_limit()
        transaction.on_commit(forget_acceptance_limit)

    @classmethod
    def current(cls) -> AcceptanceSettings:
        """The one settings row, or the defaults while nobody has saved one; read only (registering an order
        never writes the settings).

        Kept per process for `ACCEPTANCE_MAX_AGE` seconds: every online registration needs it, and an API
        creation registers inside PostgreSQL's pipeline mode, where a read would cost a round trip.
        """
        now = time.monotonic()
        kept = _acceptance_limit
        if kept is not None and now - kept[0] < ACCEPTANCE_MAX_AGE:
            return kept[1]
        found = cls.objects.filter(pk=1).first() or cls(pk=1)
        _keep_acceptance_limit(now, found)
        return found


#: Seconds a process keeps the acceptance limit before reading it again (an admin's change reaches every
#: web process within this time; the process that saved it at once).
ACCEPTANCE_MAX_AGE = 60.0
_acceptance_limit: tuple[float, AcceptanceSettings] | None = None


def _keep_acceptance_limit(at: float, found: AcceptanceSettings) -> None:
    global _acceptance_limit
    _acceptance_limit = (at, found)


def forget_acceptance_limit() -> None:
    """Read the acceptance limit from the database at the next registration (after a save; between tests)."""
    global _acceptance_limit
    _acceptance_limit = None
