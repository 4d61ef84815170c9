"""A small API for integrations to manage their own subscriptions (API key with scope `webhooks`).

    GET    /webhooks/v1/subscriptions          the key's subscriptions
    POST   /webhooks/v1/subscriptions          {"name", "url", "event_types": [...]} → 201, secret shown once
    DELETE /webhooks/v1/subscriptions/<id>     deactivate
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hotline.api.keys import key_from_request
from hotline.api.scopes import Scope
from hotline.webhooks.forms import SubscriptionForm
from hotline.webhooks.models import Subscription


def _row(s: Subscription) -> dict[str, Any]:
    return {"id": s.pk, "name": s.name, "url": s.url, "event_types": s.event_types, "active": s.is_active,
            "created_at": s.created_at.isoformat()}


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})


def _key(request: HttpRequest):  # noqa: ANN202
    key = key_from_request(request)
    return key if key is not None and key.allows(Scope.WEBHOOKS) else None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> JsonResponse:
    key = _key(request)
    if key is None:
        return _error(403, _("需要权限范围为 webhooks 的 API 密钥"))
    mine = Subscription.objects.filter(owner=key.user)
    if request.method == "GET":
        return JsonResponse({"results": [_row(s) for s in mine.order_by("id")]})
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, _("请求体不是合法的 JSON"))
    if not isinstance(data, dict):
        return _error(400, _("请求体须为 JSON 对象"))
    form = SubscriptionForm({"name": data.get("name", ""), "url": data.get("url", ""), "is_active": True,
                             "event_types": data.get("event_types") or []})
    form.fields.pop("owner")
    form.fields.pop("secret")
    if not form.is_valid():
        return _error(400, _("订阅无效"), errors=form.errors.get_json_data())
    subscription = form.save(commit=False)
    subscription.owner = key.user
    subscription.save()
    return JsonResponse({**_row(subscription), "secret": subscription.secret}, status=201,
                        json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_http_methods(["DELETE"])
def subscription_detail(request: HttpRequest, pk: int) -> JsonResponse:
    key = _key(request)
    if key is None:
        return _error(403, _("需要权限范围为 webhooks 的 API 密钥"))
    found = Subscription.objects.filter(owner=key.user, pk=pk).first()
    if found is None:
        return _error(404, _("订阅不存在"))
    found.is_active = False
    found.save(update_fields=["is_active"])
    return JsonResponse(_row(found))
