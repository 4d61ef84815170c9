"""Orders over the API: list (the order list's filters, paginated), read, create, timeline, return visits."""

import math
import re
from datetime import date
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, StrictInt

from hotline.api import idempotency, serialize
from hotline.api.constants import MAX_PAGE_SIZE, PAGE_SIZE
from hotline.api.errors import ApiError
from hotline.api.principal import Principal
from hotline.api.rendering import render_json
from hotline.api.schemas import (
    COMMON_ERRORS,
    ErrorOut,
    OrderDetailOut,
    OrderPage,
    ReturnVisitOut,
    TimelineEventOut,
)
from hotline.api.scopes import Scope
from hotline.ops.access import order_shown
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.sla.models import AcceptanceSettings
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.tickets.choices import ONLINE_CHANNELS, Channel, EmergencyService, NotAcceptedReason, Sex, Status
from hotline.tickets.models import Ticket
from hotline.workbench.intake.choices import Decision
from hotline.workbench.intake.forms import IntakeCheck
from hotline.workbench.intake.services import take_call
from hotline.workbench.queues.filtersets import PHONE_SEARCH, SORTS, OrderFilterSet, holds_number
from hotline.workbench.queues.selectors import PENDING_KINDS

router = Router(tags=["orders"])

NOT_FOUND = {404: ErrorOut}
ORDER_ERRORS = {**COMMON_ERRORS, **NOT_FOUND}


def principal_of(request: HttpRequest) -> Principal:
    return request.auth  # set by hotline.api.auth


def visible_order(principal: Principal, number: str, qs=None) -> Ticket:  # noqa: ANN001
    """The order if this caller may see it; otherwise 404, whether it exists or not."""
    # The number is unique: no ORDER BY (compiling the default ordering against a wide select cost more
    # than the query itself).
    ticket = next(iter((qs if qs is not None else principal.orders(one=True)).filter(number=number).order_by()[:1]),
                  None)
    if ticket is None:
        raise ApiError(404, "not_found", _("工单不存在或无权查看"))
    return ticket


def unit_pk(code: str | None, field: str) -> str:
    """The id of the unit with this code, as a form field value ("" for none); 400 for an unknown code."""
    if not code:
        return ""
    pk = HandlingUnit.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        message = _("未知的单位编码「%(code)s」") % {"code": code}
        raise ApiError(400, "validation_error", message, {field: [message]})
    return str(pk)


def form_errors(form, renamed: dict[str, str] | None = None) -> dict[str, list[str]]:  # noqa: ANN001
    """A form's errors by field, under the API's own field names where the form names them differently."""
    renamed = renamed or {}
    return {renamed.get(field, field): [str(e) for e in errors] for field, errors in form.errors.items()}


# --- List ----------------------------------------------------------------------------------------------


def page_values(name: str) -> tuple[str, ...]:
    """The values the order list page's filter `name` offers (`OrderFilterSet`), its blank 不限 left out: the API
    takes exactly those, so the two cannot drift apart."""
    return tuple(str(value) for value, _label in OrderFilterSet.base_fields[name].choices if value)


class OrderFilters(Schema):
    """The filters of the order list page (`OrderFilterSet`), with units by code; an unknown parameter is refused."""

    q: str | None = Field(None, max_length=100,
                          description="工单编号前缀、标题或内容；中心人员可按完整来电号码（密钥须有 phone 权限范围）。"
                                      "读号码打码的（承办单位、无 phone 权限范围的密钥）：含号码的搜索只查工单编号"
                                      "（数字以外还有文字时拒绝），匿名工单只按编号查找")
    status: list[Literal[tuple(Status.values)]] = Field(default_factory=list, description="状态（可多选）")  # type: ignore[valid-type]
    state: Literal["open", "finished"] | None = None
    light: Literal[tuple(Light.values)] | None = None  # type: ignore[valid-type]
    request_type: Literal[tuple(RequestType.values)] | None = None  # type: ignore[valid-type]
    channel: Literal[tuple(Channel.values)] | None = None  # type: ignore[valid-type]
    urgency: Literal[tuple(Urgency.values)] | None = None  # type: ignore[valid-type]
    category: int | None = Field(None, ge=1, le=2_147_483_647, description="任一级分类 id（含下级）")
    lead_unit: str | None = Field(None, max_length=32, description="主办单位编码")
    district: str | None = Field(None, max_length=32, description="区的单位编码")
    registered_from: date | None = Field(None, ge=date(2000, 1, 1), le=date(2100, 12, 31))
    registered_to: date | None = Field(None, ge=date(2000, 1, 1), le=date(2100, 12, 31))
    overdue: Literal[page_values("overdue")] | None = Field(  # type: ignore[valid-type]
        None, description="超期：any 任一、close 办结、sign 签收、reply 答复、lead 主办单位超期（督办看板的口径，"
                          "有 lead_unit 时为该单位）")
    supervision: Literal["none", "any", "1", "2", "3"] | None = None
    pending: Literal[("any", *PENDING_KINDS)] | None = Field(  # type: ignore[valid-type]
        None, description="待审批：any 或 extension/unreasonable/appeal/termination（由中心审定的申请）")
    chased: Literal["1", "3"] | None = Field(None, description="群众催办：1 = 催办过，3 = 催办 3 次及以上")
    sort: Literal[tuple(SORTS)] | None = None  # type: ignore[valid-type]
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


#: An order number or its start (工单编号: the registration date, 20…, then the id; 15 digits in all).
ORDER_NUMBER_PREFIX = re.compile(r"^20\d{3,13}$")


def _refuse_number_search(principal: Principal, q: str | None) -> None:
    """Refuse (403 insufficient_scope) a search by number from a key without the `phone` scope that acts for
    centre staff: the list compares a centre account's number-shaped search with callers' full numbers
    (`OrderFilterSet.filter_q`), and a number typed among words (电话13812345678, 138.1234.5678, an identity
    card number) with texts the key reads masked; either would confirm a number the key may not see. An order
    number (or its start), shaped like a number too, is still looked up by number (the FilterSet, told the key
    reads numbers masked, compares it with order numbers only). A unit's key is never compared with numbers:
    its number-shaped search finds order numbers, and one holding a number among words is refused (400)."""
    text = (q or "").strip()
    if principal.sees_full_phones or not principal.user.is_centre_staff or not text:
        return
    by_number = (not ORDER_NUMBER_PREFIX.match(text) if PHONE_SEARCH.match(text) else holds_number(text))
    if by_number:
        raise ApiError(403, "insufficient_scope", _("按来电号码查找工单需要「%(scope)s」权限范围") % {"scope": Scope.PHONE},
                       {"required_scope": Scope.PHONE})


def _filter_data(filters: OrderFilters) -> dict:
    data = filters.model_dump(exclude={"page", "page_size"}, exclude_none=True)
    data["status"] = list(filters.status)
    for name in ("lead_unit", "district"):
        if name in data:
            data[name] = unit_pk(data[name], name)
    for name in ("registered_from", "registered_to"):
        if name in data:
            data[name] = data[name].isoformat()
    if "category" in data:
        data["category"] = str(data["category"])
    return data


@router.get("/orders", response={200: OrderPage, **COMMON_ERRORS}, operation_id="list_orders",
            summary="工单列表（与工单页相同的筛选，分页）")
def list_orders(request: HttpRequest, filters: Query[OrderFilters]):  # noqa: ANN201
    principal = principal_of(request)
    principal.require(Scope.READ)
    unknown = sorted(set(request.GET) - set(OrderFilters.model_fields))
    if unknown:  # a misspelt filter must not silently list everything
        raise ApiError(400, "validation_error", _("筛选条件无效"),
                       {name: [_("未知的查询参数「%(name)s」") % {"name": name}] for name in unknown})
    _refuse_number_search(principal, filters.q)
    filterset = OrderFilterSet(_filter_data(filters), user=principal.user, full_numbers=principal.sees_full_phones)
    if not filterset.is_valid():
        raise ApiError(400, "validation_error", _("筛选条件无效"), form_errors(filterset))
    qs = filterset.filter_queryset(principal.orders())
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    page = list(serialize.for_rows(qs)[start:start + filters.page_size]) if start < count else []
    return {"count": count, "page": filters.page, "page_size": filters.page_size,
            "pages": max(1, math.ceil(count / filters.page_size)),
            "results": serialize.rows(page, principal.user, full_phone=principal.sees_full_phones)}


# --- Read ----------------------------------------------------------------------------------------------


@router.get("/orders/{number}", response={200: OrderDetailOut, **ORDER_ERRORS}, operation_id="get_order",
            summary="工单详情")
def get_order(request: HttpRequest, number: str):  # noqa: ANN201
    principal = principal_of(request)
    principal.require(Scope.READ)
    ticket = visible_order(principal, number, serialize.detail_queryset(principal.orders(one=True)))
    return serialize.order_detail(ticket, principal.user, full_phone=principal.sees_full_phones,
                                  confidential=principal.reads_confidential)


@router.get("/orders/{number}/timeline", response={200: list[TimelineEventOut], **ORDER_ERRORS},
            operation_id="get_order_timeline", summary="流转记录（只增不改）")
def get_timeline(request: HttpRequest, number: str):  # noqa: ANN201
    principal = principal_of(request)
    principal.require(Scope.READ)
    ticket = visible_order(principal, number)
    order_shown(ticket, principal.user)
    return serialize.timeline(ticket, principal.user, full_phone=principal.sees_full_phones)


@router.get("/orders/{number}/return-visits", response={200: list[ReturnVisitOut], **ORDER_ERRORS},
            operation_id="list_return_visits", summary="回访记录（新增回访：POST …/actions/return_visit）")
def list_return_visits(request: HttpRequest, number: str):  # noqa: ANN201
    principal = principal_of(request)
    principal.require(Scope.READ)
    ticket = visible_order(principal, number)
    order_shown(ticket, principal.user)
    return serialize.return_visits(ticket, principal.user, full_phone=principal.sees_full_phones)


# --- Create --------------------------------------------------------------------------------------------


class OrderIn(Schema):
    """A new order, validated by the intake page's form, registered by the intake service."""

    model_config = ConfigDict(extra="forbid")

    request_type: Literal[tuple(RequestType.values)]  # type: ignore[valid-type]
    description: str = Field(min_length=1, max_length=8000, description="诉求内容")
    title: str = Field("", max_length=200, description="标题；空则取诉求内容前 40 字")
    channel: Literal[tuple(Channel.values)] = Channel.WEB  # type: ignore[valid-type]
    urgency: Literal[tuple(Urgency.values)] = Urgency.NORMAL  # type: ignore[valid-type]
    is_difficult: bool = False
    category: int | None = Field(None, ge=1, le=2_147_483_647, description="三级分类 id")
    caller_name: str = Field("", max_length=50)
    caller_sex: Literal[tuple(Sex.values)] = ""  # type: ignore[valid-type]
    caller_phone: str = Field("", max_length=32)
    caller_company: str = Field("", max_length=100)
    is_anonymous: bool = False
    is_confidential: bool = False
    district: str | None = Field(None, max_length=32, description="区的单位编码")
    street: str | None = Field(None, max_length=32, description="街道/乡镇的单位编码")
    community: str | None = Field(None, max_length=32, description="社区/村的单位编码")
    address: str = Field("", max_length=255)
    decision: Literal[tuple(Decision.values)] = Field(  # type: ignore[valid-type]
        Decision.REGISTER, description="登记后的第一步：register 仅登记、dispatch 转派单、answer、transfer、not_accept")
    answer: str = Field("", max_length=4000)
    transfer_to: Literal[tuple(["", *EmergencyService.values])] = ""  # type: ignore[valid-type]
    transfer_note: str = Field("", max_length=2000)
    not_accept_reason: Literal[tuple(["", *NotAcceptedReason.values])] = ""  # type: ignore[valid-type]
    not_accept_note: str = Field("", max_length=2000)
    theme: StrictInt | None = Field(None, ge=1, le=2_147_483_647,
                              description="为之派发的每月一题专题 id（未诉先办，见 GET /themes）；仅渠道 proactive")


def _intake_form(payload: OrderIn) -> IntakeCheck:
    data = payload.model_dump()
    phone = data.pop("caller_phone")
    form_data = {k: v for k, v in data.items() if not isinstance(v, bool) and v is not None}
    form_data.update({k: "on" for k, v in data.items() if v is True})
    form_data["phone"] = phone
    form_data["category"] = str(payload.category) if payload.category else ""
    form_data["theme"] = str(payload.theme) if payload.theme else ""
    for name in ("district", "street", "community"):
        form_data[name] = unit_pk(getattr(payload, name), name)
    return IntakeCheck(form_data)


def _theme_refused() -> str:
    return _("每月一题专题不存在、已撤销或不在本调用方的范围内（可用的专题见 GET /api/v1/themes）")


def _create(principal: Principal, payload: OrderIn) -> tuple[int, str]:
    form = _intake_form(payload)
    if not form.is_valid():
        errors = form_errors(form, {"phone": "caller_phone"})
        if "theme" in errors:  # the page's words send the agent back to the theme's page
            errors["theme"] = [_theme_refused()]
        raise ApiError(400, "validation_error", _("参数校验失败"), errors)
    d = form.cleaned_data
    theme = d["theme"]
    if theme is not None and not principal.themes().filter(pk=theme.pk).exists():
        raise ApiError(400, "validation_error", _("参数校验失败"), {"theme": [_theme_refused()]})
    ticket = take_call(form.draft(), actor=principal.creator, decision=d["decision"], theme=theme,
                       **form.decision_args())
    body = OrderDetailOut.model_validate(serialize.new_order_detail(
        ticket, principal.creator, theme, full_phone=principal.sees_full_phones)).model_dump()
    return 201, render_json(body)


@router.post("/orders", response={201: OrderDetailOut, 422: ErrorOut, **COMMON_ERRORS, 409: ErrorOut},
             operation_id="create_order", summary="新建工单（支持 Idempotency-Key）",
             openapi_extra={"parameters": [{
                 "in": "header", "name": "Idempotency-Key", "required": False,
                 "description": "重试安全：同一调用方、同一键、同一请求体只创建一张工单，并重放首次响应",
                 "schema": {"type": "string", "minLength": 1, "maxLength": 255},
             }]})
def create_order(request: HttpRequest, payload: OrderIn) -> HttpResponse:
    principal = principal_of(request)
    principal.require(Scope.CREATE)
    if payload.decision == Decision.TRANSFER:
        principal.require(Scope.TRANSFER)
    if payload.channel in ONLINE_CHANNELS:
        AcceptanceSettings.current()  # kept by the process: read here, not inside the creation's pipeline
    key = request.headers.get("Idempotency-Key")
    if key is None:
        status, body = _create(principal, payload)
        return idempotency.json_response(status, body)
    # Without a theme, the fingerprint is the one bodies had before `theme` existed: a retry straddling
    # an upgrade still replays its first answer.
    fingerprinted = payload.model_dump(mode="json", exclude={"theme"} if payload.theme is None else None)
    return idempotency.run(principal.ident, key, "POST", request.path, fingerprinted,
                           lambda: _create(principal, payload))
