"""Pages of the citizen portal (no login): submit, praise, track an order, rate it online.

Thin views: the forms validate, `hotline.portal.services` acts, `hotline.portal.selectors` decides
what may be shown. No page shows a caller's name or phone, a staff member's name or an internal note.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hotline.core import clock
from hotline.core.ratelimit import FailureLimit, RateLimit, Verdict
from hotline.portal import ratelimit, services, submission, tracked_order
from hotline.portal.constants import MAX_PHOTOS, NUMBER_BUCKETS, rate_limit
from hotline.portal.forms import PraiseForm, RateForm, SubmitForm, TrackForm
from hotline.portal.selectors import chase_offer, public_order, public_reply
from hotline.tickets.exceptions import ConflictError, DomainError
from hotline.tickets.models import Ticket
from hotline.workbench import once as one_time

#: Session key of the receipt shown once after a submission.
RECEIPT = "portal_receipt"


def _limited(request: HttpRequest, verdict: Verdict) -> HttpResponse:
    response = render(request, "portal/limited.html", status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _number_limit() -> FailureLimit:
    """Failed lookups per order number, from every address together (`NUMBER_BUCKETS`)."""
    return FailureLimit(tuple(RateLimit(f"portal-{bucket}", *rate_limit(bucket)) for bucket in NUMBER_BUCKETS))


def _find_tracked(form: TrackForm) -> Ticket | Verdict | None:
    """The order of a valid form's number and query code; None for a wrong pair (counted against the number),
    or the refusal when the number has had too many wrong codes — then nothing is looked up, the right code
    included, and an unknown number is refused the same way."""
    number, guard = form.cleaned_data["number"], _number_limit()
    if not (verdict := guard.attempt(number)).allowed:
        return verdict
    ticket = services.find_for_tracking(number, form.cleaned_data["query_code"])
    if ticket is not None:
        guard.succeeded(number)
    return ticket


def _form_limited(request: HttpRequest) -> Verdict | None:
    """The verdict when this client may not submit now (counting the try), else None."""
    tried = ratelimit.hit(request, "submit-try")
    if not tried.allowed:
        return tried
    submissions = ratelimit.peek(request, "submit")
    return None if submissions.allowed else submissions


def _refused_for_now(request: HttpRequest, template: str, context: dict, verdict: Verdict) -> HttpResponse:
    """The form again with what the citizen typed and why it was not sent (429 with Retry-After)."""
    minutes = max(1, -(-verdict.retry_after // 60))
    context["form"].add_error(None, ngettext(
        "提交过于频繁，请在 %(minutes)s 分钟后再提交；您填写的内容仍在下方。如有急事，请致电 12345。",
        "提交过于频繁，请在 %(minutes)s 分钟后再提交；您填写的内容仍在下方。如有急事，请致电 12345。",
        minutes) % {"minutes": minutes})
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _keep_receipt(request: HttpRequest, ticket: Ticket, kind: str, *, with_code: bool = True) -> None:
    """The receipt for the next page (`submitted`); without the query code when a late repeat shows it again."""
    request.session[RECEIPT] = {"number": ticket.number, "query_code": ticket.query_code if with_code else "",
                                "kind": kind}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The portal's front page: write, track, praise."""
    return render(request, "portal/home.html")


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Write a request (我要反映); photos are checked by content before anything is saved."""
    extra = {"max_photos": MAX_PHOTOS}
    if request.method != "POST":
        return _form_page(request, "portal/submit.html", SubmitForm(), extra)

    def register(data: dict[str, Any]) -> Ticket:
        draft = services.web_draft(
            request_type=data["request_type"], title=data["title"], description=data["description"],
            address=data["address"], district=data["district"], name=data["name"], phone=data["phone"],
            is_anonymous=data["is_anonymous"], is_confidential=data["is_confidential"], company=data["company"])
        return services.submit_request(draft, data["photos"])

    form = SubmitForm(request.POST, request.FILES)
    return _register_once(request, form, "request", "portal/submit.html", extra, register)


@never_cache
@require_http_methods(["GET", "POST"])
def praise(request: HttpRequest) -> HttpResponse:
    """Praise a unit or a person (表扬)."""
    if request.method != "POST":
        return _form_page(request, "portal/praise.html", PraiseForm(), {})
    form = PraiseForm(request.POST)
    return _register_once(request, form, "praise", "portal/praise.html", {},
                          lambda data: services.submit_praise(**data))


def _form_page(request: HttpRequest, template: str, form: Form, extra: dict[str, Any],
               status: int = 200, token: str | None = None) -> HttpResponse:
    """A portal form (我要反映, 表扬) with its one-time token (`submission`): `token`, else the page's own."""
    return render(request, template, {"form": form, "submission": token or submission.for_page(request), **extra},
                  status=status)


def _register_once(request: HttpRequest, form: Form, kind: str, template: str, extra: dict[str, Any],
                   register: Callable[[dict[str, Any]], Ticket]) -> HttpResponse:
    """The post of a portal form: registered once per rendered form, then the receipt (Post/Redirect/Get).

    The form's token is claimed, with the fingerprint of its content, before registering; a repeat of the
    same token shows the first receipt again, the same token with other content is refused (`_again`). A
    valid form without a token the portal issued registers nothing and comes back with what was typed and a
    fresh token, so the next click sends it.
    """
    once = submission.key(request, f"portal-{kind}")
    if once is not None and one_time.recall(once) is not None:
        return _again(request, form, once, kind, template, extra)
    if (limited := _form_limited(request)) is not None:
        context = {"form": form, "submission": submission.for_page(request), **extra}
        return _refused_for_now(request, template, context, limited)
    if form.is_valid():
        if once is None:
            form.add_error(None, _("页面已过期，本次提交没有发送。您填写的内容仍在下方，请核对后再次提交。"))
            if request.FILES:
                form.add_error(None, _("照片需要重新选择。"))
            return _form_page(request, template, form, extra, status=400)
        content = submission.fingerprint(form.cleaned_data)
        if not submission.claim(once, content):  # the same form posted twice at once
            return _again(request, form, once, kind, template, extra)
        try:
            with one_time.given_back_on_error(once):
                ticket = register(form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            submission.remember(once, ticket.number, content)
            ratelimit.hit(request, "submit")
            _keep_receipt(request, ticket, kind)
            return redirect("portal:submitted")
    return _form_page(request, template, form, extra, status=400)


def _again(request: HttpRequest, form: Form, once: str, kind: str, template: str,
           extra: dict[str, Any]) -> HttpResponse:
    """A form posted with a token already used: nothing new is registered.

    The same content again (a double click, a resent post): the first receipt is shown again — with its
    query code only shortly after registering (`submission.REPLAY_SECONDS`; why whoever posts the token may
    see it: `hotline.portal.submission`). While the first post is still registering, the form comes back
    with the same token and says so. Other content (the page restored with Back and another request written,
    or an invalid form): refused with what was typed and a fresh token, so the next click registers it.
    """
    content = submission.fingerprint(form.cleaned_data) if form.is_valid() else ""
    first = submission.outcome(once, content)
    if first is not None and not first.same_request(content):
        return _other_request(request, form, first.number, template, extra)
    ticket = Ticket.objects.filter(number=first.number).first() if first is not None and first.number else None
    if ticket is None:
        form.add_error(None, _("您的提交正在处理，请勿重复提交。请稍候再点击提交按钮查看回执，不会重复登记。"))
        return _form_page(request, template, form, extra, status=409)
    shown_again = clock.now() - ticket.registered_at <= timedelta(seconds=submission.REPLAY_SECONDS)
    _keep_receipt(request, ticket, kind, with_code=shown_again)
    return redirect("portal:submitted")


def _other_request(request: HttpRequest, form: Form, number: str, template: str,
                   extra: dict[str, Any]) -> HttpResponse:
    """Another request posted from a page already submitted: not registered, not dropped either — the form
    comes back as typed with a fresh token and says so (409), and the next click sends it."""
    if number:
        said = _("此页面已提交过（工单号 %(number)s），您修改后的内容尚未提交。请核对下方内容后再次点击提交。") % {
            "number": number}
    else:
        said = _("此页面已提交过，您修改后的内容尚未提交。请核对下方内容后再次点击提交。")
    form.add_error(None, said)
    if request.FILES:
        form.add_error(None, _("照片需要重新选择。"))
    return _form_page(request, template, form, extra, status=409, token=submission.issue())


@never_cache
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    """The receipt: the order number and the query code, shown once (a repeat of the same form, `_again`,
    puts it back for its own answer)."""
    receipt = request.session.pop(RECEIPT, None)
    return render(request, "portal/submitted.html", {"receipt": receipt})


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Track an order with its number and query code; a wrong code and an unknown number read the same.

    Every post counts a try in the `track` bucket, and a wrong pair a failure against the number from whatever
    address (`_find_tracked`: after too many, the number answers 429 to everyone for a while).
    Post/Redirect/Get: the right pair is kept in the session (`tracked_order`) and the answer is a 303 to the
    result page (`tracked`), which can be reloaded, reached with Back or shown in another language; anything
    else answers the post with the form and its error.
    A GET only pre-fills the number (`?number=`, the SMS link); it never looks an order up.
    """
    if request.method != "POST":
        initial = {"number": request.GET.get("number", "")[:20]}
        return render(request, "portal/track.html", {"form": TrackForm(initial=initial)})
    if not (verdict := ratelimit.hit(request, "track")).allowed:
        return _limited(request, verdict)
    form = TrackForm(request.POST)
    found = _find_tracked(form) if form.is_valid() else None
    if isinstance(found, Verdict):
        return _limited(request, found)
    ticket = found
    if ticket is None:
        if form.is_valid():  # a wrong pair; an invalid form shows its fields' errors
            form.add_error(None, _("工单编号或查询码不正确，请核对后重试。"))
        return render(request, "portal/track.html", {"form": form})
    tracked_order.remember(request, ticket.number, form.cleaned_data["query_code"])
    return HttpResponseRedirect(reverse("portal:tracked"), status=303)


@never_cache
@require_http_methods(["GET", "POST"])
def chase(request: HttpRequest) -> HttpResponse:
    """催办 from the tracking page: the number and query code again, then the chase on the order (or its master).

    Rate-limited like tracking, and a wrong number or code counts a try in the `track` bucket and a failure
    against the number too (no second way to guess codes). Once per order per working day: a refusal for
    that is told once, by the page's 催办 card. Other refusals read plainly (never the staff's wording); a GET
    goes to the tracking form.
    Post/Redirect/Get: the order is kept in the session and the answer goes to the result page (`tracked`),
    which says what the chase did once and can be reloaded or shown in another language.
    """
    if request.method != "POST":
        return redirect("portal:track")
    if not (verdict := ratelimit.hit(request, "chase")).allowed:
        return _limited(request, verdict)
    if not (tracking := ratelimit.peek(request, "track")).allowed:
        return _limited(request, tracking)
    form = TrackForm(request.POST)
    found = _find_tracked(form) if form.is_valid() else None
    if isinstance(found, Verdict):
        return _limited(request, found)
    ticket = found
    if ticket is None:
        ratelimit.hit(request, "track")
        form.add_error(None, _("工单编号或查询码不正确，请核对后重试。"))
        return render(request, "portal/track.html", {"form": form}, status=400)
    if chase_offer(ticket) != "offered":
        outcome = _refusal(ticket, None)
    else:
        try:
            services.chase_online(ticket)
        except DomainError as exc:
            ticket.refresh_from_db()
            outcome = _refusal(ticket, exc)
        else:
            outcome = RECORDED
    tracked_order.remember(request, ticket.number, form.cleaned_data["query_code"], outcome)
    return redirect("portal:tracked")


@never_cache
@require_GET
def tracked(request: HttpRequest) -> HttpResponse:
    """The order last tracked or chased in this browser (kept a short time): what a chase did, said once, then
    the plain tracking result; when nothing is kept (or the time is up, or the code no longer fits) the
    tracking form, with a short note that the pair is needed again."""
    kept = tracked_order.recall(request)
    ticket = services.find_for_tracking(kept.number, kept.query_code) if kept else None
    if ticket is None:
        tracked_order.forget(request)
        messages.info(request, _("查询结果已失效，请重新输入工单编号和查询码。"))
        return redirect(f"{reverse('portal:track')}?{urlencode({'number': kept.number})}" if kept else "portal:track")
    said = CHASE_SAID.get(kept.outcome, "")
    return render(request, "portal/track_result.html", {
        "order": public_order(ticket), "chase_said": said, "chase_ok": kept.outcome == RECORDED,
        "chase_refused": kept.outcome not in ("", RECORDED), "query_code": kept.query_code})


#: What a chase did, as kept for the result page: recorded, refused because the order changed meanwhile,
#: refused for another reason; "" when the page's 催办 card says it (already chased today, awaiting the citizen).
RECORDED, BUSY, REFUSED = "recorded", "busy", "refused"
CHASE_SAID = {
    RECORDED: gettext_lazy("催办已记录，承办单位和热线中心会看到您的催办。"),
    BUSY: gettext_lazy("该工单刚有新的办理进展，请稍后再试。"),
    REFUSED: gettext_lazy("该工单当前不能催办。如有新的诉求，请重新反映或致电 12345。"),
}


def _refusal(ticket: Ticket, error: DomainError | None) -> str:
    """Why the portal did not record the chase (a CHASE_SAID key); `tracked_order.CARD` when the page's 催办
    card says it (already chased this working day, or the unit waits for the citizen's call)."""
    if chase_offer(ticket) in ("today", "awaiting"):
        return tracked_order.CARD
    if isinstance(error, ConflictError):  # the order changed while the chase was being recorded
        return BUSY
    return REFUSED


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The citizen's online return visit (网上评价) through a single-use link."""
    if not (verdict := ratelimit.hit(request, "rate")).allowed:
        return _limited(request, verdict)
    invitation = services.open_invitation(token)
    if invitation is None:
        return _rated_or_invalid(request, token)
    ticket = invitation.ticket
    form = RateForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.rate(token, resolved=form.cleaned_data["resolved"],
                          satisfaction=form.cleaned_data["satisfaction"],
                          unit_contacted=form.cleaned_data["unit_contacted"])
        except DomainError:  # e.g. the same form posted twice at once, and the other post rated
            return _rated_or_invalid(request, token)
        return render(request, "portal/rate_done.html", {"number": ticket.number})
    context = {"form": form, "number": ticket.number,
               "reply": "" if ticket.is_confidential else public_reply(ticket)}
    return render(request, "portal/rate.html", context, status=400 if form.is_bound else 200)


def _rated_or_invalid(request: HttpRequest, token: str) -> HttpResponse:
    """A link that cannot rate (any more): the done page when its own rating is recorded (a double click on
    提交评价, the link opened again), else 评价链接已失效 (used by nobody's rating, superseded, expired, unknown)."""
    ticket = services.rated_through(token)
    if ticket is not None:
        return render(request, "portal/rate_done.html", {"number": ticket.number})
    return render(request, "portal/rate_invalid.html", status=404)


#: The portal's forms a citizen may leave open too long: view name → (template, form, extra context).
_FORMS = {
    "portal:submit": ("portal/submit.html", SubmitForm, {"max_photos": MAX_PHOTOS}),
    "portal:praise": ("portal/praise.html", PraiseForm, {}),
    "portal:track": ("portal/track.html", TrackForm, {}),
}


def page_expired(request: HttpRequest) -> HttpResponse:
    """A post refused by the CSRF check (a page left open too long, cookies blocked): nothing was sent.

    The form comes back with what was typed and a fresh token (403), so the citizen can send it again;
    photos must be chosen again, as after any rejection. Other pages get a short explanation and a way back.
    """
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = ""
    if view_name in _FORMS:
        template, form_class, extra = _FORMS[view_name]
        form = form_class(request.POST, request.FILES) if form_class is SubmitForm else form_class(request.POST)
        form.add_error(None, _("页面已过期，本次提交没有发送。您填写的内容仍在下方，请核对后再次提交。"))
        return render(request, template, {"form": form, "submission": submission.for_page(request), **extra},
                      status=403)
    return render(request, "portal/expired.html", {"back_url": request.path}, status=403)
