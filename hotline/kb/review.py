"""Reads of the maintainers' review page (知识复核): open correction reports, articles due for review, knowledge gaps.

A knowledge gap is a category of consultations (咨询) the agents could not answer on the spot and sent on:
the article the centre should write next to raise 直接答复率.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from hotline.accounts.models import User
from hotline.core import clock
from hotline.kb.choices import ArticleStatus, FeedbackStatus
from hotline.kb.models import Article, ArticleFeedback, KbUsage
from hotline.kb.services import today
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket

#: Defaults and bounds of the page's parameters: (default, smallest, largest).
EXPIRY_DAYS = (30, 1, 366)
STALE_MONTHS = (12, 1, 120)
GAP_DAYS = (30, 1, 366)
#: Rows shown in each list of articles to review, and categories in the gap table.
REVIEW_CAP = 50
GAP_TOP = 20
#: Open reports per page.
FEEDBACK_PAGE = 20


def open_feedback() -> QuerySet[ArticleFeedback]:
    """Open correction reports, oldest first, with what the page shows and the article's versions."""
    return (ArticleFeedback.objects.filter(status=FeedbackStatus.OPEN)
            .select_related("article", "article__owner_unit", "article__published_version", "reported_by")
            .prefetch_related("article__versions").order_by("reported_at", "id"))


def feedback_of(article: Article) -> QuerySet[ArticleFeedback]:
    """An article's open correction reports, oldest first (shown to maintainers on the article page)."""
    return (article.feedback.filter(status=FeedbackStatus.OPEN).select_related("reported_by")
            .order_by("reported_at", "id"))


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def _published() -> QuerySet[Article]:
    return (Article.objects.filter(status=ArticleStatus.PUBLISHED, published_version__isnull=False)
            .select_related("owner_unit", "published_version"))


def expiring(days: int) -> QuerySet[Article]:
    """Published articles whose 失效日期 falls within the next `days` days or has passed: soonest first."""
    return _published().filter(valid_until__lte=today() + timedelta(days=days)).order_by("valid_until", "code")


def stale(months: int) -> QuerySet[Article]:
    """Published articles whose published version is older than `months` months (长期未修订): oldest first."""
    cutoff = timezone.make_aware(datetime.combine(months_before(today(), months), time.min))
    return _published().filter(published_version__published_at__lt=cutoff).order_by("published_version__published_at",
                                                                                   "code")


#: Where a consultation still is, or ended, at the desk: not (yet) sent on to a unit.
AT_THE_DESK = (Status.REGISTERED, Status.ANSWERED, Status.TRANSFERRED, Status.NOT_ACCEPTED)


@dataclass(frozen=True)
class Gap:
    """One category's consultations in the period: how many were answered on the spot, how many sent on to
    units (the rest are still undecided at the desk, transferred to 110/119/120, or declined)."""

    category_id: int | None
    category: str
    total: int
    answered: int
    sent_on: int
    articles: int

    @property
    def direct_share(self) -> float:
        return self.answered / self.total if self.total else 0.0


def gaps(user: User, days: int, *, top: int = GAP_TOP) -> tuple[list[Gap], int]:
    """The categories whose consultations were most often sent on (top `top`), and how many more categories.

    Consultations (咨询) raised by citizens (not 主动发现) registered in the last `days` days, merged
    duplicates left out as in 直接答复率; answered = closed by 直接答复; sent on = past the desk (dispatch
    and everything after it; not the ones still undecided, transferred or declined). `articles`
    counts the published articles that answered an order of that category (KbUsage, any time).
    Two grouped queries whatever the number of categories.
    """
    since = clock.now() - timedelta(days=days)
    rows = list(Ticket.objects.visible_to(user).from_citizens()
                .filter(request_type=RequestType.CONSULT, registered_at__gte=since)
                .exclude(status=Status.MERGED)
                .values("category_id", "category__full_name")
                .annotate(total=Count("id"), answered=Count("id", filter=Q(status=Status.ANSWERED)),
                          sent_on=Count("id", filter=~Q(status__in=AT_THE_DESK)))
                .filter(sent_on__gt=0)
                .order_by("-sent_on", "-total", "category__full_name"))
    shown = rows[:top]
    ids = [row["category_id"] for row in shown if row["category_id"] is not None]
    linked = Q(ticket__category_id__in=ids)
    if any(row["category_id"] is None for row in shown):
        linked |= Q(ticket__category__isnull=True)
    counts = dict(KbUsage.objects.filter(linked, article__status=ArticleStatus.PUBLISHED)
                  .values_list("ticket__category_id").annotate(n=Count("article_id", distinct=True))
                  .order_by()) if shown else {}
    return ([Gap(row["category_id"], row["category__full_name"] or "", row["total"], row["answered"],
                 row["sent_on"], counts.get(row["category_id"], 0)) for row in shown], len(rows) - len(shown))

