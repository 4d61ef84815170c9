"""Vocabulary of proactive governance (主动治理): where a theme (每月一题) stands and the steps it takes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ThemeStatus(models.TextChoices):
    """Where a governance theme stands."""

    ADOPTED = "adopted", _("已立项")
    IN_PROGRESS = "in_progress", _("整改中")
    REPORTED = "reported", _("待验收")
    CLOSED = "closed", _("已销号")
    CANCELLED = "cancelled", _("已撤销")


class ThemeAction(models.TextChoices):
    """Every step of a theme; each is one service function and one event of its record."""

    ADOPT = "adopt", _("立项")
    PLAN = "plan", _("报送整改方案")
    PROGRESS = "progress", _("报送进展")
    REPORT = "report", _("申请验收")
    ACCEPT = "accept", _("验收销号")
    SEND_BACK = "send_back", _("退回整改")
    CANCEL = "cancel", _("撤销立项")
    ADJUST = "adjust", _("调整")


#: Statuses in which a theme is still being worked on.
OPEN_THEME = frozenset({ThemeStatus.ADOPTED, ThemeStatus.IN_PROGRESS, ThemeStatus.REPORTED})
