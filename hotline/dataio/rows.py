"""One historical order as read from a source, before it is written, and the checks every format shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from hotline.core import clock
from hotline.tickets.choices import Channel, Status
from hotline.tickets.titles import default_title

#: The longest description accepted (a longer cell is a broken row, e.g. a runaway quote).
MAX_DESCRIPTION = 20_000
#: Longest title kept (longer titles are cut with a warning; the description keeps the whole text).
MAX_TITLE = 200
#: Column lengths of the order's short texts (`Ticket`, `HandlingUnit`, `Category`): what each does when longer.
MAX_ADDRESS = 255  # cut with a warning, the whole address kept in the register event's data
MAX_CALLER_NAME = 50  # cut with a warning
MAX_CALLER_PHONE = 32  # refused: a cut number is a wrong number
MAX_UNIT_NAME = 100  # refused: a cut name could be another unit's
MAX_CATEGORY_NAME = 80  # refused: a cut name could be another category's (three levels fit `full_name`)
#: How many characters of a value a warning shows (the report and the page are for reading, not restoring).
SHOWN = 40

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


@dataclass
class RowWarning:
    """A value of an imported row that was left out, shortened or replaced: where, what and why.

    `template` is the Chinese reason with `%(name)s` placeholders (translated on the page), `params` its
    values; `reason` is the Chinese text the report and the command print."""

    line: int
    external_id: str
    column: str
    value: str  # as given, shortened for display (`shown`)
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return self.template % self.params if self.params else self.template


def shown(value: Any, limit: int = SHOWN) -> str:
    """A value as a warning shows it: one line, at most `limit` characters (an ellipsis marks the cut)."""
    flat = " ".join(str(value).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# The reasons of warnings: marked for translation, translated where they are shown (ImportWarning.text).
TOO_LONG_CUT = gettext_noop("内容超过 %(limit)s 字，已截断")
COORDINATE_RANGE = gettext_noop("经纬度超出范围（%(what)s应在 %(low)s 至 %(high)s 之间），已忽略")
COORDINATE_UNREADABLE = gettext_noop("经纬度无法识别，已忽略")
COORDINATE_ZERO = gettext_noop("经纬度为 (0, 0)，通常表示位置未知，已忽略")
UNKNOWN_CHANNEL = gettext_noop("未知的渠道“%(value)s”，已按默认处理")
UNKNOWN_REQUEST_TYPE = gettext_noop("未知的诉求类型“%(value)s”，已按默认处理")
UNKNOWN_CATEGORY_BLANK = gettext_noop("未知的分类“%(value)s”，已留空")
REPLY_TIME_WITHOUT_REPLY = gettext_noop("没有答复内容，答复时间已忽略")
REPLY_BEFORE_REGISTER = gettext_noop("答复时间早于受理时间，已按办结时间记录")
REPLY_AFTER_CLOSE = gettext_noop("答复时间晚于办结时间，已按办结时间记录")
CLOSED_AT_NOT_CLOSED = gettext_noop("工单未办结，办结时间已忽略")
DATE_ONLY_AT_REGISTER = gettext_noop("只有日期，与受理时间同日，已按受理时间记录")
DATE_ONLY_AT_REPLY = gettext_noop("只有日期，与答复时间同日，已按答复时间记录")


#: The Chinese name of the fields `_FIELD_NAMES` does not list (they are not texts).
_WARNING_FIELDS = {"latitude": "纬度", "longitude": "经度", "replied_at": "答复时间", "closed_at": "办结时间",
                   "registered_at": "受理时间", "due_at": "时限"}


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
    #: The coordinates as given; `check` reads them into latitude/longitude (a bad one is a warning).
    latitude_text: str = ""
    longitude_text: str = ""
    #: The source's column of each field (for warnings; default: the field's Chinese name).
    columns: dict[str, str] = field(default_factory=dict)
    #: What was left out, shortened or replaced, and the whole values of texts that were cut.
    warnings: list[RowWarning] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """The source's column of field `name` (default: the field's Chinese name)."""
        return self.columns.get(name) or _FIELD_NAMES.get(name) or _WARNING_FIELDS.get(name, name)

    def warn(self, name: str, given: Any, template: str, /, **params: Any) -> None:
        """Note that field `name` (as given: `given`) was not imported as it was, and why (`template` % `params`);
        `name` may list several fields, comma-separated (one warning about them together)."""
        column = ", ".join(self.column(part) for part in name.split(","))
        self.warnings.append(RowWarning(self.line, self.external_id, shown(column, 100), shown(given),
                                        template, params))


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


class BareDate(datetime):
    """A date given without a time of day (2026-11-01, 2026年11月01日, an Excel date cell), held as 00:00 at the
    start of that day. It stands for the whole day: `check` reads it for its field (a due date is the end of
    the day) and leaves a plain datetime."""

    @classmethod
    def of(cls, day: date, tz: ZoneInfo) -> BareDate:
        return cls(day.year, day.month, day.day, tzinfo=tz)


#: The directives of a time of day: a format without any of them reads a bare date.
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%f", "%p", "%X", "%c", "%T", "%R")


def parse_datetime(value: Any, tz: ZoneInfo, *, what: str, formats: tuple[str, ...] = DATE_FORMATS) -> datetime:
    """An aware datetime from a cell in the source's local time zone (a value with its own UTC offset keeps
    it), or a RowError naming the field. A date without a time of day is a `BareDate` (00:00 of that day):
    a text read by a format without a time, a date, or an Excel cell at exactly 00:00 (a date cell: Excel
    stores dates as datetimes)."""
    if isinstance(value, datetime):
        if value.tzinfo:
            return value
        if value.time() == time():
            return BareDate.of(value.date(), tz)
        return value.replace(tzinfo=tz)
    if isinstance(value, date):
        return BareDate.of(value, tz)
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
        if not any(directive in fmt for directive in _TIME_DIRECTIVES):
            return BareDate.of(parsed.date(), tz)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)  # an explicit offset (%z) wins
    raise RowError(f"{what}无法识别：「{raw[:40]}」")


def optional_datetime(value: Any, tz: ZoneInfo, *, what: str,
                      formats: tuple[str, ...] = DATE_FORMATS) -> datetime | None:
    """Like `parse_datetime`, but an empty cell is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_datetime(value, tz, what=what, formats=formats)


#: The coordinates: field, its Chinese name, range.
_COORDINATES = (("latitude", "纬度", -90, 90), ("longitude", "经度", -180, 180))


def _locate(order: SourceOrder) -> None:
    """Read the coordinates given as text; an unreadable or out-of-range one is left out with a warning, and so
    are both when they are exactly (0, 0), the placeholder many systems write for "unknown" (a point at sea
    in the Gulf of Guinea, never a citizen's street)."""
    found: dict[str, Decimal] = {}
    for name, what, low, high in _COORDINATES:
        raw = getattr(order, f"{name}_text").strip()
        if not raw:
            continue
        try:
            number = Decimal(raw)
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            order.warn(name, raw, COORDINATE_UNREADABLE)
        elif not (low <= number <= high):
            order.warn(name, raw, COORDINATE_RANGE, what=what, low=low, high=high)
        else:
            found[name] = number
    if len(found) == len(_COORDINATES) and not any(found.values()):  # exactly zero as given, before rounding
        order.warn("latitude,longitude", f"{order.latitude_text.strip()}, {order.longitude_text.strip()}",
                   COORDINATE_ZERO)
        return
    for name, number in found.items():
        setattr(order, name, number.quantize(Decimal("0.000001")))


def _fit(order: SourceOrder, name: str, limit: int, *, cut: bool, keep: bool = False) -> None:
    """Field `name` within its column's `limit`: cut with a warning (`keep`: the whole text is kept in
    `originals`), or, when cutting would make it wrong (`cut=False`), a RowError."""
    value = getattr(order, name)
    if len(value) <= limit:
        return
    if not cut:
        raise RowError(f"{_FIELD_NAMES.get(name, name)}过长（{len(value)} 字，上限 {limit} 字）")
    if keep:
        order.originals[name] = value
    setattr(order, name, value[:limit])
    order.warn(name, value, TOO_LONG_CUT, limit=limit)


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
    order.title = order.title.strip()
    if order.title:
        _fit(order, "title", MAX_TITLE, cut=True, keep=True)
    else:  # made from the description, which is kept whole: nothing of the source is lost
        order.title = default_title(order.description)[:MAX_TITLE]
    _fit(order, "address", MAX_ADDRESS, cut=True, keep=True)
    _fit(order, "caller_name", MAX_CALLER_NAME, cut=True)
    _fit(order, "caller_phone", MAX_CALLER_PHONE, cut=False)
    order.unit_name = order.unit_name.strip()
    _fit(order, "unit_name", MAX_UNIT_NAME, cut=False)
    for name in order.category_path:
        if len(name.strip()) > MAX_CATEGORY_NAME:
            raise RowError(f"分类名称过长（{len(name.strip())} 字，上限 {MAX_CATEGORY_NAME} 字）：「{shown(name)}」")
    _locate(order)
    _whole_days(order)
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
            order.warn("replied_at", _moment(order.replied_at), REPLY_AFTER_CLOSE)
            order.replied_at = order.closed_at
    elif order.closed_at is not None:
        order.warn("closed_at", _moment(order.closed_at), CLOSED_AT_NOT_CLOSED)
        order.closed_at = None
    if order.status in (Status.DISPATCHED, Status.IN_PROGRESS) and not order.unit_name:
        raise RowError("在办工单缺少承办单位")
    return order


def _whole_days(order: SourceOrder) -> None:
    """Read the dates given without a time of day (`BareDate`) as the whole day they name.

    A due date is the end of its day (24:00, i.e. 00:00 of the next day, as deadlines are stated: docs/sla.md
    §3). A reply or close date is some time that day: on the day of the registration (or, for the close, of
    the reply) it is not earlier than that moment, so it is recorded at it, with a warning; another day keeps
    00:00. Every date is then a plain datetime.
    """
    if isinstance(order.due_at, BareDate) and order.due_at.date() < date.max:  # 9999-12-31: refused below
        following = order.due_at.date() + timedelta(days=1)
        order.due_at = datetime.combine(following, time(), tzinfo=order.due_at.tzinfo)
    # One date given once and used for both (teddy: the reply closes; mapped: no 答复时间) is warned once.
    once = order.status == Status.CLOSED and isinstance(order.closed_at, BareDate) and order.replied_at == order.closed_at
    _not_before(order, "replied_at", [(order.registered_at, DATE_ONLY_AT_REGISTER)], warn=not once)
    if order.status == Status.CLOSED:
        _not_before(order, "closed_at", [(order.registered_at, DATE_ONLY_AT_REGISTER),
                                         (order.replied_at, DATE_ONLY_AT_REPLY)])
    for name in ("registered_at", "replied_at", "closed_at", "due_at"):
        value = getattr(order, name)
        if isinstance(value, BareDate):
            setattr(order, name, datetime.combine(value.date(), time(), tzinfo=value.tzinfo))


def _not_before(order: SourceOrder, name: str, floors: list[tuple[datetime | None, str]], *,
                warn: bool = True) -> None:
    """Field `name`, when a bare date, raised to the latest of `floors` (moment, reason) later on its own day."""
    value = getattr(order, name)
    if not isinstance(value, BareDate):
        return
    later = [(moment, template) for moment, template in floors
             if moment is not None and moment > value and moment.astimezone(value.tzinfo).date() == value.date()]
    if not later:
        return
    moment, template = max(later, key=lambda floor: floor[0])
    if warn:
        order.warn(name, value.date().isoformat(), template)
    setattr(order, name, moment)


def _moment(value: datetime) -> str:
    """A date as a warning shows it (in its own zone, to the minute)."""
    return f"{value:%Y-%m-%d %H:%M}"


def _refuse_nul(order: SourceOrder) -> None:
    """RowError when a text the order would store holds a NUL character (PostgreSQL cannot store it)."""
    for name, label in _FIELD_NAMES.items():
        value = getattr(order, name)
        if isinstance(value, dict):
            value = [*map(str, value), *(v for v in value.values() if isinstance(v, str))]
        texts = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(t, str) and NUL in t for t in texts):
            raise RowError(nul_reason(label))
