"""The one transition table of a governance theme (每月一题), enforced by every service in `services.py`.

Each step names the statuses it may start from, the status it leads to (None = stays), who may take
it, and which units' staff: the lead unit (主办) alone, or the lead and the assisting units (协办).
Every step refuses a page shown before someone else acted (the theme's `version`), except 报送进展:
progress reports only append to the record, so two units reporting at once both succeed (the row lock
still takes them one after the other).
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.accounts.choices import Role
from hotline.governance.choices import ThemeAction as A
from hotline.governance.choices import ThemeStatus as S

#: The centre's people who take a theme on and judge it: supervisors (督办), leaders (领导), administrators.
CENTRE = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
UNIT = frozenset({Role.UNIT_HANDLER, Role.UNIT_ADMIN})


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    lead_only: bool = False  # unit steps: only the lead unit's staff (else lead and assisting units)
    checks_version: bool = True  # refuse a stale page (False: the step only appends)


TRANSITIONS: dict[str, Step] = {
    A.ADOPT: Step(frozenset({""}), S.ADOPTED, CENTRE),
    A.PLAN: Step(frozenset({S.ADOPTED}), S.IN_PROGRESS, UNIT, lead_only=True),
    A.PROGRESS: Step(frozenset({S.IN_PROGRESS}), None, UNIT, checks_version=False),
    A.REPORT: Step(frozenset({S.IN_PROGRESS}), S.REPORTED, UNIT, lead_only=True),
    A.ACCEPT: Step(frozenset({S.REPORTED}), S.CLOSED, CENTRE),
    A.SEND_BACK: Step(frozenset({S.REPORTED}), S.IN_PROGRESS, CENTRE),
    A.CANCEL: Step(frozenset({S.ADOPTED, S.IN_PROGRESS, S.REPORTED}), S.CANCELLED, CENTRE),
    # 调整: the centre moves the deadline or changes the lead/assisting units, with a reason; status stays.
    A.ADJUST: Step(frozenset({S.ADOPTED, S.IN_PROGRESS, S.REPORTED}), None, CENTRE),
}


def allowed_actions(status: str) -> list[str]:
    """Every step the table allows from this status (before role and unit checks)."""
    return [action for action, step in TRANSITIONS.items() if status in step.sources]
