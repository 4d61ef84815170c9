"""The score of an inspected order (质检得分): 100 less the deductions, never below 0; a fatal error (严重差错) is 0.

Plain inputs, no database: `hotline.inspection.services` checks the deductions against the checklist first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hotline.inspection.constants import FULL_SCORE


@dataclass(frozen=True)
class Mark:
    """Points taken off on one checklist item, and whether that item is a fatal error."""

    points: int
    is_fatal: bool = False


def score(marks: Iterable[Mark]) -> tuple[int, bool]:
    """(score, fatal): 100 − the sum of the points (at least 0), or (0, True) when a fatal item lost points."""
    marks = list(marks)
    if any(m.is_fatal and m.points > 0 for m in marks):
        return 0, True
    return max(0, FULL_SCORE - sum(m.points for m in marks)), False
