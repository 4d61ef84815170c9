"""The last-resort error answers (`handler500`): a 503 with Retry-After while the database is unreachable,
a 500 otherwise — JSON for the machine interfaces, a self-contained page for people. Citizens' pages
(the portal, the public FAQ) also get their own 404 and their form back after a failed CSRF check; an unknown
path of a machine interface is a 404 in that interface's own error shape (`page_not_found`); staff get the
same self-contained page for a failed CSRF check (403, 「页面已过期」) instead of Django's bare 403.

Django calls `server_error` inside the `except` block of the failed request, so the exception is at hand
(`sys.exc_info()`). The page reads nothing from the database (no `base.html`, no context processors): it
must render while the database is down.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from hotline.core.outage import RETRY_AFTER_SECONDS, is_database_unavailable

#: Paths whose callers are programs: they get the API's JSON error shape.
MACHINE_PREFIXES = ("/api/", "/open311/", "/interop/", "/healthz", "/metrics", "/webhooks/")
#: Machine paths with no catch-all of their own: an unknown one is the API's JSON 404 (`/api/v1/` answers its
#: own, `api.urls.not_found`). Not `/interop/` as a whole: its partner pages (对接平台) are the staff's.
JSON_404_PREFIXES = ("/api/", "/webhooks/", "/interop/v1/", "/healthz", "/metrics")
#: Open311 GeoReport v2: an unknown path (or format, e.g. `.csv`) is the spec's list of errors.
OPEN311_PREFIX = "/open311/"
#: Paths citizens use without an account: their errors lead back to the portal, not to the staff's login.
CITIZEN_PREFIXES = ("/portal/", "/kb/faq/")

_PAGES = {
    503: {"title_zh": "服务暂时不可用", "title_en": "Service temporarily unavailable",
          "message_zh": "数据库连接暂时中断，您的操作没有保存。请稍等几秒后重试。",
          "message_en": "The database cannot be reached for a moment; nothing was saved. "
                        "Please try again in a few seconds.",
          "code": "service_unavailable"},
    500: {"title_zh": "服务器内部错误", "title_en": "Server error",
          "message_zh": "处理请求时出错，已记录，技术人员会处理。请稍后重试。",
          "message_en": "Something went wrong and has been logged for the technical staff. Please try again later.",
          "code": "internal_error"},
    403: {"title_zh": "页面已过期", "title_en": "This page has expired",
          "message_zh": "页面已过期，本次操作没有保存。请返回上一页刷新后重试（您填写的内容可用浏览器后退找回）。",
          "message_en": "This page has expired and nothing was saved. Please go back, reload the page and try again "
                        "(your browser's Back button brings back what you typed).",
          "code": "page_expired"},
}


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(MACHINE_PREFIXES):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept and "text/html" not in accept


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: 503 + Retry-After for a database outage, else 500; JSON or a page by who asks."""
    status = 503 if is_database_unavailable(sys.exc_info()[1]) else 500
    page = _PAGES[status]
    request_id = getattr(request, "request_id", "")
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"error": {"code": page["code"], "message": f"{page['message_zh']} / {page['message_en']}",
                       "details": {"request_id": request_id} if request_id else None}},
            status=status, json_dumps_params={"ensure_ascii": False})
    else:
        body = loader.get_template("error_page.html").render({**page, "request_id": request_id, "back_url": "/"})
        response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """`handler404`: the portal's own page on citizens' paths; on the machine interfaces their own error shape —
    Open311's `[{"code": 404, "description"}]`, the API's `{"error": {"code": "not_found", …}}` elsewhere
    (docs/webhooks.md, docs/open311.md); the staff's 404 everywhere else."""
    if request.path.startswith(CITIZEN_PREFIXES):
        return render(request, "portal/not_found.html", status=404)
    if request.path.startswith(OPEN311_PREFIX):
        return JsonResponse([{"code": 404, "description": _("接口不存在：Open311 的地址以 .json 或 .xml 结尾")}],
                            status=404, safe=False, json_dumps_params={"ensure_ascii": False})
    if request.path.startswith(JSON_404_PREFIXES):
        return JsonResponse({"error": {"code": "not_found", "message": _("接口不存在"), "details": None}},
                            status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a post from a page left open too long (or after signing in elsewhere) is refused with 403.

    A citizen gets the form back (the portal); staff get the product's expired-page answer in Chinese and
    English instead of Django's developer page; programs get the API's JSON error shape.
    """
    if request.path.startswith(CITIZEN_PREFIXES):
        from hotline.portal.views import page_expired  # the portal knows its forms

        return page_expired(request)
    page = _PAGES[403]
    request_id = getattr(request, "request_id", "")
    if _wants_json(request):
        return JsonResponse(
            {"error": {"code": page["code"], "message": f"{page['message_zh']} / {page['message_en']}",
                       "details": {"request_id": request_id} if request_id else None}},
            status=403, json_dumps_params={"ensure_ascii": False})
    body = loader.get_template("error_page.html").render({**page, "request_id": request_id, "back_url": "/"})
    return HttpResponse(body, status=403, content_type="text/html; charset=utf-8")
