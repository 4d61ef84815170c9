"""Vocabulary of the SLA clock (时限)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LimitUnit(models.TextChoices):
    """How a time limit is counted."""

    MINUTES = "minutes", _("分钟")
    HOURS = "hours", _("小时")
    DAYS = "days", _("自然日")
    WORKING_HOURS = "working_hours", _("工作时(仅工作日)")
    WORKING_DAYS = "working_days", _("工作日")


class Basis(models.TextChoices):
    """The time axis a deadline lives on: wall clock, or working time (non-working days skipped)."""

    CLOCK = "clock", _("自然时间")
    WORKING = "working", _("工作日时间")


class Light(models.TextChoices):
    """Traffic light of a running deadline (亮灯): yellow near the end, red once due."""

    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    NONE = "none", _("无")


WORKING_UNITS = frozenset({LimitUnit.WORKING_DAYS, LimitUnit.WORKING_HOURS})


def basis_of(unit: str) -> Basis:
    """The axis a limit of this unit is counted on."""
    return Basis.WORKING if unit in WORKING_UNITS else Basis.CLOCK
