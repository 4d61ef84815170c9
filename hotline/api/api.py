"""The REST API `/api/v1/`: OpenAPI 3 at `/api/v1/openapi.json`, interactive docs at `/api/v1/docs`."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from hotline.api import actions, attachments, orders, reference, reveal
from hotline.api.auth import AUTH
from hotline.api.errors import ApiError, error_response, from_api_error, from_domain_error, internal_error
from hotline.api.field_errors import field_errors
from hotline.api.rendering import Renderer
from hotline.tickets.exceptions import DomainError

DESCRIPTION = """12345 热线工单接口。认证：浏览器用登录会话（修改类请求需 CSRF 令牌）；
集成方用接口密钥（`Authorization: Bearer hk_…` 或 `X-API-Key: hk_…`），按权限范围授权
（read、create、act、transfer、webhooks、phone；没有 phone 的密钥看到的来电号码一律脱敏；
承办单位的密钥即使有 phone 也只看到脱敏号码，联系群众时用 `POST /orders/{number}/reveal-caller`，每次留痕）。
错误统一为 `{"error": {"code", "message", "details"}}`。
新建工单可带 `Idempotency-Key` 头，重试只会产生一张工单。详见 docs/api.md。"""

api = NinjaAPI(
    title="hotline 12345 API", version="1", description=DESCRIPTION, urls_namespace="api-v1", auth=AUTH,
    openapi_url="/openapi.json", docs_url="/docs", renderer=Renderer(),
)
api.add_router("", orders.router)
api.add_router("", attachments.router)
api.add_router("", reveal.router)
api.add_router("", actions.router)
api.add_router("", reference.router)

_STATUS_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 429: "rate_limited"}


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return from_api_error(exc)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return from_domain_error(exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(400, "validation_error", _("请求参数校验失败"), field_errors(exc.errors))


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(401, "not_authenticated", _("需要登录或提供接口密钥"),
                          headers={"WWW-Authenticate": 'Bearer realm="hotline"'})


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = _STATUS_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, exc.message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", _("资源不存在"))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (declared or sent) is refused unread, as `/interop/v1` does."""
    return error_response(413, "payload_too_large",
                          _("请求体过大：最多 %(n)s 字节") % {"n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    return internal_error(request, exc)
