"""A small API for integrations to manage their own subscriptions (API key with scope `webhooks`).

    GET    /webhooks/v1/subscriptions          the key's subscriptions
    POST   /webhooks/v1/subscriptions          {"name", "url", "event_types": [...]} → 201, secret shown once
                                               (the key needs scope `read` as well: events carry order data)
    DELETE /webhooks/v1/subscriptions/<id>     deactivate

Creating and deactivating are recorded in the admin change trail by the key's account (`services.subscribe`,
`services.unsubscribe`), the secret masked.

Errors have the API's shape and codes (docs/api.md "Errors"): `{"error": {"code", "message", "details"}}`,
401 `not_authenticated` (no key) or `invalid_api_key`, 403 `insufficient_scope`, 400 (`validation_error`: the
messages per field, `{"url": ["…"]}`, as /api/v1 gives them), 404 (an unknown path too: `ops.errors.page_not_found`),
and 405 `method_not_allowed` (with the `Allow` header) for a method the path does not take.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hotline.api.auth import _principal_for
from hotline.api.errors import ApiError, error_response, from_api_error
from hotline.api.keys import raw_key_from_request
from hotline.api.models import ApiKey
from hotline.api.scopes import Scope
from hotline.webhooks import services
from hotline.webhooks.forms import SubscriptionForm
from hotline.webhooks.models import Subscription


def _row(s: Subscription) -> dict[str, Any]:
    return {"id": s.pk, "name": s.name, "url": s.url, "event_types": s.event_types, "active": s.is_active,
            "created_at": s.created_at.isoformat()}


def _error(status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return error_response(status, code, message, details)


def _messages(form: SubscriptionForm) -> dict[str, list[str]]:
    """A form's errors as /api/v1 gives them (docs/api.md «Errors»): the messages per field, `{"url": ["…"]}`."""
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def _methods(*allowed: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Only these methods; another one gets the API's 405 `method_not_allowed` with the `Allow` header."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                allow = ", ".join(allowed)
                return error_response(405, "method_not_allowed",
                                      _("该接口不支持 %(method)s 方法") % {"method": request.method},
                                      {"allowed": allow}, headers={"Allow": allow})
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _key(request: HttpRequest) -> ApiKey:
    """The live key with scope `webhooks` the request presents; else ApiError (401 no or bad key, 403 scope).

    A bad key counts against the caller's address like on the API (429 when repeated)."""
    raw = raw_key_from_request(request)
    if not raw:
        raise ApiError(401, "not_authenticated", _("需要权限范围为 webhooks 的 API 密钥"),
                       headers={"WWW-Authenticate": 'Bearer realm="hotline"'})
    principal = _principal_for(request, raw)
    principal.require(Scope.WEBHOOKS)
    return principal.key


@csrf_exempt
@_methods("GET", "POST")
def subscriptions(request: HttpRequest) -> HttpResponse:
    try:
        key = _key(request)
    except ApiError as exc:
        return from_api_error(exc)
    mine = Subscription.objects.filter(owner=key.user)
    if request.method == "GET":
        return JsonResponse({"results": [_row(s) for s in mine.order_by("id")]})
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deep to read
        return _error(400, "bad_request", _("请求体不是合法的 JSON"))
    if not isinstance(data, dict):
        return _error(400, "bad_request", _("请求体须为 JSON 对象"))
    if not key.allows(Scope.READ):  # a subscription hears about orders: only a key that may read them
        return _error(403, "insufficient_scope", _("该密钥没有「%(scope)s」权限范围") % {"scope": Scope.READ},
                      {"required_scope": Scope.READ})
    form = SubscriptionForm({"name": data.get("name", ""), "url": data.get("url", ""), "is_active": True,
                             "event_types": data.get("event_types") or []})
    form.fields.pop("owner")
    form.fields.pop("secret")
    if not form.is_valid():
        return _error(400, "validation_error", _("订阅无效"), _messages(form))
    subscription = services.subscribe(key.user, name=form.cleaned_data["name"], url=form.cleaned_data["url"],
                                      event_types=form.cleaned_data["event_types"])
    return JsonResponse({**_row(subscription), "secret": subscription.secret}, status=201,
                        json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@_methods("DELETE")
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        key = _key(request)
    except ApiError as exc:
        return from_api_error(exc)
    found = Subscription.objects.filter(owner=key.user, pk=pk).first()
    if found is None:
        return _error(404, "not_found", _("订阅不存在"))
    return JsonResponse(_row(services.unsubscribe(found, actor=key.user)))
