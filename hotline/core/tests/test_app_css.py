"""Narrow screens (375 px): the rules in app.css that keep wide content from widening the whole page."""

from __future__ import annotations

import re
from pathlib import Path

import hotline

CSS = (Path(hotline.__file__).parent / "static" / "hotline" / "app.css").read_text(encoding="utf-8")


def rule(selector: str) -> str:
    """The declarations of the rule whose selector list contains `selector` (top-level rules only)."""
    for selectors, body in re.findall(r"^([^{}@/\n][^{}]*)\{([^}]*)\}", CSS, flags=re.M):
        if selector in [s.strip() for s in selectors.split(",")]:
            return body
    raise AssertionError(f"no rule for {selector} in app.css")


def test_order_lists_scroll_inside_their_results_box() -> None:
    """The order lists' table sits in #order-results, not in a .card."""
    assert "overflow-x: auto" in rule("#order-results")


def test_field_labels_wrap_so_values_keep_room() -> None:
    """Long English labels (「Returns/rehandlings/extensions/reopenings」) must not squeeze the values to nothing."""
    assert "minmax(8rem, 1fr)" in rule(".fields")
    assert "overflow-wrap: anywhere" in rule(".fields dt")
