"""The list of caller profiles (`/callers/`) and one caller's page: tags, note, change log and earlier orders; the
edit form's POST.

Centre staff only (unit staff get a 403). The page shows the full number, which is recorded like every
full number shown (`phone_for`, docs/security.md). Its addresses carry no number (browser history, the
proxy's access log and Referer headers would keep it): `/callers/p/<id>/` for a profile this person may
open by id, `/callers/order/<order number>/` for an order's caller, and the POSTs `/callers/open/` and
`/callers/save/` with the number in the body. The old `/callers/<phone>/` still answers bookmarks,
redirecting to `/callers/p/<id>/` where it can. The intake pop-up posts its small form with htmx and gets
its block back; without JavaScript the same form opens the page.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hotline.callers import listing, selectors
from hotline.callers.forms import ProfileForm
from hotline.callers.permissions import may_edit, may_read
from hotline.callers.selectors import ProfileCard
from hotline.callers.services import profile_number, update_profile
from hotline.core.privacy import mask_phone, phone_for
from hotline.tickets.exceptions import DomainError
from hotline.workbench.intake.selectors import caller_history
from hotline.workbench.posted import PAGE_EXPIRED


@login_required
@require_http_methods(["GET"])
@never_cache
def profile_list(request: HttpRequest) -> HttpResponse:
    """The profiles this person may see, newest change first, with filters; numbers masked (the page records
    a full number when it is opened)."""
    _must_read(request)
    form = listing.ProfileFilters(request.GET or None, user=request.user)
    filters = form.valid()
    page, rows = listing.profile_page(request.user, filters, request.GET.get("page"))
    return render(request, "callers/list.html", {
        "form": form, "filter_errors": form.error_lines(), "filtered": bool(filters), "page": page, "rows": rows,
    })


def _must_read(request: HttpRequest) -> None:
    if not may_read(request.user):
        raise PermissionDenied(_("来电人档案仅限热线中心人员查看"))


def _whole_number(phone: str) -> str:
    number = profile_number(phone)
    if not number:
        raise Http404(_("来电号码不完整或格式不对"))
    return number


def _profile_id(request: HttpRequest, number: str) -> int | None:
    """The id of `number`'s profile when this person may open it by id (`/callers/p/<id>/`), else None."""
    return listing.visible_profiles(request.user).filter(phone=number).values_list("pk", flat=True).first()


def _open(request: HttpRequest, number: str) -> HttpResponse:
    """The number-free answer for `number`: to `/callers/p/<id>/` when this person may open the profile by
    id, else the page itself (no profile yet, or one showing them nothing), at the address asked."""
    pk = _profile_id(request, number)
    if pk is not None:
        return redirect("caller-profile-id", pk=pk)
    return _page(request, number)


@login_required
@require_http_methods(["GET"])
@never_cache
def profile_by_id(request: HttpRequest, pk: int) -> HttpResponse:
    """A profile by its id, so no address carries a full number; the page shows the number and records
    that view. A profile that shows this person nothing (only tags they may not see) is a 404, as in the list."""
    _must_read(request)
    profile = listing.visible_profiles(request.user).filter(pk=pk).first()
    if profile is None:
        raise Http404(_("没有这个来电人档案"))
    return _page(request, profile.phone)


@login_required
@require_http_methods(["GET"])
@never_cache
def profile_by_order(request: HttpRequest, number: str) -> HttpResponse:
    """The caller of the order `number` (the order page's link when the profile has no id this person may
    open, e.g. a caller with orders and no profile yet): only an order this person may see whose page
    shows them the caller's full number (`selectors.order_caller_number`); else a 404."""
    _must_read(request)
    phone = selectors.order_caller_number(request.user, number)
    if not phone:
        raise Http404(_("没有这个工单，或无法查看其来电人档案"))
    return _open(request, phone)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def profile_open(request: HttpRequest) -> HttpResponse:
    """Open a number's profile with the number posted, not in the address (the intake pop-up's link for a
    number that has no profile yet). A GET (the language switch of a page shown here) goes to the list."""
    _must_read(request)
    if request.method == "GET":
        return redirect("caller-list")
    return _open(request, _whole_number(ProfileForm(request.POST).phone()))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def profile_save(request: HttpRequest) -> HttpResponse:
    """The edit form's POST, the number in the body: change the tags and note (the htmx pop-up gets its block
    back). A GET (the language switch of a page shown here) goes to the list."""
    _must_read(request)
    if request.method == "GET":
        return redirect("caller-list")
    return _save(request, _whole_number(ProfileForm(request.POST).phone()))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def profile_page(request: HttpRequest, phone: str) -> HttpResponse:
    """The old address, by number, kept for bookmarks: a GET is redirected to `/callers/p/<id>/` when this
    person may open the profile by id (so the number stops spreading), else shows the page (a number typed
    another way is first redirected to its stored form); a POST changes the profile as `/callers/save/`."""
    _must_read(request)
    number = _whole_number(phone)
    if request.method == "POST":
        return _save(request, number)
    pk = _profile_id(request, number)
    if pk is not None:
        return redirect("caller-profile-id", pk=pk)
    if number != phone:
        return redirect("caller-profile", phone=number)
    return _page(request, number)


def _save(request: HttpRequest, number: str) -> HttpResponse:
    """Change `number`'s profile from the posted form; the page again (400) or the pop-up block on a refusal."""
    if not may_edit(request.user):
        raise PermissionDenied(_("只有受理员、派单员、督办员和系统管理员可以修改来电人档案"))
    form = ProfileForm(request.POST)
    version = form.version()
    error = ""
    if version is None:  # no version, or not a short number: a form made on an unknown version is stale
        error = str(PAGE_EXPIRED)
    else:
        try:
            update_profile(number, tags=form.tag_names(), note=form.note(), actor=request.user,
                           expected_version=version)
        except DomainError as exc:
            error = exc.message
    if request.headers.get("HX-Request") == "true":  # htmx swaps 200s only: the refusal is in the block
        card = selectors.profile_card(request.user, number)
        if error:
            form.keep_posted(card)
        return render(request, "callers/_profile.html", {"card": card, "error": error, "saved": not error,
                                                          "popup": True})
    if error:
        return _page(request, number, error=error, form=form, status=400)
    messages.success(request, _("来电人档案已保存"))
    return _open(request, number)  # back to the page, by id where it can


def _page(request: HttpRequest, number: str, *, error: str = "", form: ProfileForm | None = None,
          status: int = 200) -> HttpResponse:
    card: ProfileCard = selectors.profile_card(request.user, number)
    if form is not None:
        form.keep_posted(card)
    changes = selectors.profile_changes(request.user, number)
    return render(request, "callers/page.html", {
        "card": card,
        "error": error,
        "phone": phone_for(SimpleNamespace(caller_phone=number), request.user),  # recorded when shown in full
        "masked": mask_phone(number),
        "changes": changes,
        "last_change": changes[0] if changes else None,  # 最近修改: the last change this person may see
        "history": caller_history(request.user, number),
    }, status=status)
