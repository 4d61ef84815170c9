"""Whole numbers typed into the knowledge-base pages and forms (a page, an owner unit, a version, an article id).

A query string or form field is whatever the sender typed: `abc`, `1.5`, `-`, `1\\x00` or 5,000 digits
(Python refuses `int()` of more than 4,300 digits). Each is read here as "absent", never as an error page.
"""

from __future__ import annotations

#: Digits a number typed into these pages may have (a version, a page, a row id): more is no number.
MAX_DIGITS = 9


def whole_number(raw: str | None) -> int | None:
    """A small whole number typed as ASCII digits (spaces around allowed), or None for anything else."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= MAX_DIGITS else None
