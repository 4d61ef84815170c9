"""The one status table of an incident (突发事件状态流转), enforced by every service.

    草稿 ──publish──▶ 发布中 ──end──▶ 已结束
     │ ▲              │ ▲              │
     └─┘ edit         └─┘ edit         └──publish (重新发布)──▶ 发布中

An ended incident may be published again (ended by mistake, or the same outage is back within its
window) as long as its expected end has not passed; otherwise it is a record, and a new outage is a new
incident. Orders may be linked by hand (and manual links removed) while it is published or ended: calls
found later still count. A draft has no calls.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hotline.incidents.choices import IncidentStatus as S
from hotline.tickets.exceptions import InvalidTransition

#: step → (statuses it may start from, statuses it may lead to)
TRANSITIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "edit": (frozenset({S.DRAFT, S.PUBLISHED}), frozenset({S.DRAFT, S.PUBLISHED})),
    "publish": (frozenset({S.DRAFT, S.ENDED}), frozenset({S.PUBLISHED})),
    "end": (frozenset({S.PUBLISHED}), frozenset({S.ENDED})),
    "link": (frozenset({S.PUBLISHED, S.ENDED}), frozenset({S.PUBLISHED, S.ENDED})),
    "unlink": (frozenset({S.PUBLISHED, S.ENDED}), frozenset({S.PUBLISHED, S.ENDED})),
}


def step_names() -> dict[str, str]:
    """The steps' names as shown in a refusal."""
    return {"edit": pgettext("突发事件步骤", "修改"), "publish": pgettext("突发事件步骤", "发布"),
            "end": pgettext("突发事件步骤", "结束"), "link": pgettext("突发事件步骤", "关联工单"),
            "unlink": pgettext("突发事件步骤", "取消关联工单")}


def allowed(step: str, status: str) -> bool:
    """Whether `step` may start from `status`."""
    return status in TRANSITIONS[step][0]


def check(step: str, source: str, target: str) -> None:
    """Refuse a step the table does not allow (`InvalidTransition`, a Chinese message)."""
    sources, targets = TRANSITIONS[step]
    if source not in sources or target not in targets:
        raise InvalidTransition(_("突发事件当前状态为「%(status)s」，不能%(step)s") % {
            "status": S(source).label, "step": step_names()[step]})
