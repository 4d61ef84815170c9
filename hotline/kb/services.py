"""Every change to the knowledge base: write, publish, revise and retire articles; answer an order from one.

Each service runs in one transaction, writes the article's audit event and keeps the full-text index
in step in that same transaction (`hotline.kb.index`), so the index never shows what was rolled back.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.kb import index
from hotline.kb.choices import ArticleStatus, KbAction, Kind
from hotline.kb.constants import MARK_PATTERN, MARK_TEMPLATE
from hotline.kb.exceptions import KbError
from hotline.kb.models import Article, ArticleEvent, ArticleVersion, KbUsage
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services as ticket_services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket, TimelineEvent

logger = logging.getLogger(__name__)

#: Statuses from which an order may be answered directly (the ANSWER_DIRECTLY row of the transition table).
ANSWERABLE = frozenset({Status.REGISTERED, Status.PENDING_DISPATCH})


@dataclass
class ArticleText:
    """The text of one version: title, body, the answer read to citizens, keywords."""

    title: str
    body: str
    answer: str
    keywords: str = ""

    def check(self) -> None:
        """Refuse an empty title, body or answer."""
        if not self.title.strip():
            raise KbError(_("标题不能为空"))
        if not self.body.strip():
            raise KbError(_("正文不能为空"))
        if not self.answer.strip():
            raise KbError(_("答复口径不能为空"))


def _check_validity(valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise KbError(_("失效日期不能早于生效日期"))


def _event(article: Article, action: str, actor: User | None, *, version: int | None, note: str = "") -> None:
    ArticleEvent.objects.create(article=article, action=action, actor=actor, at=clock.now(),
                                version_number=version, note=note[:300])


def _entry(article: Article, version: ArticleVersion) -> index.IndexedArticle:
    return index.IndexedArticle(
        article_id=article.pk, title=version.title,
        text=" ".join(part for part in (version.body, version.answer, version.keywords) if part),
        kind=article.kind, owner_unit_id=article.owner_unit_id, is_public=article.is_public,
        valid_from=article.valid_from, valid_until=article.valid_until)


def _lock(article: Article) -> Article:
    fresh = Article.objects.select_for_update().filter(pk=article.pk).first()
    if fresh is None:
        raise KbError(_("知识条目不存在"))
    return fresh


@transaction.atomic
def create_article(*, kind: str, owner_unit: HandlingUnit, text: ArticleText, valid_from: date,
                   valid_until: date | None = None, is_public: bool = False, actor: User | None,
                   publish: bool = False) -> Article:
    """Write a new article (新建知识) as a draft, version 1; publish it at once when asked."""
    if kind not in Kind.values:
        raise KbError(_("未知的知识类型「%(kind)s」") % {"kind": kind})
    text.check()
    _check_validity(valid_from, valid_until)
    at = clock.now()
    article = Article.objects.create(code=f"new-{secrets.token_hex(6)}", kind=kind, owner_unit=owner_unit, is_public=is_public,
                                     valid_from=valid_from, valid_until=valid_until, created_at=at, updated_at=at)
    article.code = f"KB-{article.pk:04d}"  # from the id, like an order's number: unique without a lock
    article.save(update_fields=["code"])
    ArticleVersion.objects.create(article=article, number=1, title=text.title.strip(), body=text.body.strip(),
                                  answer=text.answer.strip(), keywords=text.keywords.strip(), created_at=at,
                                  created_by=actor, valid_from=valid_from, valid_until=valid_until,
                                  is_public=is_public)
    _event(article, KbAction.CREATE, actor, version=1)
    return publish_article(article, actor=actor) if publish else article


@transaction.atomic
def publish_article(article: Article, *, actor: User | None) -> Article:
    """Publish the newest version (发布): it becomes the one agents and citizens find, and the article
    takes the validity dates and public flag saved with that version."""
    article = _lock(article)
    if article.status == ArticleStatus.RETIRED:
        raise KbError(_("%(code)s 已停用，不能发布") % {"code": article.code})
    version = article.latest_version
    if version is None:
        raise KbError(_("%(code)s 没有可发布的版本") % {"code": article.code})
    if article.status == ArticleStatus.PUBLISHED and article.published_version_id == version.pk:
        return article  # nothing changes
    at = clock.now()
    version.published_at = at
    version.save(update_fields=["published_at"])
    if version.valid_from is not None:  # versions saved before they kept their own validity have none
        article.valid_from, article.valid_until = version.valid_from, version.valid_until
    if version.is_public is not None:
        article.is_public = version.is_public
    article.status, article.published_version, article.updated_at = ArticleStatus.PUBLISHED, version, at
    article.save(update_fields=["status", "published_version", "updated_at", "valid_from", "valid_until",
                                "is_public"])
    index.put_articles([_entry(article, version)])
    _event(article, KbAction.PUBLISH, actor, version=version.number)
    return article


@transaction.atomic
def new_version(article: Article, *, text: ArticleText, actor: User | None, change_note: str = "",
                valid_from: date | None = None, valid_until: date | None = None, clear_until: bool = False,
                is_public: bool | None = None, publish: bool = True, based_on: int | None = None) -> ArticleVersion:
    """Revise an article (修订): a new version with the new text; published at once unless `publish=False`.

    Validity dates and the public flag may change with it (`clear_until` removes the end date); they are
    kept with the version and reach the article only when the version is published, so an unpublished
    draft leaves the published version's dates, public flag and search results as they were.
    Given `based_on` (the version number the editor opened), a newer version saved in the meantime refuses
    the change, so a stale form never silently reverts someone else's revision.
    """
    article = _lock(article)
    if article.status == ArticleStatus.RETIRED:
        raise KbError(_("%(code)s 已停用，不能修订") % {"code": article.code})
    text.check()
    latest = article.latest_version
    if based_on is not None and (latest.number if latest else 0) != based_on:
        raise KbError(stale_message(article.code, latest.number if latest else 0, based_on))
    base = latest if latest is not None and latest.valid_from is not None else article  # the draft's, if any
    new_from = valid_from or base.valid_from
    new_until = None if clear_until else (valid_until or base.valid_until)
    new_public = base.is_public if is_public is None else is_public
    _check_validity(new_from, new_until)
    at = clock.now()
    version = ArticleVersion.objects.create(
        article=article, number=(latest.number if latest else 0) + 1, title=text.title.strip(),
        body=text.body.strip(), answer=text.answer.strip(), keywords=text.keywords.strip(),
        change_note=change_note.strip(), created_at=at, created_by=actor, valid_from=new_from,
        valid_until=new_until, is_public=new_public)
    article.updated_at = at
    article.save(update_fields=["updated_at"])
    _event(article, KbAction.NEW_VERSION, actor, version=version.number, note=change_note)
    if publish:
        publish_article(article, actor=actor)
    return version


@transaction.atomic
def retire_article(article: Article, *, actor: User | None, reason: str = "") -> Article:
    """Retire an article (停用): it leaves the index at once; its versions and usages stay on record."""
    article = _lock(article)
    if article.status == ArticleStatus.RETIRED:
        return article
    article.status, article.updated_at = ArticleStatus.RETIRED, clock.now()
    article.save(update_fields=["status", "updated_at"])
    index.drop_articles([article.pk])
    _event(article, KbAction.RETIRE, actor, version=article.published_version.number
           if article.published_version else None, note=reason)
    return article


def stale_message(code: str, latest: int, opened: int | None) -> str:
    """Why an edit opened on an older version is refused (someone saved a newer one meanwhile)."""
    return _("%(code)s 已有新版本（第%(latest)s版），您打开的是第%(opened)s版：请重新打开后再修改，以免覆盖他人的修订。") % {
        "code": code, "latest": latest, "opened": opened if opened is not None else "?"}


def mark(article: Article, version: ArticleVersion) -> str:
    """The reference an answer taken from an article carries (〔知识库 KB-0012 第3版〕)."""
    return MARK_TEMPLATE.format(code=article.code, number=version.number)


def answer_text(article: Article) -> str:
    """The published answer of an article followed by its reference mark, ready for 直接答复."""
    version = article.published_version
    if version is None:
        raise KbError(_("%(code)s 尚未发布") % {"code": article.code})
    return f"{version.answer}\n{mark(article, version)}"


def answerable_article(article: Article) -> None:
    """Refuse an article that may not answer a citizen today: not published, out of force, or an internal
    guide (内部口径, not public) — its answer is for agents to read, and 直接答复 sends the text to the citizen."""
    if article.status != ArticleStatus.PUBLISHED or article.published_version_id is None:
        raise KbError(_("%(code)s 未发布或已停用，不能用于答复") % {"code": article.code})
    if not article.is_valid_on(today()):
        raise KbError(_("%(code)s 不在有效期内，不能用于答复") % {"code": article.code})
    if not article.is_public:
        raise KbError(_("%(code)s 是内部口径（不对公众公开），不能直接答复群众，请据此另行撰写答复") % {"code": article.code})


def may_answer_with(article: Article) -> bool:
    """True when 以此答复 may use the article today (what `answerable_article` accepts)."""
    try:
        answerable_article(article)
    except KbError:
        return False
    return True


def today() -> date:
    """The centre's local date now (validity dates are local dates)."""
    return timezone.localdate(clock.now())


@transaction.atomic
def answer_with_article(ticket: Ticket, article: Article, *, actor: User, shown: int | None = None) -> Ticket:
    """Answer a consultation directly from an article (以此答复): the order closes through 直接答复.

    Only an enquiry (咨询) that is still registered or waiting for dispatch qualifies, and only a public
    article published and in force (`answerable_article`); the article's
    published version is recorded (KbUsage) and named in the answer. `shown` is the version number the
    agent read on the page: when the article has been revised since (another version is published now),
    the answer is refused — the citizen never receives a text the agent did not read. A refusal changes nothing.
    """
    if ticket.request_type != RequestType.CONSULT:
        raise KbError(_("只有咨询类工单可以用知识库直接答复"))
    if ticket.status not in ANSWERABLE:
        raise KbError(_("工单当前状态为「%(status)s」，不能直接答复") % {"status": ticket.get_status_display()})
    article = Article.objects.select_related("published_version").filter(pk=article.pk).first() or article
    answerable_article(article)  # the article as stored now, not as the page showed it
    version = article.published_version
    if shown is not None and version.number != shown:
        raise KbError(_("知识 %(code)s 已更新为第%(number)s版，请阅读新口径后再答复") % {
            "code": article.code, "number": version.number})
    ticket = ticket_services.answer_directly(ticket, actor=actor, answer=answer_text(article))
    record_usage(ticket, article, version, user=actor)
    return ticket


def record_usage(ticket: Ticket, article: Article, version: ArticleVersion, *, user: User | None) -> KbUsage:
    """Remember that an order was answered from this article version (once per order and article)."""
    usage, _created = KbUsage.objects.get_or_create(
        ticket=ticket, article=article, defaults={"version": version, "user": user, "at": clock.now()})
    return usage


def record_usage_from_event(event: TimelineEvent) -> KbUsage | None:
    """Record the article named by the mark in a direct answer's text (intake page, step form or API).

    Only a published version of a public article published and in force on the day of the answer is
    recorded (what `answerable_article` accepts): a mark copied while the article was in force and sent
    after it was retired or expired, a mark naming a draft, or the mark of an internal guide (内部口径,
    not public: its text is not for citizens) is not a knowledge-base answer. The answer itself was
    already given by the ticket service (outside the knowledge base); it is logged as a warning for the
    maintainers to follow up.
    """
    found = re.search(MARK_PATTERN, event.note or "")
    if not found:
        return None
    version = (ArticleVersion.objects.select_related("article")
               .filter(article__code=found["code"], number=int(found["number"])).first())
    if version is None:
        return None
    article = version.article
    day = timezone.localdate(event.at) if event.at else today()
    problem = ("the article is retired or unpublished" if article.status != ArticleStatus.PUBLISHED
               else "the article is not in force" if not article.is_valid_on(day)
               else "the article is an internal guide (not public)" if not article.is_public
               else "the version was never published" if version.published_at is None else "")
    if problem:
        logger.warning("order %s was answered directly with the mark of %s version %s, not recorded: %s",
                       event.ticket.number, article.code, version.number, problem)
        return None
    return record_usage(event.ticket, article, version, user=event.actor)


def reindex_articles(batch: int = 500) -> int:
    """Rebuild the article index from every published article (e.g. after the dictionary changed)."""
    index.clear_articles()
    total, pending = 0, []
    articles = (Article.objects.filter(status=ArticleStatus.PUBLISHED, published_version__isnull=False)
                .select_related("published_version").order_by("pk"))
    for article in articles.iterator(chunk_size=batch):
        pending.append(_entry(article, article.published_version))
        if len(pending) >= batch:
            total += index.put_articles(pending)
            pending = []
    return total + index.put_articles(pending)
