"""Vocabulary of hot-spot runs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    """The window a run covers."""

    WEEK = "week", _("周")
    MONTH = "month", _("月")
    CUSTOM = "custom", _("自定义")
