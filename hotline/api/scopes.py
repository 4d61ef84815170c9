"""What an API key may do (权限范围)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """One permission of an API key."""

    READ = "read", _("读取工单与基础数据")
    CREATE = "create", _("新建工单")
    ACT = "act", _("以单位身份办理工单")
    TRANSFER = "transfer", _("与110等平台互转工单")
    WEBHOOKS = "webhooks", _("管理事件订阅")
    #: Callers' full phone numbers (完整号码) in answers to a centre account, each view recorded; without it
    #: every answer masks them (号码脱敏) and the order list is not searched by number. Granted only by name.
    PHONE = "phone", _("查看完整来电号码")


#: Scopes that need the key to be bound to a handling unit.
UNIT_SCOPES = frozenset({Scope.ACT})
