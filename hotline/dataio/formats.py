"""The source formats: how a row of each real data set becomes a `SourceOrder`.

teddy     — messages to a Chinese city government (2020 Teddy Cup): 留言编号, 留言用户, 留言主题, 留言时间,
            留言详情, 一级标签/一级分类, 答复意见, 答复时间 (any subset of the optional columns).
baltimore — Baltimore 311 (SRType, SRStatus, CreatedDate, DueDate, CloseDate, Agency, Address, …).
nyc       — NYC 311 (unique_key, complaint_type, descriptor, status, created/closed/due dates, agency_name,
            resolution_description, …).
mapped    — any file, described by a mapping file (`hotline.dataio.mapping`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.dataio.readers import RawRow
from hotline.dataio.rows import (
    REPLY_BEFORE_REGISTER,
    REPLY_TIME_WITHOUT_REPLY,
    UNKNOWN_CHANNEL,
    BareDate,
    RowError,
    SourceOrder,
    check,
    clean_id,
    optional_datetime,
    parse_datetime,
    shown,
    text,
)
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Channel, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")

#: The unit that answered teddy messages (the data set does not say which department it was).
TEDDY_UNIT = "网络问政答复单位（导入）"
#: The imported category branches (level 1) of the US data sets.
BALTIMORE_BRANCH = "Baltimore 311（导入）"
NYC_BRANCH = "NYC 311（导入）"

Parser = Callable[[RawRow], SourceOrder]

#: The columns a file of each built-in format cannot do without (every row would be rejected); an entry
#: with several names needs one of them. Every other column of the format is optional.
REQUIRED_COLUMNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "teddy": (("留言详情",), ("留言时间",)),  # 留言时间 only without a default date (see teddy_parser)
    "baltimore": (("ServiceRequestNum", "SRRecordID"), ("SRType",), ("SRStatus",), ("CreatedDate",)),
    "nyc": (("unique_key",), ("complaint_type", "descriptor"), ("status",), ("created_date",)),
}


def missing_columns(columns: Iterable[str], required: Iterable[tuple[str, ...]]) -> list[str]:
    """The required columns (an alternative as "a 或 b") absent from a file's `columns`."""
    present = set(columns)
    return [" 或 ".join(names) for names in required if not present.intersection(names)]


def digest(value: str, length: int = 10) -> str:
    """A short stable fingerprint of a text, whitespace-insensitive."""
    return hashlib.sha1(" ".join(value.split()).encode("utf-8"), usedforsecurity=False).hexdigest()[:length]


# --- teddy ---------------------------------------------------------------------------------------

_TEDDY_TYPES = (
    (("举报",), RequestType.REPORT),
    (("建议", "希望", "呼吁"), RequestType.SUGGESTION),
    (("咨询", "请问", "能否", "是否", "如何", "怎么"), RequestType.CONSULT),
    (("感谢", "表扬", "点赞"), RequestType.PRAISE),
)


def teddy_request_type(title: str) -> str:
    """The request type a message's subject suggests (投诉 unless it reads as 举报/建议/咨询/表扬)."""
    for words, kind in _TEDDY_TYPES:
        if any(word in title for word in words):
            return kind
    return RequestType.COMPLAINT


def teddy_parser(default_date: datetime | None = None) -> Parser:
    """Rows of the teddy files. Files without 留言时间 (messages_labeled.csv) need `default_date`."""

    def parse(row: RawRow) -> SourceOrder:
        cells = row.cells
        description = text(cells, "留言详情")
        number = clean_id(text(cells, "留言编号"))
        # Ids repeat across the teddy files for different messages: the text's fingerprint tells them apart.
        external_id = f"{number}-{digest(description)}" if number else f"h-{digest(description, 16)}"
        if "留言时间" in cells or default_date is None:
            registered = parse_datetime(cells.get("留言时间"), SHANGHAI, what="留言时间")
        else:
            registered = default_date
        label = text(cells, "一级标签") or text(cells, "一级分类")
        reply = " ".join(text(cells, "答复意见").split()) if "答复意见" in cells else ""
        replied = parse_datetime(cells.get("答复时间"), SHANGHAI, what="答复时间") if reply else None
        title = text(cells, "留言主题")
        order = SourceOrder(
            line=row.line, external_id=external_id, description=description, registered_at=registered,
            title=title, request_type=teddy_request_type(title), channel=Channel.WEB,
            category_path=(label,) if label else (), caller_name=text(cells, "留言用户"),
            status=Status.CLOSED if reply else Status.PENDING_DISPATCH,
            unit_name=TEDDY_UNIT if reply else "", reply_text=reply, replied_at=replied, closed_at=replied,
            source_status="答复" if reply else "未答复",
            columns={"title": "留言主题", "caller_name": "留言用户", "replied_at": "答复时间", "closed_at": "答复时间"},
        )
        answered = text(cells, "答复时间")
        if answered and not reply:
            order.warn("replied_at", answered, REPLY_TIME_WITHOUT_REPLY)
        return check(order)

    return parse


# --- Baltimore 311 ---------------------------------------------------------------------------------

BALTIMORE_STATUS = {
    "closed": Status.CLOSED, "closed (duplicate)": Status.CLOSED, "closed (transferred)": Status.CLOSED,
    "new": Status.DISPATCHED, "new (duplicate)": Status.DISPATCHED,
    "open": Status.IN_PROGRESS, "open (duplicate)": Status.IN_PROGRESS, "pending": Status.IN_PROGRESS,
    "in progress": Status.IN_PROGRESS,
}
BALTIMORE_CHANNEL = {
    "phone": Channel.PHONE, "api": Channel.APP, "internal": Channel.TRANSFER_IN, "system": Channel.TRANSFER_IN,
    "mail": Channel.MAILBOX, "email": Channel.MAILBOX, "web": Channel.WEB, "other": Channel.PHONE,
}


def _status(raw: str, table: dict[str, str]) -> str:
    try:
        return table[raw.strip().lower()]
    except KeyError:
        raise RowError(f"未知状态「{raw}」" if raw else "缺少状态") from None


def baltimore_parser() -> Parser:
    """Rows of Baltimore 311 (times are Baltimore local time)."""

    def parse(row: RawRow) -> SourceOrder:
        c = row.cells
        kind = text(c, "SRType")
        if not kind:
            raise RowError("缺少诉求内容（SRType 为空）")
        agency = text(c, "Agency")
        address = text(c, "Address")
        neighborhood = text(c, "Neighborhood")
        where = "，".join(part for part in (address, neighborhood) if part)
        status = _status(text(c, "SRStatus"), BALTIMORE_STATUS)
        method = text(c, "MethodReceived")
        order = SourceOrder(
            line=row.line, external_id=text(c, "ServiceRequestNum") or text(c, "SRRecordID"),
            description=f"{kind}（{where}）" if where else kind, title=kind,
            registered_at=parse_datetime(c.get("CreatedDate"), NEW_YORK, what="创建时间 CreatedDate"),
            due_at=optional_datetime(c.get("DueDate"), NEW_YORK, what="时限 DueDate"),
            closed_at=optional_datetime(c.get("CloseDate"), NEW_YORK, what="办结时间 CloseDate"),
            status=status, source_status=text(c, "SRStatus"), request_type=RequestType.HELP,
            channel=BALTIMORE_CHANNEL.get(method.lower(), Channel.PHONE),
            category_path=(BALTIMORE_BRANCH, agency or "Other", kind), create_category=True,
            unit_name=agency, address=address, latitude_text=text(c, "Latitude"), longitude_text=text(c, "Longitude"),
            extra={"zipcode": text(c, "ZipCode").removesuffix(".0")},
            columns={"title": "SRType", "address": "Address", "latitude": "Latitude", "longitude": "Longitude",
                     "unit_name": "Agency", "closed_at": "CloseDate", "channel": "MethodReceived"},
        )
        if method and method.lower() not in BALTIMORE_CHANNEL:
            order.warn("channel", method, UNKNOWN_CHANNEL, value=shown(method))
        return check(order)

    return parse


# --- NYC 311 ---------------------------------------------------------------------------------------

NYC_STATUS = {
    "closed": Status.CLOSED, "open": Status.DISPATCHED, "assigned": Status.DISPATCHED,
    "in progress": Status.IN_PROGRESS, "started": Status.IN_PROGRESS, "pending": Status.IN_PROGRESS,
}
NYC_CHANNEL = {"online": Channel.WEB, "mobile": Channel.APP, "phone": Channel.PHONE}
#: What NYC writes when it does not know the channel: the default (phone) without a warning.
NYC_NO_CHANNEL = ("", "unknown", "other")


def _before_creation(moment: datetime, created: datetime) -> bool:
    """Whether a resolution time predates the creation. A bare date (`BareDate`) is the whole day it names:
    before creation only on an earlier day; on the creation day `check` records it at the creation time."""
    if isinstance(moment, BareDate):
        return moment.date() < created.astimezone(moment.tzinfo).date()
    return moment < created


def nyc_parser() -> Parser:
    """Rows of NYC 311 (times are New York local time)."""

    def parse(row: RawRow) -> SourceOrder:
        c = row.cells
        kind = text(c, "complaint_type")
        detail = " / ".join(p for p in (text(c, "descriptor"), text(c, "descriptor_2")) if p)
        if not kind and not detail:
            raise RowError("缺少诉求内容（complaint_type 与 descriptor 均为空）")
        place = text(c, "location_type")
        description = f"{kind}：{detail}" if detail else kind
        if place:
            description += f"（{place}）"
        status = _status(text(c, "status"), NYC_STATUS)
        method = text(c, "open_data_channel_type")
        action_at = optional_datetime(c.get("resolution_action_updated_date"), NEW_YORK, what="处理时间")
        closed = optional_datetime(c.get("closed_date"), NEW_YORK, what="办结时间 closed_date")
        if status == Status.CLOSED and closed is None:
            closed = action_at
        resolution = text(c, "resolution_description")
        address = ", ".join(p for p in (text(c, "incident_address"), text(c, "borough")) if p)
        order = SourceOrder(
            line=row.line, external_id=text(c, "unique_key"), description=description, title=kind or detail,
            registered_at=parse_datetime(c.get("created_date"), NEW_YORK, what="创建时间 created_date"),
            due_at=optional_datetime(c.get("due_date"), NEW_YORK, what="时限 due_date"),
            closed_at=closed, status=status, source_status=text(c, "status"),
            request_type=RequestType.COMPLAINT,
            channel=NYC_CHANNEL.get(method.lower(), Channel.PHONE),
            category_path=(NYC_BRANCH, kind or "Other", detail or kind), create_category=True,
            unit_name=text(c, "agency_name") or text(c, "agency"), address=address,
            reply_text=resolution if status == Status.CLOSED else "",
            replied_at=(action_at or closed) if status == Status.CLOSED and resolution else None,
            latitude_text=text(c, "latitude"), longitude_text=text(c, "longitude"),
            extra={"zipcode": text(c, "incident_zip"), "status_notes": "" if status == Status.CLOSED else resolution},
            columns={"title": "complaint_type", "address": "incident_address, borough", "latitude": "latitude",
                     "longitude": "longitude", "unit_name": "agency_name", "closed_at": "closed_date",
                     "replied_at": "resolution_action_updated_date", "channel": "open_data_channel_type"},
        )
        if method.lower() not in (*NYC_CHANNEL, *NYC_NO_CHANNEL):
            order.warn("channel", method, UNKNOWN_CHANNEL, value=shown(method))
        if order.replied_at and order.closed_at and _before_creation(order.replied_at, order.registered_at):
            # the action date of some closed rows predates creation
            order.warn("replied_at", f"{order.replied_at:%Y-%m-%d %H:%M}", REPLY_BEFORE_REGISTER)
            order.replied_at = order.closed_at
        return check(order)

    return parse


def cell_key(value: Any) -> str:
    """A cell as a lookup key for value maps (case- and space-insensitive)."""
    return re.sub(r"\s+", " ", str(value or "")).strip().lower()
