"""One historical order as read from a source, before it is written, and the checks every format shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from hotline.core import clock
from hotline.tickets.choices import Channel, Status
from hotline.tickets.titles import default_title

#: The longest description accepted (a longer cell is a broken row, e.g. a runaway quote).
MAX_DESCRIPTION = 20_000
#: Longest title kept (longer titles are cut, not refused).
MAX_TITLE = 200

#: The earliest plausible date of a historical order (an earlier one is a placeholder such as 0001-01-01).
EARLIEST = datetime(1990, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
#: How far past now a registration (a clock a little ahead) and other dates (deadlines) may lie.
REGISTER_AHEAD = timedelta(days=1)
DATE_AHEAD = timedelta(days=3653)

#: Date formats tried in order (ISO 8601 first: NYC; then US 12-hour: Baltimore/NYC; then Chinese forms: teddy).
DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日",
)


class RowError(Exception):
    """This row cannot be imported; the message is the reason written to the report."""


#: A NUL character: PostgreSQL cannot store it in text (a whole batch would fail), so its row is refused.
NUL = "\x00"
#: The report's name of each text field of `SourceOrder` (for a NUL found by `check`).
_FIELD_NAMES = {
    "external_id": "原始编号", "description": "诉求内容", "title": "标题", "status": "状态",
    "request_type": "诉求类型", "channel": "渠道", "unit_name": "承办单位", "reply_text": "答复内容",
    "address": "地址", "caller_name": "来电人", "caller_phone": "联系电话", "source_status": "原状态",
    "category_path": "分类", "extra": "其他字段",
}


def nul_reason(what: str) -> str:
    """The reason a row is refused for a NUL character in `what` (a column or field name)."""
    return f"{what}含有无法保存的空字符（NUL），请删除后再导入"


@dataclass
class SourceOrder:
    """A historical order in the platform's terms, ready to be written with its timeline."""

    line: int
    external_id: str
    description: str
    registered_at: datetime
    status: str
    title: str = ""
    request_type: str = "complaint"
    channel: str = Channel.PHONE
    category_path: tuple[str, ...] = ()  # names from level 1 down; resolved (or created) by the writer
    create_category: bool = False  # an imported branch may be created; otherwise it must exist
    unit_name: str = ""
    reply_text: str = ""
    replied_at: datetime | None = None
    closed_at: datetime | None = None
    due_at: datetime | None = None
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    caller_name: str = ""
    caller_phone: str = ""
    source_status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def text(cells: dict[str, Any], column: str) -> str:
    """A cell as stripped text ('' when absent); floats that are whole numbers lose their '.0'.
    RowError when it holds a NUL character."""
    value = cells.get(column, "")
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    value = str(value)
    if NUL in value:
        raise RowError(nul_reason(column))
    return value.strip()


def clean_id(value: str) -> str:
    """An external id as written in exports of spreadsheets ('95823.0' is '95823')."""
    return value[:-2] if re.fullmatch(r"\d+\.0", value) else value


def parse_datetime(value: Any, tz: ZoneInfo, *, what: str, formats: tuple[str, ...] = DATE_FORMATS) -> datetime:
    """An aware datetime from a cell in the source's local time zone (a value with its own UTC offset keeps
    it), or a RowError naming the field."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz)
    raw = str(value or "").strip()
    if not raw:
        raise RowError(f"缺少{what}")
    if NUL in raw:
        raise RowError(nul_reason(what))
    for fmt in formats:
        try:
            parsed = datetime.strptime(raw, fmt)  # noqa: DTZ007 - made aware below
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)  # an explicit offset (%z) wins
    raise RowError(f"{what}无法识别：「{raw[:40]}」")


def optional_datetime(value: Any, tz: ZoneInfo, *, what: str,
                      formats: tuple[str, ...] = DATE_FORMATS) -> datetime | None:
    """Like `parse_datetime`, but an empty cell is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_datetime(value, tz, what=what, formats=formats)


def coordinate(value: str, low: float, high: float) -> Decimal | None:
    """A latitude or longitude, or None when empty, unparseable or out of range."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or not (low <= number <= high):
        return None
    return number.quantize(Decimal("0.000001"))


def _plausible(moment: datetime | None, ahead: timedelta, what: str) -> None:
    """RowError unless `moment` lies between 1990 and now + `ahead` (9999-12-31 is "no date", not a date)."""
    if moment is None:
        return
    latest = clock.now() + ahead
    # Compared on the calendar first: converting year 1 or 9999 between zones overflows.
    if not (EARLIEST.year <= moment.year <= latest.year) or not (EARLIEST <= moment <= latest):
        raise RowError(f"{what}超出合理范围：{moment.date().isoformat()}"
                       f"（应在 {EARLIEST.date().isoformat()} 至 {latest.date().isoformat()} 之间）")


def check(order: SourceOrder) -> SourceOrder:
    """The checks every format shares: content present and not too long, dates plausible and in order,
    status coherent; no text holds a NUL character (whichever way the format read it)."""
    _refuse_nul(order)
    if not order.external_id:
        raise RowError("缺少原始编号")
    if len(order.external_id) > 100:
        raise RowError("原始编号过长（超过 100 个字符）")
    order.description = order.description.strip()
    if not order.description:
        raise RowError("缺少诉求内容")
    if len(order.description) > MAX_DESCRIPTION:
        raise RowError(f"诉求内容过长（{len(order.description)} 字，上限 {MAX_DESCRIPTION} 字）")
    order.title = (order.title.strip() or default_title(order.description))[:MAX_TITLE]
    _plausible(order.registered_at, REGISTER_AHEAD, "受理时间")
    _plausible(order.closed_at, DATE_AHEAD, "办结时间")
    _plausible(order.replied_at, DATE_AHEAD, "答复时间")
    _plausible(order.due_at, DATE_AHEAD, "时限")
    if order.replied_at and order.replied_at < order.registered_at:
        raise RowError("答复时间早于受理时间")
    if order.status == Status.CLOSED:
        if order.closed_at is None:
            raise RowError("已办结但缺少办结时间")
        if order.closed_at < order.registered_at:
            raise RowError("办结时间早于受理时间")
        if order.replied_at and order.replied_at > order.closed_at:
            order.replied_at = order.closed_at
    else:
        order.closed_at = None
    if order.status in (Status.DISPATCHED, Status.IN_PROGRESS) and not order.unit_name:
        raise RowError("在办工单缺少承办单位")
    return order


def _refuse_nul(order: SourceOrder) -> None:
    """RowError when a text the order would store holds a NUL character (PostgreSQL cannot store it)."""
    for name, label in _FIELD_NAMES.items():
        value = getattr(order, name)
        if isinstance(value, dict):
            value = [*map(str, value), *(v for v in value.values() if isinstance(v, str))]
        texts = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(t, str) and NUL in t for t in texts):
            raise RowError(nul_reason(label))
