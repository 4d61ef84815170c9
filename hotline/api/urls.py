"""URLs of the API, each wrapped with the limit on unauthenticated calls; unknown paths get a JSON 404."""

import functools
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hotline.api import keys
from hotline.api.api import api
from hotline.api.constants import rate_limits
from hotline.api.errors import error_response, internal_error
from hotline.core.ratelimit import RateLimit, client_ip


def anonymous_limit() -> RateLimit:
    hits, seconds = rate_limits()["anonymous"]
    return RateLimit("api-anonymous", hits, seconds)


def _is_anonymous(request: HttpRequest) -> bool:
    if keys.raw_key_from_request(request):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Rate-limit unauthenticated calls per client address (429 + Retry-After) and never leak a traceback.

    Every answer is the API's JSON: a path django-ninja refuses with Http404 (the bare /api/v1/) is a 404,
    a method a path does not take is a 405 with its Allow header.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        try:
            if _is_anonymous(request):
                verdict = anonymous_limit().hit(client_ip(request))
                if not verdict.allowed:
                    return error_response(429, "rate_limited", _("未认证请求过于频繁，请稍后再试"),
                                          headers={"Retry-After": str(verdict.retry_after)})
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "not_found", _("接口不存在，接口文档见 /api/v1/docs"))
        except Exception as exc:  # the API's own handlers answer everything else; this is the last resort
            return internal_error(request, exc)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            return error_response(405, "method_not_allowed", _("该接口不支持 %(method)s 方法") % {"method": request.method},
                                  {"allowed": response.get("Allow", "")}, headers={"Allow": response.get("Allow", "")})
        return response

    return wrapper


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", _("接口不存在"))


def _patterns() -> list:
    patterns, _app_name, _namespace = api.urls
    for pattern in patterns:
        pattern.callback = guarded(pattern.callback)
    return [*patterns, re_path(r"^(?P<rest>.*)$", guarded(not_found), name="api-not-found")]


app_name = "api-v1"
urlpatterns = _patterns()
