"""The interop API for partner platforms (`/interop/v1/…`, API key with scope `transfer`) and the centre's
pages of partners and their logs (`/interop/partners/`)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from hotline.accounts.choices import Role
from hotline.api.auth import failure_limit
from hotline.api.keys import key_from_request
from hotline.api.scopes import Scope
from hotline.core.ratelimit import client_ip
from hotline.interop import backlog, services
from hotline.interop.exceptions import BodyTooLarge, InteropError
from hotline.interop.models import Partner, PartnerMessage


def _json(body: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _partner(request: HttpRequest) -> Partner | None:
    key = key_from_request(request)
    if key is None or not key.allows(Scope.TRANSFER):
        return None
    return Partner.objects.filter(api_key=key, is_active=True).select_related("api_key").first()


def _body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object; a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is refused (413), not read."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise BodyTooLarge(_("请求体过大：最多 %(n)s 字节") % {"n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}) from None
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deep to read
        raise services.BadTransfer(_("请求体不是合法的 JSON")) from None
    if not isinstance(data, dict):
        raise services.BadTransfer(_("请求体须为 JSON 对象"))
    return data


def _api(handler):  # noqa: ANN001, ANN202
    """Authenticate the partner and turn interop errors into JSON answers."""

    @csrf_exempt
    @require_POST
    def view(request: HttpRequest) -> JsonResponse:
        # Failed keys are counted per client address with the REST API's (`api.auth.failure_limit`): no
        # second door for guessing keys.
        limit, ip = failure_limit(), client_ip(request)
        if not (verdict := limit.peek(ip)).allowed:
            answer = _json({"detail": _("认证失败次数过多，请稍后再试")}, 429)
            answer["Retry-After"] = str(verdict.retry_after)
            return answer
        partner = _partner(request)
        if partner is None:
            limit.hit(ip)
            return _json({"detail": _("需要对接平台的 API 密钥（权限范围 transfer）")}, 403)
        try:
            return handler(partner, _body(request))
        except InteropError as exc:
            return _json({"detail": str(exc)}, exc.status)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return view


@_api
def transfers(partner: Partner, data: dict[str, Any]) -> JsonResponse:
    """POST /interop/v1/transfers: a partner hands over an order; 201 new, 200 already received."""
    received = services.receive_transfer(partner, data)
    ticket = received.ticket
    return _json({"number": ticket.number, "reference": data.get("reference"), "status": ticket.status,
                  "created": received.created}, 201 if received.created else 200)


@_api
def acks(partner: Partner, data: dict[str, Any]) -> JsonResponse:
    """POST /interop/v1/acks: the partner took over an order we sent (its reference), or reports back."""
    message = services.acknowledge(partner, data)
    return _json({"number": message.ticket.number, "kind": message.kind, "reference": message.external_id})


#: Who sees the partners and their traffic (as the navigation and docs/interop.md say).
PARTNER_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})


def _centre(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in PARTNER_ROLES or not request.user.is_active:
        raise PermissionDenied


@login_required
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    """The partners and how their traffic stands: each one's messages waiting to be sent (待发送; held while it
    is off, those older than `HELD_LIMIT` given up when it is switched on again)."""
    _centre(request)
    partners = list(Partner.objects.select_related("unit", "endpoint", "api_key").order_by("code"))
    for partner in partners:  # a handful of partners: one query each
        partner.backlog = backlog.backlog(partner.pk)
    return render(request, "interop/partners.html", {"partners": partners})


@login_required
@require_GET
def partner_log(request: HttpRequest, code: str) -> HttpResponse:
    """One partner's log (对接日志), newest first."""
    _centre(request)
    partner = get_object_or_404(Partner.objects.select_related("unit", "endpoint"), code=code)
    rows = PartnerMessage.objects.filter(partner=partner).select_related("ticket", "delivery").order_by(
        "-created_at", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "interop/log.html", {"partner": partner, "page": page})
