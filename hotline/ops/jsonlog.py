"""Log lines as one JSON object each, carrying the request id, the person and the request's path.

    {"time": "2026-11-22T14:05:01.123+00:00", "level": "INFO", "logger": "hotline.request",
     "message": "GET /orders/ 200", "request_id": "…", "user_id": 7, "path": "/orders/",
     "status": 200, "duration_ms": 12.5}

`RequestContextFilter` copies the current request's fields onto every record; `JsonFormatter` writes the
record with any `extra={...}` fields it was given. Chosen by HOTLINE_LOG_FORMAT (json or text).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

from hotline.ops import context

#: LogRecord attributes that are not "extra" fields.
_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}
#: Fields the formatter always writes first, in this order.
_FIRST = ("time", "level", "logger", "message", "request_id", "user_id", "ip", "method", "path", "status",
          "duration_ms")


class RequestContextFilter(logging.Filter):
    """Attach the current request's id, person, address and path to every record (unless already set).

    Django's own lines about a request (django.request's "Not Found: /callers/13812345678/", django.security)
    put the path in their message: its phone and identity card numbers are masked, as in `path`
    (`context.path_for_record`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        for name, value in (
            ("request_id", ctx.request_id if ctx else None),
            ("user_id", ctx.user_id if ctx else None),
            ("ip", ctx.ip if ctx else None),
            ("method", ctx.method if ctx else None),
            ("path", ctx.path if ctx else None),
        ):
            if not hasattr(record, name):
                setattr(record, name, value)
        if isinstance(getattr(record, "request", None), HttpRequest):
            from hotline.core.privacy import numbers_masked

            record.msg, record.args = numbers_masked(record.getMessage()), None
        return True


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, HttpRequest):  # Django's `request` extra: its method and path, numbers masked
        return f"{value.method} {context.path_for_record(value.path)}"
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; None-valued context fields are left out."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in data:
                data[key] = _plain(value)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        ordered = {k: data.pop(k) for k in _FIRST if k in data}
        ordered.update(data)
        return json.dumps({k: v for k, v in ordered.items() if v is not None}, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The human-readable form for development: time, level, logger, [request id] message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not getattr(record, "request_id", None):
            record.request_id = "-"
        return super().format(record)
