"""首次解决率: resolved at the order's first valid return visit, before any 重办 (the honest 解决率).

A hand-built March 2025 (Beijing time), through the real services:

U (cast.lead)   first   closed at the first visit: resolved, satisfied                      → first: resolved
                redo    visited 未解决/不满意 on the 5th, 重办, replied again, resolved on the 7th → first: not resolved
                late    first reached on the 6th after an unanswered call on the 5th, resolved → first: resolved
V (other.lead)  redo_v  visited resolved but 不满意 on the 5th, 重办, resolved and satisfied on the 7th
                                                                                          → first: resolved
                never   visited 未解决 on the 5th, 重办, resolved on the 7th                     → first: not resolved
                gone    closed unreachable (no phone, one unanswered call)                → no valid visit
                checked proactive, 现场核查 found it put right                              → no valid visit
U               feb     first visited 未解决 in February, resolved after 重办 in March        → not March's

First-visit resolution: U 2/3, V 1/2, city 3/5. 解决率 (final visit) over the same orders: U 3/3, V 2/2, city 6/6
(feb's March visit is its final one in March).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.constants import DEFAULT_WEIGHTS, WEIGHTABLE
from hotline.kpis.cuts import Cut
from hotline.kpis.definitions import KPIS, UNIT_INDICATORS
from hotline.kpis.models import AssessmentSettings, IndicatorWeight
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.tickets import services
from hotline.tickets.choices import Channel, Satisfaction, Status, VisitMethod
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)
CODE = "first_resolution"


def _visit(t: Ticket, cast: Cast, moment, *, resolved: bool, satisfaction: str) -> Ticket:  # noqa: ANN001
    with clock.frozen(moment):
        return services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=resolved,
                                            satisfaction=satisfaction)


def _redo(t: Ticket, cast: Cast, *, first, resolved: bool, satisfaction: str) -> Ticket:  # noqa: ANN001
    """Visited at `first` (not good enough: 重办), replied and approved again, visited resolved a day later."""
    t = _visit(t, cast, first, resolved=resolved, satisfaction=satisfaction)
    assert t.status == Status.IN_PROGRESS  # 重办
    with clock.frozen(first + timedelta(hours=2)):
        t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已再次处理", contacted=True,
                           resolved=True)
        t = services.approve_reply(t, actor=cast.inspector)
    t = _visit(t, cast, first + timedelta(days=2), resolved=True, satisfaction=Satisfaction.SATISFIED)
    assert t.status == Status.CLOSED
    return t


def _awaiting(cast: Cast, **draft) -> Ticket:  # noqa: ANN003
    return make_ticket(Status.AWAITING_VISIT, cast=cast, at=at(4), **draft)


@pytest.fixture
def month(cast: Cast) -> dict[str, Ticket]:
    other = Cast.build()
    t: dict[str, Ticket] = {"first": make_ticket(Status.CLOSED, cast=cast, at=at(4))}
    t["redo"] = _redo(_awaiting(cast), cast, first=at(5), resolved=False, satisfaction=Satisfaction.UNSATISFIED)
    late = _awaiting(cast, caller_phone="13900000003")
    with clock.frozen(at(5)):
        late = services.record_return_visit(late, actor=cast.inspector, contacted=False)
    assert late.status == Status.AWAITING_VISIT
    t["late"] = _visit(late, cast, at(6), resolved=True, satisfaction=Satisfaction.BASICALLY)
    t["redo_v"] = _redo(_awaiting(other), other, first=at(5), resolved=True, satisfaction=Satisfaction.UNSATISFIED)
    t["never"] = _redo(_awaiting(other), other, first=at(5), resolved=False, satisfaction=Satisfaction.BASICALLY)
    gone = _awaiting(other, caller_phone="")
    with clock.frozen(at(5)):
        t["gone"] = services.record_return_visit(gone, actor=other.inspector, contacted=False)
    assert t["gone"].status == Status.CLOSED  # unreachable: closed, no valid visit
    checked = _awaiting(other, channel=Channel.PROACTIVE)
    with clock.frozen(at(5)):
        t["checked"] = services.record_return_visit(checked, actor=other.inspector, contacted=False, resolved=True,
                                                    method=VisitMethod.VERIFY)
    assert t["checked"].status == Status.CLOSED
    feb = make_ticket(Status.AWAITING_VISIT, cast=cast, at=at(3, month=2))
    t["feb"] = _redo(feb, cast, first=at(27, month=2), resolved=False, satisfaction=Satisfaction.UNSATISFIED)
    t["feb"].refresh_from_db()
    t["other"] = other  # type: ignore[assignment]
    return t


def _ctx(**kwargs) -> engine.Context:  # noqa: ANN003
    return engine.context(MARCH, as_of=AS_OF, **kwargs)


def _pair(code: str, cut: Cut | None = None, **kwargs) -> tuple:  # noqa: ANN003
    fig = engine.figure(code, _ctx(**kwargs), cut)
    return fig.numerator, fig.denominator


def _orders(part: str, **kwargs) -> set[int]:  # noqa: ANN003
    return set(engine.orders(CODE, _ctx(), part=part, **kwargs).values_list("pk", flat=True))


def test_counts_the_first_valid_visit_overall(month: dict) -> None:
    assert _pair(CODE) == (3, 5)
    assert _orders("den") == {month[k].pk for k in ("first", "redo", "late", "redo_v", "never")}
    assert _orders("num") == {month[k].pk for k in ("first", "late", "redo_v")}
    # 解决率 judges the final visit: every order was resolved in the end, feb's March visit included.
    assert _pair("resolution") == (6, 6)


def test_cut_and_ranked_by_the_unit_that_held_the_order(month: dict, cast: Cast) -> None:
    other = month["other"].lead
    assert _pair(CODE, Cut(unit=cast.lead, subtree=False)) == (2, 3)
    assert _pair(CODE, Cut(unit=other, subtree=False)) == (1, 2)
    per_unit = engine.by_unit(CODE, _ctx())
    assert {u: (f.numerator, f.denominator) for u, f in per_unit.items()} == {cast.lead.pk: (2, 3), other.pk: (1, 2)}
    assert _orders("num", unit=other.pk) == {month["redo_v"].pk}
    assessed = engine.by_unit(CODE, _ctx(assessment=True))  # no claim, no appeal: the same figures
    assert assessed[cast.lead.pk].value == pytest.approx(2 / 3)


def test_a_visit_after_rehandling_is_never_a_first_visit(month: dict) -> None:
    """feb's first valid visit was in February: its resolved March visit is not March's first visit."""
    assert month["feb"].pk not in _orders("den")
    assert engine.figure(CODE, engine.context(periods.month(2025, 2), as_of=AS_OF)).denominator == 1


def test_unit_indicator_with_assessment_exclusions() -> None:
    kpi = KPIS[CODE]
    assert kpi in UNIT_INDICATORS and kpi.assessment_exclusions and kpi.numerator is not None
    assert str(kpi.name) == "首次解决率"


def test_weightable_with_weight_zero_by_default(month: dict, cast: Cast) -> None:
    assert CODE in WEIGHTABLE and DEFAULT_WEIGHTS[CODE] == 0
    settings = AssessmentSettings.current()
    assert settings.weight_rows.get(indicator=CODE).weight == 0
    assert CODE not in settings.weights()
    settings.weight_rows.filter(indicator=CODE).delete()
    migration = import_module("hotline.kpis.migrations.0003_first_resolution_weight")
    for _twice in range(2):
        migration.list_first_resolution(apps, None)
    assert settings.weight_rows.get(indicator=CODE).weight == 0
    IndicatorWeight.objects.filter(indicator=CODE).update(weight=Decimal("0.5"))
    assert AssessmentSettings.current().weights()[CODE] == Decimal("0.5")


def test_the_kpi_page_lists_it(month: dict, cast: Cast) -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse("kpis"), {"month": "2025-03", "by": "unit"})
    assert response.status_code == 200
    cell = next(c for c in response.context["cells"] if c["kpi"].code == CODE)
    assert (cell["figure"].numerator, cell["figure"].denominator) == (3, 5)
    assert "首次解决率" in response.content.decode()
    codes = [k.code for k in response.context["table"]["columns"]]
    assert codes.index(CODE) == codes.index("resolution") + 1
    row = next(r for r in response.context["table"]["rows"] if r["label"] == cast.lead.name)
    found = row["cells"][codes.index(CODE)]["figure"]
    assert (found.numerator, found.denominator) == (2, 3)
    drill = client.get(reverse("kpis-orders"), {"kpi": CODE, "part": "num", "month": "2025-03"})
    assert drill.status_code == 200
