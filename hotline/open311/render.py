"""Open311 documents as JSON or XML (UTF-8), with the element names of the GeoReport v2 spec."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - used only to build documents, never to parse input

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("json", "xml")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

#: The child element of each list in the XML form (`<attributes><attribute>…`).
ITEM_TAGS = {
    "services": "service", "attributes": "attribute", "values": "value", "service_requests": "request",
    "endpoints": "endpoint", "formats": "format", "errors": "error", "service_request_updates": "request_update",
}


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the time zone (local time of the centre, e.g. 2025-03-04T10:00:00+08:00)."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value) or ""
    return _NOT_XML.sub("", str(value))  # control characters XML 1.0 cannot carry


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _fill(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(element, key, inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            _fill(element, ITEM_TAGS.get(tag, "item"), inner)
    else:
        element.text = _text(value)


def to_xml(root: str, content: Any) -> bytes:
    """The document as XML: a list becomes `<root><item>…</item></root>`, a dict `<root><key>…`."""
    element = ET.Element(root)
    if isinstance(content, dict):
        for key, value in content.items():
            _fill(element, key, value)
    else:
        for value in content:
            _fill(element, ITEM_TAGS.get(root, "item"), value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def to_json(content: Any) -> bytes:
    return json.dumps(_plain(content), ensure_ascii=False).encode()


def respond(fmt: str, root: str, content: Any, *, status: int = 200) -> HttpResponse:
    """An HTTP response in the asked format; `root` names the XML root element."""
    body = to_xml(root, content) if fmt == "xml" else to_json(content)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error document: a list of {code, description}, with the same HTTP status."""
    errors = [{"code": status, "description": str(d)} for d in descriptions]
    return respond(fmt, "errors", errors, status=status)
