"""What the API returns: orders, timelines, return visits, reference data, errors (the OpenAPI components)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str = Field(description="稳定的错误码（snake_case）")
    message: str = Field(description="可读的说明")
    details: Any = Field(None, description="补充信息，例如各字段的校验错误")


class ErrorOut(BaseModel):
    error: ErrorBody


class UnitRef(BaseModel):
    code: str
    name: str


class CategoryRef(BaseModel):
    id: int
    full_name: str


class ThemeRef(BaseModel):
    """The 每月一题 theme a proactive order (未诉先办) was raised for."""

    id: int
    title: str


class AssignmentOut(BaseModel):
    unit: UnitRef
    role: str
    status: str
    is_designated: bool
    dispatched_at: datetime | None
    sign_due: datetime | None
    reply_due: datetime | None
    signed_at: datetime | None
    replied_at: datetime | None
    light: str
    sign_overdue: bool
    reply_overdue: bool
    #: The unit that handed this assignment down (下派); null for the centre's dispatch.
    forwarded_from: UnitRef | None = None


class ReplyOut(BaseModel):
    unit: UnitRef
    created_at: datetime
    content: str
    public_reply: str
    contacted: bool
    resolved: bool
    unresolved_reason: str
    review_status: str


class OpinionOut(BaseModel):
    """One invited unit's opinion in a consultation (会商意见); `stance` is empty until it answers."""

    unit: UnitRef
    stance: str = Field(description="lead 可主办、assist 可协办、not_ours 不属本单位职责；未答复为空")
    basis: str = Field(description="职责依据")
    suggested_unit: str | None = Field(description="建议承办单位的编码")
    answered_at: datetime | None = Field(description="首次答复时间（意见时限据此判断）")
    revised_at: datetime | None = Field(description="最近一次修改意见的时间")


class ConsultationOut(BaseModel):
    """A consultation before dispatch (会商): the question, the invited units' opinions, the conclusion."""

    id: int
    status: str = Field(description="open 会商中、concluded 已定责、closed 已撤销")
    question: str
    started_at: datetime
    started_by: str = Field(description="发起人（姓名）")
    opinions_due: datetime
    ended_at: datetime | None
    ended_by: str | None = Field(description="定责人或撤销人（姓名）；会商中为 null")
    conclusion: str = Field(description="定责意见；撤销时为撤销原因")
    lead: UnitRef | None = Field(description="定责的主办单位")
    assisting: list[UnitRef] = Field(description="定责的协办单位")
    opinions: list[OpinionOut]


class OrderOut(BaseModel):
    """One order as a list row shows it."""

    number: str
    status: str
    status_label: str
    version: int = Field(description="乐观锁版本号：执行操作时原样带回")
    channel: str
    request_type: str
    urgency: str
    is_difficult: bool
    title: str
    category: CategoryRef | None
    lead_unit: UnitRef | None
    district: UnitRef | None
    registered_at: datetime
    accept_due: datetime | None = Field(description="网上受理时限（网上渠道的诉求；其他渠道为 null）")
    accepted_at: datetime | None = Field(description="中心受理（首个处置）的时间；未受理或非网上诉求为 null")
    close_due: datetime | None
    phase_due: datetime | None
    light: str
    close_overdue: bool
    supervision_level: int
    chase_count: int = Field(0, description="群众催办次数（群众就该工单再次来电或网上催办）")
    closed_at: datetime | None
    theme: ThemeRef | None = Field(description="为之派发的每月一题专题（未诉先办）；其他工单为 null")


class VisitOutcomeOut(BaseModel):
    """A valid return visit's verdict (有效回访: the citizen reached, answered on resolution and satisfaction)."""

    resolved: bool
    satisfaction: str = Field(description="satisfied 满意、basically 基本满意、unsatisfied 不满意")
    at: datetime = Field(description="回访时间")


class UploaderOut(BaseModel):
    """Who attached a file, by role and unit only (never a person's name)."""

    role: str = Field(description="上传人的角色（如 intake、unit_handler）")
    role_label: str
    unit: UnitRef | None = Field(description="以哪个承办单位上传（流转记录所记）；中心人员上传为 null")


class AttachmentOut(BaseModel):
    """One file of the order, or of an order merged into it (并单), as the order page lists it."""

    id: int
    name: str = Field(description="文件名（与工单页所示相同：含来电号码的录音文件名对承办单位和无 phone 权限范围的密钥脱敏）")
    kind: str = Field(description="image、audio 或 video（按文件内容识别）")
    content_type: str
    size: int = Field(description="字节数")
    uploaded_at: datetime
    uploaded_by: UploaderOut | None = Field(description="群众在线上传或系统导入为 null")
    merged_from: str | None = Field(description="并入本工单的工单编号（并单工单的附件）；本工单自己的附件为 null")
    url: str = Field(description="下载地址：GET /api/v1/orders/{number}/attachments/{id}")


class OrderDetailOut(OrderOut):
    """One order in full: caller (masked as the caller may see it), address, units, replies, consultations."""

    description: str
    caller_name: str
    caller_phone: str = Field(description="来电号码：中心角色的密钥须有 phone 权限范围才显示完整号码，否则脱敏（138****5678）")
    caller_company: str
    is_anonymous: bool
    address: str
    street: UnitRef | None
    community: UnitRef | None
    direct_answer: str
    transferred_to: str
    not_accepted_reason: str
    master_number: str | None
    return_count: int
    extension_count: int
    reopen_count: int
    assignments: list[AssignmentOut]
    replies: list[ReplyOut]
    consultations: list[ConsultationOut] = Field(description="会商记录（先发起的在前）")
    first_visit: VisitOutcomeOut | None = Field(
        description="首次有效回访（首次解决率据此统计）；没有有效回访为 null（未联系上、未表态、现场核查都不算）")
    final_visit: VisitOutcomeOut | None = Field(
        description="最近一次有效回访（解决率、满意率据此统计）；只回访过一次时与 first_visit 相同")
    attachments: list[AttachmentOut] = Field(
        description="附件：本工单的（先上传的在前），再是并入本工单的工单的（按工单编号），与工单页相同")


class OrderPage(BaseModel):
    count: int = Field(description="符合筛选条件的工单总数")
    page: int
    page_size: int
    pages: int
    results: list[OrderOut]


class TimelineEventOut(BaseModel):
    seq: int
    at: datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    unit: UnitRef | None
    note: str
    data: dict[str, Any]
    is_public: bool


class CallerRevealOut(BaseModel):
    """联系群众: what the order page's 查看完整号码 shows a unit working on the order, for this answer only."""

    number: str = Field(description="工单编号")
    caller_name: str = Field(description="来电人姓名")
    caller_phone: str = Field(description="来电人完整号码（本次显示，已记录）")
    description: str = Field(description="诉求内容，按群众原话（不脱敏）")
    supplements: list[TimelineEventOut] = Field(description="群众补充（补充诉求），按群众原话，按时间先后")


class ReturnVisitOut(BaseModel):
    created_at: datetime
    method: str
    contacted: bool
    resolved: bool | None
    satisfaction: str
    unit_contacted: bool | None = Field(
        description="群众对「承办单位是否联系过您？」的回答；null 为未问或未答（响应率按主办单位答复所称计）")
    contact_disputed: bool = Field(
        description="群众表示未被联系，而主办单位审核通过的答复称已联系群众（与答复所称不符）")
    note: str
    visitor: str


class ActionOut(BaseModel):
    action: str
    label: str
    method: str = "POST"
    path: str
    body_schema: str = Field(description="请求体在 OpenAPI 文档中的组件名")
    held: str | None = Field(description="暂缓的原因（该操作现在会被拒绝，例如会商中的派单）；可以执行时为 null")


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str
    parent: str | None = Field(description="上级单位编码")
    depth: int
    phone: str
    is_active: bool


class ThemeOut(BaseModel):
    """A 每月一题 theme: its id is what `theme` names when a proactive order is raised for it."""

    id: int
    title: str
    status: str = Field(description="adopted 已立项、in_progress 整改中、reported 待验收、closed 已销号、cancelled 已撤销")
    status_label: str
    month: str = Field(description="所属月份（YYYY-MM）")
    lead: UnitRef = Field(description="牵头单位")
    due_date: date = Field(description="整改时限")


class CategoryOut(BaseModel):
    id: int
    name: str
    full_name: str
    level: int
    parent_id: int | None
    is_utility: bool
    is_active: bool


class SlaPolicyOut(BaseModel):
    id: int
    name: str
    urgency: str
    category_id: int | None
    utility_only: bool
    difficult_only: bool
    priority: int
    sign_amount: int
    sign_unit: str
    reply_amount: int
    reply_unit: str
    close_amount: int
    close_unit: str
    return_amount: int
    return_unit: str
    yellow_ratio: float
    is_active: bool


#: Error responses every authenticated operation may give.
COMMON_ERRORS: dict[int, type[BaseModel]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
