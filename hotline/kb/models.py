"""Knowledge base (知识库): articles with versions, their audit trail, their use in answers, and past replies.

The full-text index itself is not a Django model: it is an SQLite FTS5 virtual table or, on
PostgreSQL, a table with a tsvector column and a GIN index (migration 0002; `hotline.kb.index`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.kb.choices import ArticleStatus, FeedbackKind, FeedbackStatus, KbAction, Kind


class Article(models.Model):
    """One article of the knowledge base (知识条目): a policy, a procedure or an FAQ, owned by a unit."""

    code = models.CharField(_("编号"), max_length=16, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    owner_unit = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("责任单位"), on_delete=models.PROTECT,
                                   related_name="kb_articles")
    status = models.CharField(_("状态"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT,
                              db_index=True)
    is_public = models.BooleanField(_("对公众公开"), default=False)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    published_version = models.ForeignKey("ArticleVersion", verbose_name=_("现行版本"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        ordering = ["code"]

    def __str__(self) -> str:
        version = self.published_version or self.latest_version
        return f"{self.code} {version.title if version else ''}".strip()

    @property
    def latest_version(self) -> ArticleVersion | None:
        """The newest version (may be a draft not yet published)."""
        return self.versions.order_by("-number").first()

    def is_valid_on(self, day) -> bool:  # noqa: ANN001
        """True when the article is in force on that day."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class ArticleVersion(models.Model):
    """One version of an article's text (版本); published versions are never edited, a change is a new version."""

    article = models.ForeignKey(Article, verbose_name=_("知识条目"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    answer = models.TextField(_("答复口径"), help_text=_("直接答复时发给群众的文字"))
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    change_note = models.CharField(_("修订说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # The validity and public flag the article takes when this version is published (empty on versions
    # written before they were kept here: publishing such a version leaves the article's as they are).
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    is_public = models.BooleanField(_("对公众公开"), null=True, blank=True)

    class Meta:
        verbose_name = _("知识版本")
        verbose_name_plural = _("知识版本")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.article.code} v{self.number} {self.title}"


class ArticleEvent(models.Model):
    """The audit trail of an article (修订记录): who did what, when, to which version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    version_number = models.PositiveIntegerField(_("版本号"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=KbAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("知识修订记录")
        verbose_name_plural = _("知识修订记录")
        ordering = ["article", "at", "id"]

    def __str__(self) -> str:
        return f"{self.article.code} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class KbUsage(models.Model):
    """An order answered from an article (知识引用): which version, by whom, when."""

    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE,
                               related_name="kb_usages")
    article = models.ForeignKey(Article, verbose_name=_("知识条目"), on_delete=models.PROTECT, related_name="usages")
    version = models.ForeignKey(ArticleVersion, verbose_name=_("版本"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("知识引用")
        verbose_name_plural = _("知识引用")
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "article"], name="kb_usage_once_per_ticket")]

    def __str__(self) -> str:
        return f"{self.article.code} v{self.version.number} → {self.ticket_id}"


class ArticleFeedback(models.Model):
    """A correction report on an article (知识纠错): an agent says it is wrong, outdated, unclear or incomplete.

    Open (待处理) until a maintainer resolves it: 已修订 names the later version of the same article that
    fixed it, 不采纳 says why not. Written and resolved only through `hotline.kb.feedback`.
    """

    article = models.ForeignKey(Article, verbose_name=_("知识条目"), on_delete=models.PROTECT, related_name="feedback")
    version_number = models.PositiveIntegerField(_("反馈时版本"))
    kind = models.CharField(_("问题类型"), max_length=16, choices=FeedbackKind.choices)
    note = models.CharField(_("问题说明"), max_length=500)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("反馈人"), on_delete=models.PROTECT,
                                    related_name="+")
    reported_at = models.DateTimeField(_("反馈时间"))
    status = models.CharField(_("处理状态"), max_length=16, choices=FeedbackStatus.choices,
                              default=FeedbackStatus.OPEN)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution_note = models.CharField(_("处理说明"), max_length=500, blank=True)
    fixed_version = models.ForeignKey(ArticleVersion, verbose_name=_("修订版本"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("知识纠错")
        verbose_name_plural = _("知识纠错")
        ordering = ["reported_at", "id"]
        indexes = [models.Index(fields=["status", "reported_at"], name="kb_feedback_status_at")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status=FeedbackStatus.REVISED)
                                   | models.Q(fixed_version__isnull=False), name="kb_feedback_revised_has_version"),
        ]

    def __str__(self) -> str:
        return f"{self.article.code} v{self.version_number} {self.get_kind_display()}"


class ReplyExample(models.Model):
    """A real department reply to a citizen's message (往期答复), shown to units writing a similar reply."""

    source_no = models.CharField(_("留言编号"), max_length=32, unique=True)
    topic = models.CharField(_("留言主题"), max_length=300)
    detail = models.TextField(_("留言详情"))
    reply = models.TextField(_("答复意见"))
    replied_on = models.CharField(_("答复时间"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("往期答复")
        verbose_name_plural = _("往期答复")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.topic
