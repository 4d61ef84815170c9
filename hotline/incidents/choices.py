"""Vocabulary of incidents (突发事件与临时口径): where an incident stands, what its audit trail records,
and how an order came to be counted among its calls."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    """Where an incident stands (状态): drafted, published (agents and citizens see it), ended."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("发布中")
    ENDED = "ended", _("已结束")


class EventKind(models.TextChoices):
    """What one entry of an incident's audit trail (操作记录) records."""

    CREATED = "created", _("新建")
    EDITED = "edited", _("修改")
    PUBLISHED = "published", _("发布")
    REPUBLISHED = "republished", _("重新发布")
    ENDED = "ended", _("结束")
    LINKED = "linked", _("手工关联工单")
    UNLINKED = "unlinked", _("取消关联工单")


class LinkHow(models.TextChoices):
    """How an order was counted among an incident's calls (关联方式)."""

    AUTO = "auto", _("登记时自动匹配")
    MANUAL = "manual", _("人工关联")
