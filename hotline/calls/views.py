"""Pages and endpoints of the call centre: CTI intake, screen pop, callbacks, queue metrics, a call."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hotline.accounts.choices import Role
from hotline.callers.selectors import profile_card
from hotline.calls import callbacks, selectors
from hotline.calls.choices import UNFINISHED, CallbackOutcome
from hotline.calls.constants import setting
from hotline.calls.exceptions import CallbackError, SignatureError
from hotline.calls.ingest import ingest
from hotline.calls.models import Call, Callback
from hotline.calls.signing import verify
from hotline.core import clock
from hotline.core.labels import label
from hotline.core.privacy import phone_for
from hotline.tickets.models import Ticket
from hotline.workbench.intake.selectors import caller_history
from hotline.workbench.intake.views import may_register

View = Callable[..., HttpResponse]
METRICS_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.INSPECTOR, Role.DISPATCHER, Role.ADMIN})
MAX_BODY = 20 * 1024 * 1024


def caller_for(phone: str, user: Any) -> str:
    """The caller's number as this person may see it (the order pages' rule: full for centre staff)."""
    return phone_for(SimpleNamespace(caller_phone=phone), user)


def roles_only(roles: frozenset[str]) -> Callable[[View], View]:
    """Let in signed-in, active people with one of `roles`; 403 for everyone else."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not (request.user.is_active and request.user.role in roles):
                raise PermissionDenied(_("无权查看此页面"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


# --- CTI endpoint -----------------------------------------------------------------------------------


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


@csrf_exempt  # a machine endpoint authenticated by its HMAC signature, never by a browser session
@require_POST
def cti_events(request: HttpRequest) -> HttpResponse:
    """POST /cti/v1/events: one event, a list of events or {"events": [...]}, signed by a PBX source."""
    length = str(request.META.get("CONTENT_LENGTH") or "0")
    if not length.isdecimal() or int(length) > MAX_BODY:
        return _error(413, "request body too large")
    body = request.body
    try:
        source = verify(request.headers, body)
    except SignatureError as exc:
        return _error(exc.status, exc.message)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deeply to parse
        return _error(400, "the body is not valid JSON")
    items = data.get("events") if isinstance(data, dict) and "events" in data else data
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        return _error(400, "expected an event object, a list of events or {\"events\": [...]}")
    if len(items) > setting("MAX_BATCH"):
        return _error(413, f"at most {int(setting('MAX_BATCH'))} events per request")
    result = ingest(source, items)
    return JsonResponse(result.as_json(), status=400 if result.rejected else 200)


# --- screen pop -------------------------------------------------------------------------------------


@login_required
@require_GET
def pop(request: HttpRequest) -> HttpResponse:
    """The agent's call in progress and the caller's history (来电弹屏), as JSON for the banner.

    `?shown=<key>`: the banner already shows that call (`key` is the call's row id: a PBX's call id is
    unique per PBX only). While it is still the current one the answer is only `{"id": …, "key": …,
    "same": true}`: no history, no profile card, no number shown again (the poll every 2 s stays at two
    small queries); a changed call, no call or a first poll gets the full answer.
    """
    user = request.user
    if not may_register(user):
        return JsonResponse({"error": _("无权使用来电弹屏")}, status=403)
    if not user.pbx_agents.exists():
        return JsonResponse({"agent": False, "call": None})
    call = selectors.current_call(user)
    if call is None:
        return JsonResponse({"agent": True, "call": None})
    key = str(call.pk)
    if request.GET.get("shown") == key:
        return JsonResponse({"agent": True, "call": {"id": call.call_id, "key": key, "same": True}})
    shown = caller_for(call.caller, user)
    history = caller_history(user, call.caller)
    intake = reverse("intake")
    full = bool(call.caller) and shown == call.caller
    card = profile_card(user, call.caller, editable=False) if full else None  # 来电人标签, as on the intake page
    return JsonResponse({"agent": True, "call": {
        "id": call.call_id,
        "key": key,
        "caller": shown,
        "answered_at": timezone.localtime(call.answered_at).strftime("%H:%M:%S"),
        "orders_total": history.total if history.looked_up else 0,
        "open_total": len(history.open_orders) if history.looked_up else 0,
        "latest": [{"number": t.number, "title": t.title, "status": t.get_status_display(),
                    "registered": timezone.localtime(t.registered_at).strftime("%Y-%m-%d"),
                    "url": reverse("order-detail", args=[t.number])} for t in history.orders[:3]],
        "intake_url": f"{intake}?{urlencode({'phone': call.caller})}" if full else intake,
        "tags": [{"name": t.name, "sensitive": t.is_sensitive} for t in card.tags] if card else [],
        "note": card.note if card else "",
    }})


# --- callbacks --------------------------------------------------------------------------------------


@roles_only(callbacks.CALLBACK_ROLES)
@require_GET
def callback_queue(request: HttpRequest) -> HttpResponse:
    """The callbacks to make (漏接回拨), most urgent first."""
    now = clock.now()
    rows = [{"cb": cb, "phone": caller_for(cb.phone, request.user), "late": cb.due_at < now,
             "lapsed": callbacks.claim_lapsed(cb, now)} for cb in callbacks.queue_for(request.user)]
    total = Callback.objects.filter(status__in=UNFINISHED).count()
    return render(request, "calls/callbacks.html", {"rows": rows, "now": now, "total": total})


@roles_only(callbacks.CALLBACK_ROLES)
@require_http_methods(["GET", "POST"])
def callback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One callback: its missed calls, its history, and the claim / release / outcome steps."""
    cb = get_object_or_404(Callback.objects.select_related("claimed_by", "ticket"), pk=pk)
    status = 200
    if request.method == "POST":
        try:
            _callback_step(request, cb)
        except CallbackError as exc:
            messages.error(request, exc.message)
            status = 409
        else:
            return redirect("calls-callback", pk=cb.pk)
    calls = [link.call for link in cb.call_links.select_related("call").order_by("call__offered_at")]
    events = list(cb.events.select_related("actor"))
    for event in events:  # the audit record keeps the bare code; show its label (an unknown code as is)
        event.outcome_label = label(CallbackOutcome, event.outcome)
    return render(request, "calls/callback.html", {
        "cb": cb, "phone": caller_for(cb.phone, request.user), "calls": calls, "events": events,
        "outcomes": CallbackOutcome.choices, "mine": cb.claimed_by_id == request.user.pk,
        "lapsed": callbacks.claim_lapsed(cb, clock.now()),
    }, status=status)


def _callback_step(request: HttpRequest, cb: Callback) -> None:
    """Run the step the button asked for; CallbackError when refused."""
    step = request.POST.get("step")
    note = request.POST.get("note", "").strip()[:500]
    if step == "claim":
        callbacks.claim(cb, actor=request.user)
        messages.success(request, _("已领取，请回拨"))
    elif step == "release":
        try:
            callbacks.release(cb, actor=request.user, note=note)
        except CallbackError:
            if callbacks.own_release(cb, actor=request.user) is None:
                raise
            # the same button clicked twice: the first post released it
            messages.info(request, _("此回拨已由您放回队列，未重复操作"))
        else:
            messages.success(request, _("已放回队列"))
    elif step == "outcome":
        number = request.POST.get("order", "").strip()
        ticket = None
        if number:
            ticket = Ticket.objects.visible_to(request.user, one=True).filter(number=number).first()
            if ticket is None:
                raise CallbackError(_("找不到工单 %(number)s") % {"number": number})
        try:
            callbacks.record_outcome(cb, actor=request.user, outcome=request.POST.get("outcome", ""), note=note,
                                     ticket=ticket)
        except CallbackError:
            if (done := callbacks.own_outcome(cb, actor=request.user)) is None:
                raise
            # the same form posted twice (a double click): the first post recorded it
            messages.info(request, _("回拨结果已登记（%(outcome)s），未重复登记") % {
                "outcome": label(CallbackOutcome, done.outcome)})
        else:
            messages.success(request, _("回拨结果已登记"))
    else:
        raise CallbackError(_("未知的操作"))


# --- metrics and calls ------------------------------------------------------------------------------


#: Days the metrics page shows (a date outside would overflow the day's bounds; none is meaningful).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _day(request: HttpRequest) -> tuple[date, str]:
    """The day asked for (`?date=YYYY-MM-DD`, default today), and why the one given was not used, if so."""
    today = timezone.localdate(clock.now())
    raw = request.GET.get("date", "").strip()
    if not raw:
        return today, ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today, _("无法识别的日期 %(value)s（格式：2025-11-01）") % {"value": raw}
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return today, (_("%(value)s 超出范围（年份须在 %(low)s 至 %(high)s 之间）")
                       % {"value": raw, "low": FIRST_YEAR, "high": LAST_YEAR})
    return day, ""


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _row(label: str, m: selectors.IntervalMetrics, peak: int) -> dict[str, Any]:
    """One table row of figures, formatted, with the widths of its bars (share of the busiest row)."""
    return {
        "label": label, "m": m, "connect": _pct(m.connect_rate), "sl": _pct(m.service_level),
        "abandon": _pct(m.abandon_rate), "asa": _secs(m.asa_seconds), "abandon_wait": _secs(m.avg_abandon_seconds),
        "aht": _secs(m.aht_seconds), "staffed": f"{m.agents_staffed:.1f}", "occupancy": _pct(m.occupancy),
        "offered_w": round(100 * m.offered / peak), "answered_w": round(100 * m.answered / peak),
        "connect_low": m.connect_rate is not None and m.connect_rate < setting("CONNECT_RATE_TARGET"),
        "sl_low": m.service_level is not None and m.service_level < setting("SERVICE_LEVEL_TARGET"),
    }


@roles_only(METRICS_ROLES)
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Queue metrics of one day per half-hour, the last 14 days, and per agent, against the targets."""
    day, date_error = _day(request)
    start, end = selectors.day_bounds(day)
    intervals = selectors.interval_metrics(start, end)
    first = day - timedelta(days=13)
    days = [(first + timedelta(days=n), m) for n, m in enumerate(selectors.daily_summaries(first, 14))]
    summary = selectors.queue_summary(start, end)
    peak = max([m.offered for m in intervals] + [1])
    day_peak = max([m.offered for _, m in days] + [1])
    agents = [{"a": f, "aht": _secs(f.aht_seconds), "occupancy": _pct(f.occupancy),
               "logged": f"{f.logged_in_seconds / 3600:.1f}", "not_ready": f"{f.not_ready_seconds / 60:.0f}"}
              for f in selectors.agent_figures(start, end)]
    return render(request, "calls/metrics.html", {
        "day": day, "date_error": date_error,
        "previous": day - timedelta(days=1) if day > date(FIRST_YEAR, 1, 1) else None,
        "next": day + timedelta(days=1) if day < date(LAST_YEAR, 12, 31) else None,
        "summary": _row("", summary, max(summary.offered, 1)),
        "intervals": [_row(timezone.localtime(m.start).strftime("%H:%M"), m, peak) for m in intervals],
        "days": [_row(d.strftime("%m-%d"), m, day_peak) for d, m in days], "agents": agents,
        "connect_target": _pct(setting("CONNECT_RATE_TARGET")), "sl_target": _pct(setting("SERVICE_LEVEL_TARGET")),
        "short_abandon": int(setting("SHORT_ABANDON_SECONDS")), "answer_target": int(setting("ANSWER_TARGET_SECONDS")),
    })


@login_required
@require_GET
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One call: its timeline, the orders registered during it (centre staff only)."""
    if not request.user.is_centre_staff:
        raise PermissionDenied(_("无权查看此页面"))
    call = get_object_or_404(Call.objects.select_related("agent__user", "source"), pk=pk)
    events = call_events(call)
    orders = list(Ticket.objects.visible_to(request.user).filter(call_links__call=call).order_by("registered_at"))
    return render(request, "calls/call.html", {"call": call, "caller": caller_for(call.caller, request.user),
                                               "events": events, "orders": orders})


def call_events(call: Call) -> list[tuple[datetime, str, str]]:
    """The call's stored events in the order they are applied: (time, label, detail)."""
    from hotline.calls.choices import EVENT_RANK, EventType
    from hotline.calls.models import CallEvent

    rows = CallEvent.objects.filter(source_id=call.source_id, call_id=call.call_id).select_related("agent")
    ordered = sorted(rows, key=lambda r: (r.at, EVENT_RANK.get(r.type, 99), r.event_id))
    return [(r.at, EventType(r.type).label, str(r.agent or r.payload.get("to", "") or _end_reason(r.payload.get("reason", ""))))
            for r in ordered]


#: The PBX's `call.ended` reasons people read on a call's page; another code shows as it came.
END_REASONS = {
    "normal": gettext_lazy("正常结束"), "caller_hangup": gettext_lazy("来电人挂断"),
    "queue_timeout": gettext_lazy("排队超时"), "overflow": gettext_lazy("溢出转接"),
    "no_agent": gettext_lazy("无坐席可接"), "closed": gettext_lazy("非服务时间"),
    "system": gettext_lazy("系统结束"), "busy": gettext_lazy("占线"), "ivr": gettext_lazy("语音导航中结束"),
}


def _end_reason(code: object) -> str:
    """The label of a PBX end reason, or the code itself when it is not a known one."""
    return str(END_REASONS.get(str(code), code))


#: Who the top bar's 话务 entry opens for: those who read the metrics or work the callback queue.
HOME_ROLES = METRICS_ROLES | callbacks.CALLBACK_ROLES


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The calls entry of the top bar: metrics for supervisors, the callback queue for agents."""
    if request.user.role not in HOME_ROLES:
        raise PermissionDenied(_("无权查看此页面"))
    if request.user.role in METRICS_ROLES and request.user.role != Role.DISPATCHER:
        return redirect("calls-metrics")
    if request.user.role in callbacks.CALLBACK_ROLES:
        return redirect("calls-callbacks")
    raise PermissionDenied(_("无权查看此页面"))
