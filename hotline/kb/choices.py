"""Vocabulary of the knowledge base (知识库): kinds of article, their status, the audit actions, corrections."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What an article is: a policy, a procedure (办事指南) or a frequently asked question."""

    POLICY = "policy", _("政策")
    PROCEDURE = "procedure", _("办事指南")
    FAQ = "faq", _("常见问题")


class ArticleStatus(models.TextChoices):
    """Where an article stands: only published articles are searchable."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class KbAction(models.TextChoices):
    """Every change to an article, as written in its audit trail."""

    CREATE = "create", _("创建")
    PUBLISH = "publish", _("发布")
    NEW_VERSION = "new_version", _("新版本")
    RETIRE = "retire", _("停用")
    FEEDBACK = "feedback", _("反馈")
    FEEDBACK_DONE = "feedback_done", _("反馈处理")


class FeedbackKind(models.TextChoices):
    """What an agent says is wrong with an article (知识纠错)."""

    WRONG = "wrong", _("内容有误")
    OUTDATED = "outdated", _("政策已变化或过期")
    UNCLEAR = "unclear", _("表述不清")
    INCOMPLETE = "incomplete", _("内容不全")


class FeedbackStatus(models.TextChoices):
    """Where a correction report stands: open until a maintainer revises the article or dismisses it."""

    OPEN = "open", _("待处理")
    REVISED = "revised", _("已修订")
    DISMISSED = "dismissed", _("不采纳")
