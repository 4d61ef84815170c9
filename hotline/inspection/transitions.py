"""The one status table of an inspection (质检状态流转), enforced by every service.

    待质检 ──inspect──▶ 已质检 ──appeal──▶ 申诉中 ──decide──▶ 申诉维持 / 申诉改判
                         │  ▲
                         └──┘ inspect again (修改评分, until the agent appeals)
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from hotline.inspection.choices import InspectionStatus as S
from hotline.tickets.exceptions import InvalidTransition

#: step → (statuses it may start from, statuses it may lead to)
TRANSITIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "inspect": (frozenset({S.PENDING, S.INSPECTED}), frozenset({S.INSPECTED})),
    "appeal": (frozenset({S.INSPECTED}), frozenset({S.APPEALED})),
    "decide": (frozenset({S.APPEALED}), frozenset({S.UPHELD, S.REVISED})),
}


def step_names() -> dict[str, str]:
    """The steps' names as shown in a refusal."""
    return {"inspect": _("质检评分"), "appeal": _("申诉"), "decide": _("处理申诉")}


def allowed(step: str, status: str) -> bool:
    """Whether `step` may start from `status`."""
    return status in TRANSITIONS[step][0]


def check(step: str, source: str, target: str) -> None:
    """Refuse a step the table does not allow (`InvalidTransition`, a Chinese message)."""
    sources, targets = TRANSITIONS[step]
    if source not in sources or target not in targets:
        raise InvalidTransition(_("当前状态「%(status)s」不能%(step)s") % {
            "status": S(source).label, "step": step_names()[step]})
