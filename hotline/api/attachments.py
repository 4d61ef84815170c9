"""An order's files over the API (附件): downloading one, by exactly the order page's rules (the list is in the
order's detail, `serialize.attachments_shown`)."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Router

from hotline.api.errors import ApiError
from hotline.api.orders import ORDER_ERRORS, principal_of, visible_order
from hotline.api.scopes import Scope
from hotline.attachments.models import Attachment
from hotline.attachments.selectors import file_served, reached_through
from hotline.tickets.choices import Status

router = Router(tags=["orders"])

#: What a file is served as: the types attaching accepts (checked by content), never anything else.
_FILE = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSE = {"200": {
    "description": "附件文件（Content-Disposition 给出文件名；浏览器都能显示的图片 inline，其余 attachment）",
    "content": {"image/*": _FILE, "audio/*": _FILE, "video/*": _FILE},
}}


@router.get("/orders/{number}/attachments/{attachment_id}", response=ORDER_ERRORS,
            operation_id="get_order_attachment", summary="下载附件（本工单的，或并入本工单的工单的）",
            description="与工单页的附件链接规则相同：工单对调用方可见，附件属于本工单或并入本工单的工单（保密的并单工单的附件"
                        "只给中心人员）；否则 404，存储中缺失的文件也是 404。保密工单的附件每次下载都留痕。文件名与详情中的"
                        " name 相同（录音文件名中的来电号码按调用方脱敏），扩展名取文件实际类型。",
            openapi_extra={"responses": FILE_RESPONSE})
def get_attachment(request: HttpRequest, number: str,
                   attachment_id: int = Path(..., ge=1, le=9_223_372_036_854_775_807)) -> HttpResponse:
    """The file, if the order is visible to the caller and the file is the order's own or one of an order merged
    into it (并单) that the caller may open through it (`reached_through`, with the caller's orders); otherwise a
    404, whether the file exists or not, as is a file gone from storage (logged). A confidential order's file is a
    recorded view of it (`file_served`), and the name is masked as the detail's (`download_name`)."""
    principal = principal_of(request)
    principal.require(Scope.READ)
    ticket = visible_order(principal, number)
    listed = Q(ticket=ticket) | Q(ticket__master=ticket, ticket__status=Status.MERGED)
    item = Attachment.objects.select_related("ticket").filter(listed, pk=attachment_id).first()
    through = reached_through(item, principal.user, principal.orders(one=True)) if item is not None else None
    if through is None:
        raise ApiError(404, "not_found", _("附件不存在或无权查看"))
    try:
        return file_served(item, principal.user, through, full_phone=principal.sees_full_phones)
    except Http404 as exc:  # gone from storage (logged by `file_served`)
        raise ApiError(404, "not_found", _("附件文件不存在")) from exc
