"""An untitled order's title, made from its description."""

from __future__ import annotations

from hotline.core.privacy import numbers_masked

#: How much of the description an untitled order's title keeps.
LENGTH = 40


def default_title(description: str) -> str:
    """An untitled order's title: the start of its description, numbers masked (lists, SMS alerts and exports
    show titles to units, who see callers' numbers masked: `core.privacy.text_for`)."""
    return numbers_masked(" ".join(description.split()))[:LENGTH]


def is_default_title(title: str, description: str) -> bool:
    """Whether `title` was made from the description (`default_title`, or unmasked as before that rule)."""
    return title in (default_title(description), " ".join(description.split())[:LENGTH])
