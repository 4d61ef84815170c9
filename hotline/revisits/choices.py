"""Vocabulary of second return visits (二次回访)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class VisitState(models.TextChoices):
    """Where a second visit stands."""

    PENDING = "pending", _("待回访")
    SOLVED = "solved", _("问题已解决")
    RECURRED = "recurred", _("问题复发，已重启")
    UNREACHABLE = "unreachable", _("多次未联系上")
    CANCELLED = "cancelled", _("已取消")


class Outcome(models.TextChoices):
    """What the citizen said when called again."""

    SOLVED = "solved", _("问题已解决")
    BACK = "back", _("问题复发")
    UNREACHABLE = "unreachable", _("未联系上")


#: The note of a second visit cancelled because its order was reopened: stored as written here, shown
#: in the reader's language (`SecondVisit.shown_note`).
REOPENED_NOTE = gettext_noop("工单已重新启用，二次回访取消")
