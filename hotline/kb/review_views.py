"""Pages of the knowledge base's upkeep: an agent's correction report (纠错反馈) and the maintainers' review page.

Every centre agent may flag an article; maintainers (`permissions.may_maintain`) see `/kb/review/`: open
reports with their resolve forms, articles due for review (expiring, long unrevised) and knowledge gaps.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.kb import feedback as feedback_services
from hotline.kb import review
from hotline.kb.choices import ArticleStatus, FeedbackKind
from hotline.kb.exceptions import KbError
from hotline.kb.models import Article, ArticleFeedback
from hotline.kb.params import whole_number as _whole
from hotline.kb.permissions import may_maintain, may_report

View = Callable[..., HttpResponse]


def maintainers_only(view: View) -> View:
    """Signed-in knowledge-base maintainers only; 403 for everyone else (other agents, unit staff)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not may_maintain(request.user):
            raise PermissionDenied(_("只有知识库维护人员（督办员、系统管理员）可以复核知识"))
        return view(request, *args, **kwargs)

    return wrapper


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, code: str) -> HttpResponse:
    """纠错反馈: the form (GET) and its submission (POST); a refusal shows the form again with what was typed."""
    if not may_report(request.user):
        raise PermissionDenied(_("只有热线中心工作人员可以提交知识纠错"))
    article = get_object_or_404(Article.objects.select_related("owner_unit", "published_version"), code=code)
    shown = article.published_version or article.latest_version
    typed = {"kind": request.POST.get("kind", ""), "note": request.POST.get("note", ""),
             "version": request.POST.get("version", "") or (str(shown.number) if shown else "")}
    error = ""
    if request.method == "POST":
        number = _whole(typed["version"])
        try:
            feedback_services.report_feedback(article, typed["kind"], typed["note"], request.user, version=number)
        except KbError as exc:
            error = exc.message
        else:
            messages.success(request, _("已提交纠错反馈，知识库维护人员将尽快核实处理。"))
            return redirect("kb:article", code=article.code)
    return render(request, "kb/feedback_form.html", {
        "article": article, "version": shown, "typed": typed, "error": error, "kinds": FeedbackKind,
        "retired": article.status == ArticleStatus.RETIRED,
    }, status=400 if error else 200)


def _number(request: HttpRequest, name: str, bounds: tuple[int, int, int], label: str) -> int:
    """A whole-number parameter within its bounds; anything else gets a message and the default."""
    default, low, high = bounds
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    number = _whole(raw)
    if number is not None and low <= number <= high:
        return number
    messages.warning(request, _("「%(label)s」应为 %(low)s 至 %(high)s 之间的整数，已按默认值 %(default)s 显示。")
                     % {"label": label, "low": low, "high": high, "default": default})
    return default


def _review_page(request: HttpRequest, *, typed: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    days = _number(request, "days", review.EXPIRY_DAYS, _("失效预警天数"))
    months = _number(request, "months", review.STALE_MONTHS, _("未修订月数"))
    gap_days = _number(request, "gap_days", review.GAP_DAYS, _("统计天数"))
    page = Paginator(review.open_feedback(), review.FEEDBACK_PAGE).get_page(request.GET.get("page"))
    for item in page:
        item.later_versions = [v for v in item.article.versions.all()
                               if v.number > item.version_number and v.published_at is not None]
        item.typed = typed if typed and typed.get("pk") == str(item.pk) else {}
    expiring, stale = review.expiring(days), review.stale(months)
    gap_rows, gap_more = review.gaps(request.user, gap_days)
    return render(request, "kb/review.html", {
        "page": page, "days": days, "months": months, "gap_days": gap_days, "today": review.today(),
        "expiring": expiring[:review.REVIEW_CAP], "expiring_total": expiring.count(),
        "stale": stale[:review.REVIEW_CAP], "stale_total": stale.count(),
        "gaps": gap_rows, "gap_more": gap_more, "cap": review.REVIEW_CAP,
        "query": request.GET.urlencode(),
    }, status=status)


@maintainers_only
@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    """知识复核: open correction reports, articles to review, knowledge gaps."""
    return _review_page(request)


@maintainers_only
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Resolve one report (已修订 with the fixing version, or 不采纳 with a note); a refusal keeps what was typed."""
    item = get_object_or_404(ArticleFeedback.objects.select_related("article"), pk=pk)
    decision = request.POST.get("decision", "")
    typed = {"pk": str(pk), "decision": decision, "note": request.POST.get("note", ""),
             "version": request.POST.get("version", "")}
    try:
        if decision not in ("revised", "dismissed"):
            raise KbError(_("请选择处理结果"))
        number = _whole(typed["version"])
        feedback_services.resolve_feedback(item, revised=decision == "revised", version=number,
                                           note=typed["note"], actor=request.user)
    except KbError as exc:
        messages.error(request, exc.message)
        return _review_page(request, typed=typed, status=400)
    messages.success(request, _("已处理 %(code)s 的纠错反馈") % {"code": item.article.code})
    query = request.GET.urlencode()
    return redirect(reverse("kb:review") + (f"?{query}" if query else ""))
