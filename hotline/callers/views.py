"""The list of caller profiles (`/callers/`) and one caller's page (`/callers/<phone>/`): tags, note, change log
and earlier orders; the edit form's POST.

Centre staff only (unit staff get a 403). The page shows the full number, which is recorded like every
full number shown (`phone_for`, docs/security.md). The intake pop-up posts its small form here with htmx
and gets its block back; without JavaScript the same form opens this page.
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
    if not may_read(request.user):
        raise PermissionDenied(_("来电人档案仅限热线中心人员查看"))
    form = listing.ProfileFilters(request.GET or None, user=request.user)
    filters = form.valid()
    page, rows = listing.profile_page(request.user, filters, request.GET.get("page"))
    return render(request, "callers/list.html", {
        "form": form, "filter_errors": form.error_lines(), "filtered": bool(filters), "page": page, "rows": rows,
    })


@login_required
@require_http_methods(["GET"])
@never_cache
def profile_by_id(request: HttpRequest, pk: int) -> HttpResponse:
    """The list's link to a profile: by its id, so neither the list nor the link carries a full number; the
    page shows the number and records that view (a redirect to `/callers/<phone>/` would put it, unrecorded,
    in the Location header)."""
    if not may_read(request.user):
        raise PermissionDenied(_("来电人档案仅限热线中心人员查看"))
    profile = listing.visible_profiles(request.user).filter(pk=pk).first()
    if profile is None:
        raise Http404(_("没有这个来电人档案"))
    return _page(request, profile.phone)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def profile_page(request: HttpRequest, phone: str) -> HttpResponse:
    """One caller's profile; POST changes its tags and note (the htmx pop-up gets its block back)."""
    if not may_read(request.user):
        raise PermissionDenied(_("来电人档案仅限热线中心人员查看"))
    number = profile_number(phone)
    if not number:
        raise Http404(_("来电号码不完整或格式不对"))
    if request.method == "GET" and number != phone:
        return redirect("caller-profile", phone=number)
    error = ""
    if request.method == "POST":
        if not may_edit(request.user):
            raise PermissionDenied(_("只有受理员、派单员、督办员和系统管理员可以修改来电人档案"))
        form = ProfileForm(request.POST)
        version = form.version()
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
        if not error:
            messages.success(request, _("来电人档案已保存"))
            return redirect("caller-profile", phone=number)
        return _page(request, number, error=error, form=form, status=400)
    return _page(request, number)


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
