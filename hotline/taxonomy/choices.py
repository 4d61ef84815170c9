"""Request types (诉求类型) and urgency levels (紧急程度)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestType(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("紧急")
    PRESSING = "pressing", _("较急")
    NORMAL = "normal", _("一般")
