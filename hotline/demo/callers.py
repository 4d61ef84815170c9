"""Caller profiles (来电人档案) in the demo: a handful of the demo's callers tagged, as agents would have.

Callers with the most orders come first (repeat callers), then the earliest citizens' orders; confidential
(保密) and anonymous orders are left out, and the 企业 tag goes to a caller who gave a firm. Each profile is
written through `update_profile` by the demo's supervisor, so it has its change log. A number that already
has a profile is left alone: loading the demo again changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Count, Min, Q

from hotline.accounts.models import User
from hotline.callers.models import CallerProfile
from hotline.callers.services import profile_number, update_profile
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Ticket

logger = logging.getLogger(__name__)

#: The demo account that tags the callers.
TAGGED_BY = "supervisor"


@dataclass(frozen=True)
class Tagging:
    """The tags and note one demo caller gets; `firm`: only a caller who called for a firm."""

    tags: tuple[str, ...]
    note: str
    firm: bool = False


TAGGINGS = (
    Tagging(("多次来电", "老年人"), "独居老人，常问同一事项的进度；请先查历史工单并放慢语速"),
    Tagging(("多次来电", "情绪激动（注意安抚）"), "对上次答复不满意，先安抚再核实诉求"),
    Tagging(("听障（请用短信）",), "请以短信告知受理和办理进度"),
    Tagging(("企业",), "企业负责人，反映营商环境问题", firm=True),
    Tagging(("外地来电",), "外地车主，事发地在本市"),
    Tagging(("恶意骚扰",), "曾多次无正当诉求占线，礼貌告知后可结束通话"),
)


def _candidates() -> list[tuple[str, bool]]:
    """(number, called for a firm) of citizens' non-confidential, non-anonymous orders: most orders first."""
    rows = (Ticket.objects.from_citizens().filter(is_confidential=False, is_anonymous=False)
            .exclude(caller_phone="").order_by().values("caller_phone")
            .annotate(n=Count("id"), first=Min("registered_at"), firms=Count("id", filter=~Q(caller_company="")))
            .order_by("-n", "first", "caller_phone")[:200])
    return [(row["caller_phone"], row["firms"] > 0) for row in rows if profile_number(row["caller_phone"])]


def load_callers() -> int:
    """Tag a handful of the demo's callers (once); returns how many profiles were written."""
    actor = User.objects.filter(username=TAGGED_BY, is_active=True).first()
    if actor is None:
        return 0
    candidates = _candidates()
    taken: set[str] = set()
    written = 0
    for tagging in sorted(TAGGINGS, key=lambda t: not t.firm):  # a firm's caller is not used up by another
        phone = next((p for p, firm in candidates if p not in taken and (firm or not tagging.firm)), None)
        if phone is None:
            continue
        taken.add(phone)
        if CallerProfile.objects.filter(phone=phone).exists():
            continue
        try:
            update_profile(phone, tags=tagging.tags, note=tagging.note, actor=actor)
        except DomainError as exc:  # a tag renamed or switched off in the admin
            logger.info("demo caller profile skipped: %s", exc.message)
            continue
        written += 1
    return written
