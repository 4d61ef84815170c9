"""The Open311 GeoReport v2 endpoints (`/open311/v2/…{.json,.xml}`): thin views over selectors and services."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hotline.api.keys import authenticate, raw_key_from_request
from hotline.core import clock
from hotline.open311 import render, selectors, services
from hotline.open311.constants import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SPECIFICATION, WINDOW_DAYS
from hotline.open311.exceptions import BadRequest, NotFound, Open311Error
from hotline.open311.models import SubmittedRequest

View = Callable[..., HttpResponse]


def open311(view: View) -> View:
    """Answer Open311 errors in the spec's `errors` form, in the format the URL asked for."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            if _has_nul(request, [*args, *kwargs.values()]):  # PostgreSQL cannot look such a value up: no 500
                raise BadRequest(_("请求中含有无法处理的空字符（NUL）"))
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return render.error(fmt, exc.status, *exc.descriptions)

    return wrapper


def _has_nul(request: HttpRequest, path_values: list[Any]) -> bool:
    """Whether the path or the query string holds a NUL character (names and values)."""
    texts = [v for v in path_values if isinstance(v, str)]
    texts += [text for key, values in request.GET.lists() for text in (key, *values)]
    return any("\x00" in text for text in texts)


def _moment(request: HttpRequest, name: str) -> datetime | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10 and (day := parse_date(raw)) is not None:  # a whole day
            moment = datetime.combine(day, time.max if name == "end_date" else time.min)
        else:  # an unencoded "+08:00" arrives as " 08:00"
            moment = parse_datetime(raw.replace(" ", "+", 1) if " " in raw and "T" in raw else raw)
    except ValueError:
        moment = None
    if moment is None:
        raise BadRequest(_("%(field)s 不是 ISO 8601 时间") % {"field": name})
    if not 2000 <= moment.year <= 2100:  # also keeps the 90-day arithmetic inside datetime's range
        raise BadRequest(_("%(field)s 须在 2000 年至 2100 年之间") % {"field": name})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def window(request: HttpRequest) -> tuple[datetime, datetime]:
    """start_date/end_date, defaulting to the most recent 90 days; a wider range is refused."""
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    span = timedelta(days=WINDOW_DAYS)
    if start is None and end is None:
        end = clock.now()
    if start is None:
        start = end - span
    if end is None:
        end = start + span
    if end < start:
        raise BadRequest(_("end_date 早于 start_date"))
    if end - start > span:
        raise BadRequest(_("时间范围不能超过 %(n)s 天") % {"n": WINDOW_DAYS})
    return start, end


def _page(request: HttpRequest, items: Any) -> list[Any]:
    try:
        number = int(request.GET.get("page") or 1)
        size = int(request.GET.get("page_size") or DEFAULT_PAGE_SIZE)
    except ValueError:
        raise BadRequest(_("page 和 page_size 须为正整数")) from None
    if number < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(_("page 须不小于 1，page_size 须在 1 到 %(n)s 之间") % {"n": MAX_PAGE_SIZE})
    try:
        return list(Paginator(items, size, allow_empty_first_page=True).page(number).object_list)
    except EmptyPage:
        return []


def _csv(request: HttpRequest, name: str) -> list[str] | None:
    raw = request.GET.get(name)
    if raw is None or not raw.strip():
        return None
    return [v.strip() for v in raw.split(",") if v.strip()]


@require_http_methods(["GET"])
@open311
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Where the endpoint is and what it speaks."""
    base = request.build_absolute_uri(reverse("open311:root"))
    doc = {
        "changeset": "2025-03-01T00:00:00+08:00",
        "contact": _("12345 热线中心，电话 12345"),
        "key_service": _("向热线中心申请 API 密钥（权限范围 create）"),
        "endpoints": [{"specification": SPECIFICATION, "url": base.rstrip("/"),
                       "changeset": "2025-03-01T00:00:00+08:00", "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }
    return render.respond(fmt, "discovery", doc)


@require_http_methods(["GET"])
@open311
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET services: every active leaf category, grouped by its first level."""
    return render.respond(fmt, "services", [selectors.service_row(c) for c in selectors.services()])


@require_http_methods(["GET"])
@open311
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    """GET services/{service_code}: the attributes the service accepts."""
    category = selectors.find_service(code)
    if category is None:
        raise NotFound(_("service_code「%(code)s」不存在") % {"code": code})
    return render.respond(fmt, "service_definition", selectors.service_definition(category))


#: The largest service code there can be (a category's id, a 64-bit integer): a bigger one is a bad request,
#: not a number the database is asked about (SQLite cannot even take it as a parameter).
MAX_SERVICE_CODE = 2**63 - 1


def _codes(request: HttpRequest) -> list[int] | None:
    codes = _csv(request, "service_code")
    if codes is None:
        return None
    # The length first: int() refuses (ValueError) strings of thousands of digits.
    if not all(c.isdecimal() and len(c) <= len(str(MAX_SERVICE_CODE)) and int(c) <= MAX_SERVICE_CODE
               for c in codes):
        raise BadRequest(_("service_code 须为服务代码，多个以逗号分隔"))
    return [int(c) for c in codes]


def _statuses(request: HttpRequest) -> list[str] | None:
    statuses = _csv(request, "status")
    if statuses is not None and not set(statuses) <= {"open", "closed"}:
        raise BadRequest(_("status 只能为 open 或 closed"))
    return statuses


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET requests: public orders by filter; POST requests: submit a new request (api_key needed)."""
    if request.method == "POST":
        raw = (request.POST.get("api_key") or "").strip() or raw_key_from_request(request)
        created = services.create_request(request.POST, authenticate(raw) if raw else None)
        return render.respond(fmt, "service_requests", [
            {"service_request_id": created.service_request_id, "token": created.token,
             "service_notice": _("已提交，工单编号 %(number)s，待热线中心受理") % {"number": created.service_request_id},
             "account_id": ""}], status=201)
    numbers = _csv(request, "service_request_id")
    if numbers is not None:
        query = selectors.RequestQuery(numbers=numbers)
    else:
        start, end = window(request)
        query = selectors.RequestQuery(service_codes=_codes(request), start=start, end=end,
                                       statuses=_statuses(request))
    rows = selectors.request_rows(_page(request, selectors.find_requests(query)))
    return render.respond(fmt, "service_requests", rows)


@require_http_methods(["GET"])
@open311
def request_detail(request: HttpRequest, number: str, *, fmt: str) -> HttpResponse:
    """GET requests/{service_request_id}: one public order (a list of one, as the spec has it); one not accepted
    yet answers with its status only (`selectors.request_row`)."""
    ticket = selectors.find_order(number)  # its submitter follows it before it is accepted (status only)
    if ticket is None:
        raise NotFound(_("工单「%(number)s」不存在") % {"number": number})
    return render.respond(fmt, "service_requests", [selectors.request_row(ticket)])


@require_http_methods(["GET"])
@open311
def token(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    """GET tokens/{token}: the order a POST's token stands for."""
    found = (SubmittedRequest.objects.filter(token=token, ticket__is_confidential=False)
             .select_related("ticket").first())
    if found is None:
        raise NotFound(_("令牌「%(token)s」不存在") % {"token": token})
    return render.respond(fmt, "service_requests", [{"service_request_id": found.ticket.number, "token": token}])


@require_http_methods(["GET"])
@open311
def request_updates(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET servicerequestupdates (mySociety's extension): public steps between start_date and end_date."""
    start, end = window(request)
    rows = selectors.update_rows(_page(request, selectors.updates(start, end)))
    return render.respond(fmt, "service_request_updates", rows)
