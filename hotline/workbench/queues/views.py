"""The order list and the role queues (派单队列、待办、答复审核、待审批、回访、督办看板), bulk actions and exports.

Every queue is a pre-filtered view of the same list: it starts from `Ticket.objects.visible_to(user)`,
narrows it to its statuses or tab, then applies the same `OrderFilterSet`, the same template and the
same pagination. A role that has no business in a queue gets 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hotline.accounts.choices import Role
from hotline.core.privacy import phone_for, text_for, unit_text_for
from hotline.sla.choices import Light
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.transitions import DISPATCH, REVIEW, SUPERVISE, TRANSITIONS, UNIT, VISIT
from hotline.triage.models import Alert, AlertKind, AlertStatus
from hotline.workbench import once as one_time
from hotline.workbench.posted import posted_next
from hotline.workbench.queues import bulk as b
from hotline.workbench.queues import consultations, export, selectors
from hotline.workbench.queues.filtersets import CHASED_VALUES, DEFAULT_SORT, SORTS, OrderFilterSet

#: Orders per page of every list.
PAGE_SIZE = 50

#: Who may open each queue (every other role gets 403).
QUEUE_ROLES: dict[str, frozenset[str]] = {
    "dispatch": DISPATCH,
    "inbox": UNIT | {Role.ADMIN},
    "review": REVIEW,
    "approvals": frozenset().union(*(TRANSITIONS[action].roles for kind in selectors.PENDING_KINDS.values()
                                     for action in kind.decisions)),
    "visits": VISIT,
    "supervision": SUPERVISE | {Role.LEADER},
}

#: The 已下派 tab's query parameter listing the finished hand-downs too (「含已办结」): `finished=1`.
FINISHED_PARAM = "finished"

_WAITING = [Status.PENDING_DISPATCH, Status.REGISTERED]
_INBOX_TABS = [("sign", gettext_lazy("待签收")), ("doing", gettext_lazy("办理中")),
               ("soon", gettext_lazy("即将超期")), ("overdue", gettext_lazy("已超期")),
               ("replied", gettext_lazy("已回复")), ("forwarded", gettext_lazy("已下派")),
               ("consult", gettext_lazy("会商"))]
#: The 待审批 queue's own sort: the longest-waiting request first.
_OLDEST_REQUEST = {"pending_since": (gettext_lazy("申请时间（早→晚）"), [F("pending_since").asc(), F("id").asc()])}
#: The 会商 tabs' sorts: on the opinions' deadline (意见时限) of the open consultation.
_CONSULT_DUE = {"opinions_due": (gettext_lazy("意见时限（早→晚）"), consultations.CONSULT_SORTS["opinions_due"]),
                "-opinions_due": (gettext_lazy("意见时限（晚→早）"), consultations.CONSULT_SORTS["-opinions_due"])}
#: An order that may be life-threatening and that no agent took on the line (triage's open 危及生命安全（无坐席受理）
#: alert): the dispatch queue flags it and lists it first in its default order, until the shift lead 知悉 the alert.
_LIFE_ALERT = Exists(Alert.objects.filter(kind=AlertKind.LIFE_UNATTENDED, status=AlertStatus.OPEN,
                                          tickets=OuterRef("pk")))
_LIFE_FIRST = {"registered_at": (SORTS["registered_at"][0],
                                 [F("life_alert").desc(), F("registered_at").asc(), F("id").asc()])}
#: The unit inbox's 当前时限 sorts: on the units' own deadline (the 本单位时限 column), not the order's.
_UNIT_DEADLINE = {key: (SORTS[key][0], order) for key, order in selectors.UNIT_DEADLINE_SORTS.items()}


def _allow(request: HttpRequest, queue: str) -> None:
    if request.user.role not in QUEUE_ROLES[queue]:
        raise PermissionDenied(_("您的角色不能查看该队列"))


def _tab(request: HttpRequest, keys: Iterable[str]) -> str:
    keys = list(keys)
    tab = request.GET.get("tab", "")
    return tab if tab in keys else keys[0]


def _tabs(request: HttpRequest, current: str, items: list[tuple[str, Any]], counts: dict[str, int]) -> list[dict]:
    return [{"key": k, "label": label, "count": counts.get(k), "active": k == current,
             "url": f"{request.path}?{urlencode({'tab': k})}"} for k, label in items]


def _export_query(request: HttpRequest, statuses: list[str] | None, default_sort: str = DEFAULT_SORT) -> str | None:
    """The current filters for the export links; a queue's statuses are intersected with the chosen ones, and
    the queue's own default order (e.g. 派单队列 oldest first) is kept when no sort was chosen, so that the file
    lists the orders as the page does (the export reads the common sorts only, `SORTS`)."""
    query = request.GET.copy()
    for key in ("page", "tab"):
        query.pop(key, None)
    if not query.get("sort") and default_sort != DEFAULT_SORT and default_sort in SORTS:
        query["sort"] = default_sort
    if statuses is not None:
        chosen = query.getlist("status")
        kept = [s for s in statuses if not chosen or s in chosen]
        if not kept:
            return None  # the chosen statuses leave the queue empty: nothing to export
        query.setlist("status", kept)
    return query.urlencode()


def render_list(request: HttpRequest, base: QuerySet[Ticket], *, title: str, tab: str = "",
                tabs: list[dict] | None = None, columns: Iterable[str] = (), bulk: Iterable[str] = (),
                default_sort: str = DEFAULT_SORT, export_statuses: list[str] | None = None,
                export_enabled: bool = True, template: str = "tickets/list.html",
                extra: dict | None = None, on_page: Callable[[list[Ticket]], None] | None = None,
                unfiltered_count: int | None = None,
                extra_sorts: dict[str, tuple[str, list[Any]]] | None = None) -> HttpResponse:
    """Filter, sort and paginate `base` with the FilterSet and render the list (or only its results for htmx).

    `on_page` completes the page's orders; `unfiltered_count`, when known, is the number of orders in
    `base`, used instead of counting them again while no filter is in use; `extra_sorts` are the
    queue's own sort orders (see `OrderFilterSet`).
    """
    data = request.GET.copy()
    data.setdefault("sort", default_sort)
    fs = OrderFilterSet(data, user=request.user, default_sort=default_sort, extra_sorts=extra_sorts)
    qs = selectors.for_list(fs.filter_queryset(base))
    paginator = Paginator(qs, PAGE_SIZE)
    if unfiltered_count is not None and set(fs.qs_params) <= {"sort"}:
        paginator.count = unfiltered_count  # a cached property: set, it is not counted again
    page = paginator.get_page(request.GET.get("page"))
    selectors.attach_lead(page.object_list)
    selectors.attach_supervision(page.object_list)
    if on_page is not None:
        on_page(page.object_list)
    for ticket in page.object_list:  # texts read as the order page reads them (numbers, withheld names masked)
        _read_texts(ticket, request.user)
    if "phone" in columns:
        for ticket in page.object_list:
            ticket.phone = phone_for(ticket, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": title, "fs": fs, "page": page, "orders": page.object_list, "query": query.urlencode(),
        "tab": tab, "tabs": tabs or [], "columns": set(columns), "bulk": b.bulk_forms(tuple(bulk), request.user),
        "next": request.get_full_path(), "bulk_token": one_time.new_token(),
        "export_query": _export_query(request, export_statuses, default_sort) if export_enabled else None,
        **(extra or {}),
    }
    if request.headers.get("HX-Request") == "true":
        template = "workbench/queues/_results.html"
    return render(request, template, context)


@login_required
@require_GET
def dispatch_queue(request: HttpRequest) -> HttpResponse:
    """派单队列: orders waiting for dispatch (those under consultation marked 会商中, and in a tab of their own
    with the units' answers), and a tab of returns (退单待审) to review, with their reasons."""
    _allow(request, "dispatch")
    visible = Ticket.objects.visible_to(request.user)
    tab = _tab(request, ["pending", "consulting", "returned"])
    waiting = Q(status__in=_WAITING)
    counts = visible.aggregate(pending=Count("id", filter=waiting),
                               consulting=Count("id", filter=waiting & Q(consultations.consulting_filter())),
                               returned=Count("id", filter=Q(status=Status.RETURNED)))
    tabs = _tabs(request, tab, [("pending", _("待派单")), ("consulting", _("会商中")), ("returned", _("退单待审"))],
                 counts)
    if tab == "returned":
        base = selectors.with_pending_returns(visible.filter(status=Status.RETURNED))
        return render_list(request, base, title=_("派单队列"), tab=tab, tabs=tabs, columns=["reason"],
                           bulk=[Action.MERGE], default_sort="registered_at",
                           export_statuses=[Status.RETURNED])
    if tab == "consulting":
        base = consultations.under_consultation(visible.filter(waiting))
        return render_list(request, base, title=_("派单队列"), tab=tab, tabs=tabs, columns=["consult"],
                           default_sort="opinions_due", extra_sorts=_CONSULT_DUE, export_enabled=False,
                           on_page=consultations.attach_consultation)
    pending = consultations.mark_consulting(visible.filter(waiting)).annotate(life_alert=_LIFE_ALERT)
    return render_list(request, pending, title=_("派单队列"), tab=tab,
                       tabs=tabs, columns=["channel"], bulk=[Action.SEND_TO_DISPATCH, Action.DISPATCH, Action.MERGE],
                       default_sort="registered_at", extra_sorts=_LIFE_FIRST, export_statuses=list(_WAITING))


@login_required
@require_GET
def inbox_queue(request: HttpRequest) -> HttpResponse:
    """待办: the orders sent to the person's units (and the units below), by the state of their assignment,
    and (会商) the open consultations that invited those units, the unanswered first (the only ones its badge counts)."""
    _allow(request, "inbox")
    units = selectors.unit_scope(request.user)
    tab = _tab(request, [*selectors.INBOX_TABS, "consult"])
    # 会商's badge counts only the orders still waiting for an opinion; its list holds the answered ones too.
    consult_waiting, consult_listed = consultations.consult_counts(request.user, units)
    counts = {**selectors.inbox_counts(units), "consult": consult_waiting}
    tabs = _tabs(request, tab, _INBOX_TABS, counts)
    # 已下派 lists the open hand-downs; 「含已办结」 (`finished=1`) adds the finished ones, which no badge counts.
    include_finished = tab == "forwarded" and request.GET.get(FINISHED_PARAM, "") == "1"
    # Unit staff's unfiltered tab holds exactly the orders its count counted: no second count.
    known = ({**counts, "consult": consult_listed}[tab]) if request.user.is_unit_staff and not include_finished else None
    if tab == "consult":
        return render_list(request, consultations.consult_inbox(request.user, units), title=_("待办"), tab=tab,
                           tabs=tabs, columns=["invited"], default_sort="opinions_due", export_enabled=False,
                           on_page=lambda orders: consultations.attach_consultation(orders, request.user, units),
                           unfiltered_count=known, extra_sorts=_CONSULT_DUE)
    base = selectors.inbox(request.user, units, tab, include_finished=include_finished)
    bulk = [Action.SIGN] if tab == "sign" else []
    own = selectors.own_units(request.user)  # a sub-unit's order: no bulk checkbox, its unit named
    return render_list(request, base, title=_("待办"), tab=tab, tabs=tabs, columns=["mine"],
                       bulk=bulk, default_sort="phase_due", export_enabled=False,
                       on_page=lambda orders: selectors.attach_mine(orders, units, own), unfiltered_count=known,
                       extra_sorts=_UNIT_DEADLINE,
                       extra={"finished_toggle": _finished_toggle(request, include_finished)}
                       if tab == "forwarded" else None)


def _finished_toggle(request: HttpRequest, included: bool) -> dict[str, Any]:
    """The 已下派 tab's 「含已办结」 switch: whether finished hand-downs are listed, and the link that flips it
    (keeping the filters and sort, back to the first page)."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop(FINISHED_PARAM, None)
    if not included:
        query[FINISHED_PARAM] = "1"
    return {"included": included, "param": FINISHED_PARAM, "url": f"{request.path}?{query.urlencode()}"}


def _read_texts(ticket: Ticket, user: Any) -> None:
    """Set what a list row quotes as this person may read it, as the order page does: the title
    (`title_shown`), a unit's pending reply and return reason (`content_shown`, `reason_shown`: the unit's
    own words through `unit_text_for`) and an open consultation's question (`question_shown`). A citizen's
    number shown in full is recorded as a full-number view, as on the order page."""
    ticket.title_shown = text_for(ticket.title, ticket, user)
    for reply in getattr(ticket, "pending_replies", ()):
        reply.content_shown = unit_text_for(reply.content, ticket, user, unit_id=reply.assignment.unit_id)
    for returned in getattr(ticket, "pending_returns", ()):
        returned.reason_shown = unit_text_for(returned.reason, ticket, user, unit_id=returned.assignment.unit_id)
    if consult := getattr(ticket, "consult", None):
        consult.consultation.question_shown = text_for(consult.consultation.question, ticket, user)


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """答复审核: units' replies waiting for the centre's review."""
    _allow(request, "review")
    base = selectors.with_pending_replies(Ticket.objects.visible_to(request.user).filter(status=Status.REPLIED))
    return render_list(request, base, title=_("答复审核"), columns=["reply"], bulk=[Action.APPROVE_REPLY],
                       default_sort="registered_at", export_statuses=[Status.REPLIED])


@login_required
@require_GET
def approvals_queue(request: HttpRequest) -> HttpResponse:
    """待审批: units' requests for an extension (延期), an unreasonable claim (不合理诉求), an appeal (申诉) or
    to stop handling (终止办理) waiting for the centre's decision, the longest-waiting first; each role sees the kinds it may decide."""
    _allow(request, "approvals")
    kinds = selectors.kinds_decided_by(request.user)
    base = selectors.awaiting_decision(Ticket.objects.visible_to(request.user), kinds)
    return render_list(request, base, title=_("待审批"), columns=["pending"], default_sort="pending_since",
                       extra_sorts=_OLDEST_REQUEST, export_enabled=False,
                       on_page=lambda orders: selectors.attach_pending(orders, kinds))


@login_required
@require_GET
def visits_queue(request: HttpRequest) -> HttpResponse:
    """回访: orders whose reply was approved, waiting for the call back to the citizen (电话回访, with this
    round's unanswered calls) or, for a proactive order (主动发现), for the centre's 现场核查; a tab for each."""
    _allow(request, "visits")
    waiting = Ticket.objects.visible_to(request.user).filter(status=Status.AWAITING_VISIT)
    tab = _tab(request, selectors.VISIT_TABS)
    counts = selectors.visit_counts(waiting)
    tabs = _tabs(request, tab, [("all", _("全部")), ("call", _("电话回访")), ("verify", _("现场核查"))], counts)
    base = selectors.with_visit_round(waiting.filter(selectors.VISIT_TABS[tab]))
    # A check has no caller: no 来电人/联系电话 columns on its tab. The exports know no tab: whole queue only.
    columns = ["visit"] if tab == "verify" else ["visit", "phone"]
    return render_list(request, base, title=_("回访"), tab=tab, tabs=tabs, columns=columns,
                       default_sort="registered_at", export_statuses=[Status.AWAITING_VISIT],
                       export_enabled=tab == "all", unfiltered_count=counts[tab])


@login_required
@require_GET
def supervision_board(request: HttpRequest) -> HttpResponse:
    """督办看板: yellow, red and overdue open orders by lead unit, and the red orders to remind or supervise.

    With the 群众催办 filter set, the list holds the chased open orders whatever their light (a chased green or
    yellow order is a sign of 推诿 too); a line above the list says which of the two it shows.
    """
    _allow(request, "supervision")
    visible = Ticket.objects.visible_to(request.user)
    supervisable = visible.filter(status__in=TRANSITIONS[Action.SUPERVISE].sources)
    if request.GET.get("chased", "") in CHASED_VALUES:
        listed, note = supervisable.filter(chase_count__gte=1), _("列出群众催办过的在办工单，不论亮灯。")
    else:
        listed = supervisable.filter(light=Light.RED)
        note = _("下方只列出红灯工单；选择「群众催办」筛选，可列出群众催办过的在办工单（不论亮灯）。")
    return render_list(request, listed, title=_("督办看板"), bulk=[Action.SUPERVISE], default_sort="phase_due",
                       export_enabled=False, template="workbench/queues/supervision.html",
                       extra={"board": selectors.supervision_board(visible), "list_note": note})


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Take one step on every selected order, each on its own, and show what was done and what was refused.

    Each order's `version-<number>` (the version the list showed) goes with it: an order changed since by
    someone else is refused as stale (`bulk.run_bulk`), the others go on.
    """
    action = request.POST.get("action", "")
    if action not in b.BULK_ACTIONS:
        return HttpResponseBadRequest(_("该操作不支持批量执行"))
    if request.user.role not in TRANSITIONS[action].roles:
        # Refused before the form is read, so that its validation (e.g. a master order number) tells nothing.
        raise PermissionDenied(_("您的角色不能执行该操作"))
    numbers = b.clean_numbers(request.POST.getlist("numbers"))
    back = posted_next(request)  # a path on this site only (not "//…" nor "/\\…")
    form = b.bulk_form(action, request.user, request.POST)
    context: dict[str, Any] = {"spec": b.STEPS[action], "form": form, "back": back, "numbers": numbers}
    if not numbers or len(numbers) > b.MAX_ORDERS or not form.is_valid():
        context["too_many"] = len(numbers) > b.MAX_ORDERS
        context["max_orders"] = b.MAX_ORDERS
        return render(request, "workbench/queues/bulk_report.html", context, status=400)
    once = one_time.key(request, "bulk", b.what_it_says(action, numbers, form.cleaned_data))
    if not one_time.claim(once):  # the same batch posted again (a double click, a reload): act once
        context["repeated"] = True
        return render(request, "workbench/queues/bulk_report.html", context, status=409)
    with one_time.given_back_on_error(once):  # a crash (a lock timeout) did nothing: the list may be posted again
        report = b.run_bulk(request.user, action, numbers, form.cleaned_data,
                            b.posted_versions(request.POST, numbers))
    if not report.done:  # every order refused, nothing changed: the corrected list may be posted again
        one_time.release(once)
    context["report"] = report
    return render(request, "workbench/queues/bulk_report.html", context)


def _export_qs(request: HttpRequest) -> QuerySet[Ticket]:
    fs = OrderFilterSet(request.GET, user=request.user)
    return fs.filter_queryset(Ticket.objects.visible_to(request.user))


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered order list as CSV (streamed)."""
    return export.csv_response(_export_qs(request), request.user)


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered order list as an Excel workbook."""
    return export.xlsx_response(_export_qs(request), request.user)
