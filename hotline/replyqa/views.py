"""The reviewer's list of replies awaiting review with their quality findings (答复质检)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.kpis.forms import PeriodForm
from hotline.replyqa import selectors
from hotline.replyqa.labels import grade_label, rows
from hotline.tickets.transitions import REVIEW

PAGE_SIZE = 50
#: Who may open 答复质检 (the main navigation reads this set too).
REPLYQA_ROLES = REVIEW


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    """Replies awaiting the centre's review, oldest first, with score, grade and the number of findings."""
    if request.user.role not in REPLYQA_ROLES:
        raise PermissionDenied(_("您的角色不能查看答复质检"))
    page = Paginator(selectors.awaiting_review(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"review": review, "rows": rows(review.findings.findings), "grade": grade_label(review.findings.grade)}
             for review in selectors.reviews(list(page.object_list))]
    return render(request, "replyqa/list.html", {"page": page, "items": items})


@login_required
@require_GET
def unit_summary(request: HttpRequest) -> HttpResponse:
    """Per unit: how often its reply claimed 已联系群众 and the citizen said at the visit nobody contacted them,
    in a month (the last full month unless asked) or a range of days; the units with most first."""
    if request.user.role not in REPLYQA_ROLES:
        raise PermissionDenied(_("您的角色不能查看答复质检"))
    form = PeriodForm(request.GET or None)
    period = form.period
    units = selectors.unit_summary(request.user, since=period.start, until=period.end)
    return render(request, "replyqa/units.html", {"form": form, "period": period, "units": units})
