"""Vocabulary of the intake page: the first decision an agent takes when registering a call."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    """Which submit button registered the order, i.e. what happens to it right after registration."""

    DISPATCH = "dispatch", _("登记并转派单")
    ANSWER = "answer", _("直接答复")
    TRANSFER = "transfer", _("转110/119/120/122")
    NOT_ACCEPT = "not_accept", _("不予受理")
    REGISTER = "register", _("仅登记")


#: What the success message says each decision did.
DONE = {
    Decision.DISPATCH: _("已登记并转派单"),
    Decision.ANSWER: _("已登记并直接答复（已办结）"),
    Decision.TRANSFER: _("已登记并转应急部门"),
    Decision.NOT_ACCEPT: _("已登记，不予受理"),
    Decision.REGISTER: _("已登记"),
}
