"""Triage's reasons in templates, in the reader's language (see `hotline.triage.reasons`).

`{{ reason|triage_reason }}` words an urgency, repeat or 不合理诉求 reason (structured, or a string stored
before reasons were structured); `{{ hint.level|hint_level }}` the hint's level; `{{ level|urgency_label }}`
an urgency level (urgent/pressing/normal).
"""

from __future__ import annotations

from typing import Any

from django import template

from hotline.taxonomy.choices import Urgency
from hotline.triage.reasons import describe_hint_level, describe_reason

register = template.Library()


@register.filter
def triage_reason(reason: Any) -> str:
    """One triage reason in the active language."""
    return describe_reason(reason)


@register.filter
def hint_level(level: str) -> str:
    """The 不合理诉求 hint's level (较高/中/低) in the active language."""
    return describe_hint_level(level)


@register.filter
def urgency_label(level: str) -> str:
    """An urgency level's label (紧急/较急/一般) in the active language; an unknown value as it is."""
    return str(Urgency(level).label) if level in Urgency.values else level
