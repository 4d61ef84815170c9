"""Correction reports on articles (知识纠错): an agent flags an article, a maintainer revises it or dismisses the report.

Each step runs in one transaction and writes the article's audit event (反馈 / 反馈处理) in it; a refusal
raises `KbError` with a Chinese message and writes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.entered import visible
from hotline.kb.choices import ArticleStatus, FeedbackKind, FeedbackStatus, KbAction
from hotline.kb.exceptions import KbError
from hotline.kb.models import Article, ArticleEvent, ArticleFeedback, ArticleVersion
from hotline.kb.permissions import may_maintain, may_report

#: Longest note of a report or of its resolution.
NOTE_MAX = 500


def _clean_note(note: str | None) -> str:
    """The note stripped; "" when a reader sees nothing in it (only zero-width characters, BOM …)."""
    note = visible(note).strip()
    if len(note) > NOTE_MAX:
        raise KbError(_("说明不能超过 %(limit)d 个字（现有 %(count)d 个字）") % {"limit": NOTE_MAX, "count": len(note)})
    return note


def _event(article: Article, action: str, actor: User, *, version: int | None, note: str) -> None:
    ArticleEvent.objects.create(article=article, action=action, actor=actor, at=clock.now(),
                                version_number=version, note=note[:300])


def _seen_version(article: Article, version: int | None) -> int:
    """The version the agent read: the one given (it must exist), else the published or newest one."""
    numbers = set(article.versions.values_list("number", flat=True))
    if version is not None:
        if version not in numbers:
            raise KbError(_("%(code)s 没有第 %(number)s 版") % {"code": article.code, "number": version})
        return version
    if article.published_version_id is not None:
        return article.published_version.number
    if not numbers:
        raise KbError(_("%(code)s 还没有任何版本") % {"code": article.code})
    return max(numbers)


@transaction.atomic
def report_feedback(article: Article, kind: str, note: str, actor: User, *, version: int | None = None
                    ) -> ArticleFeedback:
    """Flag an article (纠错反馈): what is wrong (`kind`) and a note; `version` is the version number the agent
    read (default: the published one). Centre staff only; a retired article or an empty note is refused."""
    if not may_report(actor):
        raise KbError(_("只有热线中心工作人员可以提交知识纠错"))
    if kind not in FeedbackKind.values:
        raise KbError(_("请选择问题类型"))
    note = _clean_note(note)
    if not note:
        raise KbError(_("请填写问题说明"))
    article = Article.objects.select_related("published_version").filter(pk=article.pk).first()
    if article is None:
        raise KbError(_("知识条目不存在"))
    if article.status == ArticleStatus.RETIRED:
        raise KbError(_("%(code)s 已停用，不再接受纠错") % {"code": article.code})
    number = _seen_version(article, version)
    if ArticleFeedback.objects.filter(article=article, reported_by=actor, kind=kind, note=note,
                                      status=FeedbackStatus.OPEN).exists():  # a double click, a reload
        raise KbError(_("您已提交过相同的纠错反馈，正在等待处理"))
    feedback = ArticleFeedback.objects.create(article=article, version_number=number, kind=kind, note=note,
                                              reported_by=actor, reported_at=clock.now())
    _event(article, KbAction.FEEDBACK, actor, version=number, note=f"{feedback.get_kind_display()}：{note}")
    return feedback


def _fixing_version(feedback: ArticleFeedback, version: ArticleVersion | int | None) -> ArticleVersion:
    """The version that fixed the report: one of the same article, numbered above the version reported."""
    if version is None or version == "":
        raise KbError(_("已修订须选择修订后的版本"))
    number = version.number if isinstance(version, ArticleVersion) else version
    found = ArticleVersion.objects.filter(article_id=feedback.article_id, number=number).first()
    if found is None or (isinstance(version, ArticleVersion) and version.pk != found.pk):
        raise KbError(_("%(code)s 没有第 %(number)s 版") % {"code": feedback.article.code, "number": number})
    if found.number <= feedback.version_number:
        raise KbError(_("修订版本须晚于反馈时的第 %(number)s 版") % {"number": feedback.version_number})
    if found.published_at is None:  # agents still read the old text: the report stays open until it is out
        raise KbError(_("第 %(number)s 版尚未发布：发布后再标记已修订") % {"number": found.number})
    return found


@transaction.atomic
def resolve_feedback(feedback: ArticleFeedback, *, revised: bool, version: ArticleVersion | int | None = None,
                     note: str = "", actor: User) -> ArticleFeedback:
    """Resolve an open report (反馈处理): 已修订 names the later version that fixed it, 不采纳 needs a note.

    Maintainers only. The report's row is locked and changed only while still open, so a second
    resolution at the same time (another maintainer, a double click) is refused.
    """
    if not may_maintain(actor):
        raise KbError(_("只有知识库维护人员（督办员、系统管理员）可以处理知识纠错"))
    note = _clean_note(note)
    current = (ArticleFeedback.objects.select_for_update(of=("self",)).select_related("article", "resolved_by")
               .filter(pk=feedback.pk).first())
    if current is None:
        raise KbError(_("该纠错反馈不存在"))
    if current.status != FeedbackStatus.OPEN:
        raise KbError(_("该纠错反馈已由%(who)s处理（%(status)s），请刷新后查看") % {
            "who": current.resolved_by or _("他人"), "status": current.get_status_display()})
    fixed = _fixing_version(current, version) if revised else None
    if not revised and not note:
        raise KbError(_("不采纳须填写说明"))
    at = clock.now()
    status = FeedbackStatus.REVISED if revised else FeedbackStatus.DISMISSED
    changed = (ArticleFeedback.objects.filter(pk=current.pk, status=FeedbackStatus.OPEN)
               .update(status=status, resolved_by=actor, resolved_at=at, resolution_note=note, fixed_version=fixed))
    if changed != 1:  # resolved between the read and the write (a database without row locks)
        raise KbError(_("该纠错反馈已由他人处理，请刷新后查看"))
    current.refresh_from_db()
    label = current.get_status_display()
    _event(current.article, KbAction.FEEDBACK_DONE, actor, version=fixed.number if fixed else current.version_number,
           note=f"{label}：{note}" if note else str(label))
    return current
