"""联系群众 over the API: a unit's key reveals the caller's full number, as the order page's 查看完整号码 does.

`POST /orders/{number}/reveal-caller` answers what `tickets.views.reveal_caller` shows (the full number, the
caller's name, the description and 群众补充 as the citizen wrote them) to a key bound to a unit, with the
`phone` scope, when that unit works on the order (`tickets.permissions.may_reveal_caller`) and the caller's
identity is not withheld (an anonymous caller, a 举报's reporter: refused with the page's reason). Each reveal is
recorded as the page records it (`ops.access.phone_shown`, on this address); a refusal records nothing.
Never idempotency-cached: every call is a new reveal and a new record (an `Idempotency-Key` is ignored).
"""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Router

from hotline.api import serialize
from hotline.api.errors import ApiError
from hotline.api.orders import ORDER_ERRORS, principal_of, visible_order
from hotline.api.schemas import CallerRevealOut
from hotline.api.scopes import Scope
from hotline.ops.access import order_shown, phone_shown
from hotline.tickets.permissions import may_reveal_caller
from hotline.tickets.selectors import reveal_citizens_words, supplements, timeline_shown

router = Router(tags=["orders"])


@router.post("/orders/{number}/reveal-caller", response={200: CallerRevealOut, **ORDER_ERRORS},
             operation_id="reveal_caller", summary="联系群众：查看来电人完整号码（每次留痕）",
             description="仅限代表承办单位、带 phone 权限范围的密钥，且该单位正在办理该工单（主办或协办，待签收或办理中）；"
                         "匿名来电人和举报件的举报人一律不显示。每次调用记录一次完整号码查看，不支持 Idempotency-Key 重放。")
def reveal_caller(request: HttpRequest, number: str, response: HttpResponse):  # noqa: ANN201
    principal = principal_of(request)
    principal.require(Scope.PHONE)
    if principal.key is None:  # a person reveals on the order page, where the button says it is recorded
        raise ApiError(403, "not_permitted",
                       _("本接口只供代表承办单位的接口密钥使用；单位人员请在工单页点击「查看完整号码」"))
    ticket = visible_order(principal, number)
    user = principal.user
    reason = may_reveal_caller(ticket, user)  # the page's rule and reasons (a key without a unit: centre staff)
    if reason is not None:
        raise ApiError(403, "not_permitted", reason)
    phone_shown(ticket, user, ticket.caller_phone)  # as the page: one full_phone record, on this address
    order_shown(ticket, user)  # as the page (a confidential order is recorded; keys never read one)
    events = timeline_shown(ticket, user)
    description = reveal_citizens_words(ticket, user, events)
    add_never_cache_headers(response)
    return {"number": ticket.number, "caller_name": ticket.caller_name, "caller_phone": ticket.caller_phone,
            "description": description, "supplements": [serialize.timeline_event(e) for e in supplements(events)]}
