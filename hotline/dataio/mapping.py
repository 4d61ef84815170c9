"""The `mapped` format: a JSON mapping file says which column holds which field of an order.

Example (see docs/import-export.md and hotline/dataio/examples/)::

    {
      "source": "riverside-2023",
      "timezone": "Asia/Shanghai",
      "date_formats": ["%d.%m.%Y %H:%M"],
      "columns": {"external_id": "编号", "description": "内容", "registered_at": "来电时间", "status": "状态",
                  "category": "类别", "unit": "承办单位", "reply_text": "答复", "replied_at": "答复时间",
                  "closed_at": "办结时间"},
      "status_map": {"已办结": "closed", "办理中": "in_progress", "待派单": "pending_dispatch"},
      "category_map": {"噪音": "城乡建设/城市建设和市政管理/噪声污染"}
    }
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.dataio.formats import Parser, cell_key
from hotline.dataio.readers import RawRow
from hotline.dataio.rows import (
    DATE_FORMATS,
    REPLY_TIME_WITHOUT_REPLY,
    UNKNOWN_CATEGORY_BLANK,
    UNKNOWN_CHANNEL,
    UNKNOWN_REQUEST_TYPE,
    RowError,
    SourceOrder,
    check,
    optional_datetime,
    shown,
    text,
)
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Channel, Status

#: Fields a mapping may name a column for; the first four are required.
REQUIRED = ("external_id", "description", "registered_at", "status")
OPTIONAL = ("title", "category", "unit", "reply_text", "replied_at", "closed_at", "due_at", "address",
            "latitude", "longitude", "caller_name", "caller_phone", "channel", "request_type")
#: The statuses an imported order may have.
TARGET_STATUSES = (Status.CLOSED, Status.IN_PROGRESS, Status.DISPATCHED, Status.PENDING_DISPATCH)
_KEYS = {"source", "timezone", "date_formats", "columns", "status_map", "category_map", "unknown_category",
         "channel_map", "request_type_map", "defaults"}


class MappingError(Exception):
    """The mapping file is missing, not JSON, or does not describe a usable import."""


@dataclass
class Mapping:
    """A loaded and checked mapping file."""

    source: str
    timezone: ZoneInfo
    columns: dict[str, str]
    status_map: dict[str, str]
    date_formats: tuple[str, ...] = DATE_FORMATS
    category_map: dict[str, str] = field(default_factory=dict)
    unknown_category: str = "reject"
    channel_map: dict[str, str] = field(default_factory=dict)
    request_type_map: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)


def _keyed(mapping: Any, name: str, allowed: tuple[str, ...] | None = None) -> dict[str, str]:
    if mapping is None:
        return {}
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise MappingError(f"「{name}」应为「原值: 目标值」的对象")
    if allowed is not None:
        bad = sorted({v for v in mapping.values() if v not in allowed})
        if bad:
            raise MappingError(f"「{name}」含不支持的目标值：{', '.join(bad)}（可用：{', '.join(allowed)}）")
    return {cell_key(k): v for k, v in mapping.items()}


def load_mapping(path: Path | str) -> Mapping:
    """Read and check a mapping file; every problem is a MappingError with a clear message."""
    try:
        spec = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise MappingError(f"映射文件不存在：{path}") from None
    except OSError as exc:  # a folder, no permission
        raise MappingError(f"无法读取映射文件 {path}：{exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"映射文件不是有效的 JSON：{exc}") from exc
    if not isinstance(spec, dict):
        raise MappingError("映射文件应为 JSON 对象")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise MappingError(f"映射文件含未知项：{', '.join(unknown)}")
    source = str(spec.get("source", "")).strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", source) or source in {"teddy", "baltimore", "nyc"}:
        raise MappingError("「source」须为 1–40 个字母、数字、-_. 组成的名称，且不能与内置格式同名")
    columns = spec.get("columns")
    if not isinstance(columns, dict):
        raise MappingError("缺少「columns」（字段到列名的对象）")
    if not all(v is None or isinstance(v, str) for v in columns.values()):
        raise MappingError("「columns」的列名应为文本")
    missing = [f for f in REQUIRED if not columns.get(f)]
    if missing:
        raise MappingError(f"「columns」缺少必填字段：{', '.join(missing)}")
    extra = sorted(set(columns) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        raise MappingError(f"「columns」含未知字段：{', '.join(extra)}")
    zone = spec.get("timezone", "Asia/Shanghai")
    try:
        if not isinstance(zone, str):
            raise ValueError(zone)
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"未知时区「{zone}」（应为时区名称，如 Asia/Shanghai）") from None
    formats = spec.get("date_formats") or list(DATE_FORMATS)
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) and f.strip() for f in formats):
        raise MappingError("「date_formats」应为日期格式文本的列表，如 [\"%d.%m.%Y %H:%M\"]")
    status_map = _keyed(spec.get("status_map"), "status_map", tuple(str(s) for s in TARGET_STATUSES))
    if not status_map:
        raise MappingError("缺少「status_map」（原状态到 closed/in_progress/dispatched/pending_dispatch）")
    unknown_category = spec.get("unknown_category", "reject")
    if unknown_category not in ("reject", "blank"):
        raise MappingError("「unknown_category」只能是 reject 或 blank")
    return Mapping(
        source=source, timezone=tz, columns={k: str(v) for k, v in columns.items() if v},
        status_map=status_map, date_formats=tuple(formats),
        category_map=_keyed(spec.get("category_map"), "category_map"), unknown_category=unknown_category,
        channel_map=_keyed(spec.get("channel_map"), "channel_map", tuple(Channel.values)),
        request_type_map=_keyed(spec.get("request_type_map"), "request_type_map", tuple(RequestType.values)),
        defaults=_defaults(spec.get("defaults")),
    )


#: What `defaults` may give, with the values each accepts (None: any text).
_DEFAULTS: dict[str, tuple[str, ...] | None] = {
    "channel": tuple(Channel.values), "request_type": tuple(RequestType.values), "unit": None}


def _defaults(spec: Any) -> dict[str, str]:
    """The `defaults` object, checked like the value maps: known keys, allowed values."""
    if spec is None:
        return {}
    if not isinstance(spec, dict) or not all(isinstance(v, str) for v in spec.values()):
        raise MappingError("「defaults」应为「字段: 值」的对象，如 {\"channel\": \"phone\"}")
    unknown = sorted(set(spec) - set(_DEFAULTS))
    if unknown:
        raise MappingError(f"「defaults」含未知字段：{', '.join(unknown)}（可用：{', '.join(_DEFAULTS)}）")
    for key, value in spec.items():
        allowed = _DEFAULTS[key]
        if allowed is not None and value not in allowed:
            raise MappingError(f"「defaults」的 {key} 不支持「{value}」（可用：{', '.join(allowed)}）")
    return dict(spec)


def mapped_parser(mapping: Mapping, known_categories: set[str]) -> Parser:
    """Rows of a file described by `mapping`; categories must be among `known_categories` (full names)."""
    cols = mapping.columns

    def cell(cells: dict[str, Any], name: str) -> Any:
        column = cols.get(name)
        return cells.get(column, "") if column else ""

    def value(cells: dict[str, Any], name: str) -> str:
        column = cols.get(name)
        return text(cells, column) if column else ""

    def when(cells: dict[str, Any], name: str, what: str):  # noqa: ANN202
        return optional_datetime(cell(cells, name), mapping.timezone, what=what, formats=mapping.date_formats)

    #: The order's field of each mapped field whose name differs.
    fields = {"unit": "unit_name", "category": "category_path"}
    columns = {fields.get(name, name): column for name, column in cols.items()}

    def category(raw: str, notes: list[tuple[str, str, str, dict[str, Any]]]) -> tuple[str, ...]:
        if not raw:
            return ()
        full = mapping.category_map.get(cell_key(raw), raw)
        if full in known_categories:
            return tuple(full.split("/"))
        if mapping.unknown_category == "blank":
            notes.append(("category_path", raw, UNKNOWN_CATEGORY_BLANK, {"value": shown(raw)}))
            return ()
        raise RowError(f"未知分类「{raw}」（请在映射文件 category_map 中对应到现有分类）")

    def mapped(cells: dict[str, Any], name: str, table: dict[str, str], default: str, template: str,
               notes: list[tuple[str, str, str, dict[str, Any]]]) -> str:
        """The platform's value of a mapped column; a value the map does not know is the default, noted."""
        raw = value(cells, name)
        if raw and cell_key(raw) not in table:
            notes.append((name, raw, template, {"value": shown(raw)}))
        return table.get(cell_key(raw), default)

    def parse(row: RawRow) -> SourceOrder:
        c = row.cells
        if cols["external_id"] not in c or cols["description"] not in c:
            raise RowError("文件缺少映射文件指定的列")
        raw_status = value(c, "status")
        try:
            status = mapping.status_map[cell_key(raw_status)]
        except KeyError:
            raise RowError(f"未知状态「{raw_status}」" if raw_status else "缺少状态") from None
        registered = when(c, "registered_at", "受理时间")
        if registered is None:
            raise RowError("缺少受理时间")
        reply = value(c, "reply_text")
        replied = when(c, "replied_at", "答复时间")
        closed = when(c, "closed_at", "办结时间")  # a closed row without it is rejected (rows.check), not guessed
        notes: list[tuple[str, str, str, dict[str, Any]]] = []  # (field, value as given, reason, its values)
        if replied is not None and not reply:
            notes.append(("replied_at", value(c, "replied_at"), REPLY_TIME_WITHOUT_REPLY, {}))
        channel = mapped(c, "channel", mapping.channel_map, mapping.defaults.get("channel", Channel.PHONE),
                         UNKNOWN_CHANNEL, notes)
        kind = mapped(c, "request_type", mapping.request_type_map,
                      mapping.defaults.get("request_type", RequestType.COMPLAINT), UNKNOWN_REQUEST_TYPE, notes)
        path = category(value(c, "category"), notes)
        order = SourceOrder(
            line=row.line, external_id=value(c, "external_id"), description=value(c, "description"),
            title=value(c, "title"), registered_at=registered, status=status, source_status=raw_status,
            request_type=kind, channel=channel, category_path=path,
            unit_name=value(c, "unit") or mapping.defaults.get("unit", ""), reply_text=reply,
            replied_at=(replied or closed) if reply else None, closed_at=closed,
            due_at=when(c, "due_at", "时限"), address=value(c, "address"),
            latitude_text=value(c, "latitude"), longitude_text=value(c, "longitude"),
            caller_name=value(c, "caller_name"), caller_phone=value(c, "caller_phone"), columns=columns,
        )
        for name, given, template, params in notes:
            order.warn(name, given, template, **params)
        return check(order)

    return parse
