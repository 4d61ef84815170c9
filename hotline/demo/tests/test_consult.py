"""会商 in the demo: which orders are consulted on, and how far each consultation gets (no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hotline.demo.consult import GENERIC, TOPICS, Stage, plan_consultations
from hotline.demo.messages import Message
from hotline.demo.orders import TZ, OrderPlan, Outcome
from hotline.demo.orgs import CityUnits
from hotline.orgs.models import HandlingUnit
from hotline.tickets.services import TicketDraft

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)


def _city() -> CityUnits:
    codes = {code for t in [*TOPICS, GENERIC] for code in t.opinions} - {"STREET"}
    return CityUnits(by_code={code: HandlingUnit(code=code, name=code) for code in codes})


def _plan(no: int, title: str, days_ago: float) -> OrderPlan:
    street = HandlingUnit(code=f"S-{no}", name=f"街道{no}")
    draft = TicketDraft(request_type="complaint", title=title, description=title, street=street)
    return OrderPlan(no=no, at=NOW - timedelta(days=days_ago), message=Message(no, title, title, "城乡建设"),
                     draft=draft, outcome=Outcome.DISPATCH, flags={"return_accept", "ext"}, stop="returned")


def test_topics_find_orders_by_title_in_message_order() -> None:
    """The first fitting title takes a topic; the open ones move to the last hours, the concluded stay old."""
    plans = [_plan(0, "小区门口烧烤油烟扰民", 30), _plan(1, "楼道堆放杂物", 40), _plan(2, "路口摊贩占道经营", 50),
             _plan(3, "另一处占道经营", 60), _plan(4, "工资拖欠", 70)]
    chosen = plan_consultations(plans, now=NOW, city=_city())
    by_no = {p.no: p.consult for p in chosen}
    assert (by_no[2].topic.name, by_no[2].stage) == ("占道经营", Stage.AWAITING)
    assert (by_no[1].topic.name, by_no[1].stage) == ("楼道堆物", Stage.ANSWERED)
    assert (by_no[0].topic.name, by_no[0].stage) == ("餐饮油烟", Stage.CONCLUDED)
    assert 3 not in by_no and 4 not in by_no
    awaiting, answered, concluded = plans[2], plans[1], plans[0]
    assert NOW - timedelta(days=1) < awaiting.at < NOW and NOW - timedelta(days=2) < answered.at < awaiting.at
    assert awaiting.stop == answered.stop == "consulting" and not awaiting.flags
    assert concluded.at == NOW - timedelta(days=30) and concluded.stop == "" and concluded.flags == {"ext"}
    assert concluded.lead.code == "DEPT-CG" and concluded.wrong_lead is None
    assert answered.lead == answered.draft.street  # the street leads a stairwell matter
    assert [u.code for u in by_no[2].units] == ["DEPT-SJ", "DEPT-CG"] and by_no[2].topic.pending == "DEPT-CG"


@pytest.mark.parametrize("days", [1, 40])
def test_a_small_demo_still_gets_both_open_consultations_and_one_conclusion(days: int) -> None:
    """No title fits: the generic topic, waiting for 城管 and then for the desk; a conclusion only on an old order."""
    plans = [_plan(n, f"诉求{n}", days) for n in range(4)]
    chosen = plan_consultations(plans, now=NOW, city=_city())
    assert [p.consult.topic for p in chosen] == [GENERIC] * len(chosen)
    assert [p.consult.stage for p in chosen] == [Stage.AWAITING, Stage.ANSWERED] + [Stage.CONCLUDED] * (days > 12)
