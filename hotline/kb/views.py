"""Pages of the knowledge base: the agents' search and suggestions, 以此答复, and the citizens' FAQ search.

Agents (centre staff) search and read every published article; citizens see only public, published
articles in force, rate-limited per address. Editing is in the admin, through the services.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.ratelimit import RateLimit, client_ip
from hotline.kb import selectors, services
from hotline.kb.choices import ArticleStatus, Kind
from hotline.kb.constants import FAQ_PAGE_SIZE, FAQ_RATE_LIMIT, SUGGEST_LIMIT, SUGGEST_MIN_CHARS
from hotline.kb.exceptions import KbError
from hotline.kb.models import Article
from hotline.kb.params import whole_number
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Ticket

View = Callable[..., HttpResponse]
FAQ_LIMIT = RateLimit("kb-faq", limit=FAQ_RATE_LIMIT[0], window=FAQ_RATE_LIMIT[1])


def is_agent(user: object) -> bool:
    """Centre staff (受理员, 派单员, 督办, 质检, 领导, 管理员) use the knowledge base at work."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_centre_staff)


def agents_only(view: View) -> View:
    """Signed-in centre staff only; 403 for everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_agent(request.user):
            raise PermissionDenied(_("只有热线中心工作人员可以使用知识库"))
        return view(request, *args, **kwargs)

    return wrapper


def _kinds(request: HttpRequest) -> list[str]:
    kind = request.GET.get("kind", "")
    return [kind] if kind in Kind.values else []


def _hit_json(hit: selectors.Hit) -> dict:
    article, version = hit.article, hit.version
    return {"id": article.pk, "code": article.code, "title": version.title, "version": version.number,
            "kind": article.kind, "kind_label": str(article.get_kind_display()), "owner": article.owner_unit.name,
            "public": article.is_public,  # an internal guide (内部口径) is for reading, not for the citizen
            "valid_until": article.valid_until.isoformat() if article.valid_until else None,
            "answer": version.answer, "answer_text": services.answer_text(article),
            "url": reverse("kb:article", args=[article.code]), "score": round(hit.score, 4)}


@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    """Articles for what the agent is typing (JSON for the intake page): top matches in force today."""
    if not is_agent(request.user):
        return JsonResponse({"error": "forbidden", "message": _("只有热线中心工作人员可以使用知识库")}, status=403)
    query = request.GET.get("q", "").strip()
    if len(query) < SUGGEST_MIN_CHARS:
        return JsonResponse({"query": query, "results": []})
    hits = selectors.search(query, kinds=_kinds(request), limit=SUGGEST_LIMIT)
    return JsonResponse({"query": query, "results": [_hit_json(hit) for hit in hits]})


@agents_only
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """The agents' search page (知识库检索): every published article in force, by kind and owner unit."""
    query = request.GET.get("q", "").strip()
    owner = whole_number(request.GET.get("owner"))
    owners = [owner] if owner is not None else []
    hits = selectors.search(query, kinds=_kinds(request), owner_unit_ids=owners, limit=30) if query else []
    recent = [] if query else selectors.recent_in_force(limit=30)
    return render(request, "kb/list.html", {"query": query, "hits": hits, "recent": recent, "kinds": Kind,
                                            "kind": request.GET.get("kind", "")})


@agents_only
@require_GET
def article_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One article for agents: the published text, every version and the audit trail."""
    article = get_object_or_404(Article.objects.select_related("owner_unit", "published_version"), code=code)
    return render(request, "kb/article.html", {
        "article": article, "version": article.published_version or article.latest_version,
        "versions": article.versions.select_related("created_by"),
        "events": article.events.select_related("actor"), "usages": article.usages.count(),
    })


@login_required
@require_POST
def answer(request: HttpRequest, number: str) -> HttpResponse:
    """以此答复: close a consultation through 直接答复 with the chosen article's answer; refusals change nothing."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user, one=True), number=number)
    article_id = whole_number(request.POST.get("article"))
    article = (Article.objects.select_related("published_version").filter(pk=article_id).first()
               if article_id is not None else None)
    if article is None:
        messages.error(request, _("请选择一条知识"))
        return redirect("order-detail", number=number)
    version = request.POST.get("version", "").strip()
    if version and ticket.version != whole_number(version):  # a stale page, or no version number at all
        messages.error(request, _("工单已被他人处理，请刷新后重试"))
        return redirect("order-detail", number=number)
    shown = request.POST.get("article_version", "").strip()
    shown_number = whole_number(shown) if shown else None
    if shown and shown_number is None:  # not a version number: the page cannot say which text was read
        messages.error(request, _("页面已过期，请刷新后重试"))
        return redirect("order-detail", number=number)
    try:
        services.answer_with_article(ticket, article, actor=request.user, shown=shown_number)
    except (KbError, DomainError) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已按知识 %(code)s 直接答复，工单已办结") % {"code": article.code})
    return redirect("order-detail", number=number)


# --- The citizens' FAQ search (public, no login) -----------------------------------------------------


def _limited(request: HttpRequest) -> HttpResponse | None:
    if not settings.HOTLINE_PUBLIC_RATE_LIMITS_ENABLED:
        return None
    verdict = FAQ_LIMIT.hit(client_ip(request))
    if verdict.allowed:
        return None
    response = render(request, "portal/limited.html", status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    """常见问题 for citizens: public, published articles in force that match their question."""
    if (limited := _limited(request)) is not None:
        return limited
    query = request.GET.get("q", "").strip()[:100]
    page = max(1, min(whole_number(request.GET.get("page")) or 1, 20))
    hits = selectors.search(query, public_only=True, kinds=_kinds(request), limit=FAQ_PAGE_SIZE + 1,
                            offset=(page - 1) * FAQ_PAGE_SIZE) if query else []
    return render(request, "kb/faq.html", {
        "query": query, "hits": hits[:FAQ_PAGE_SIZE], "page": page, "has_next": len(hits) > FAQ_PAGE_SIZE,
        "kinds": Kind, "kind": request.GET.get("kind", ""),
    })


@require_GET
def faq_article(request: HttpRequest, code: str) -> HttpResponse:
    """One public article for citizens; anything not public, published and in force is a 404."""
    if (limited := _limited(request)) is not None:
        return limited
    article = (Article.objects.select_related("owner_unit", "published_version")
               .filter(code=code, is_public=True, status=ArticleStatus.PUBLISHED).first())
    if article is None or article.published_version is None or not article.is_valid_on(services.today()):
        raise Http404
    return render(request, "kb/faq_article.html", {"article": article, "version": article.published_version})
