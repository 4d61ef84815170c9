"""Each indicator on the hand-built month of `scenario.py`, with the expected values worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.cuts import Cut
from hotline.kpis.models import AssessmentSettings
from hotline.kpis.tests.scenario import AS_OF, Month, at, build
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)


@pytest.fixture
def month() -> Month:
    return build()


def fig(code: str, cut: Cut | None = None, *, assessment: bool = False) -> tuple[Decimal | None, int]:
    f = engine.figure(code, engine.context(MARCH, as_of=AS_OF, assessment=assessment), cut)
    return f.numerator, f.denominator


def unit(m: Month) -> Cut:
    return Cut(unit=m.cast.lead, subtree=False)


def test_volume_and_direct_answer_rate(month: Month) -> None:
    # t1..t8 and t7's master: 9 orders; the merged duplicate leaves the direct-answer population.
    assert fig("volume") == (None, 9)
    assert fig("direct_answer") == (1, 8)  # t5


def test_repeat_call_rate(month: Month) -> None:
    # t7 merged; t2 same phone and category as t1 two hours earlier.
    assert fig("repeat") == (2, 9)
    settings = AssessmentSettings.current()
    assert settings.repeat_window_days == 30


def test_sign_timely_rate(month: Month) -> None:
    # Signed: t1 t3 t4 t8 on time, t2 late; V never signed t6 past its deadline; U's t6 returned unsigned.
    assert fig("sign_timely") == (4, 6)
    assert fig("sign_timely", unit(month)) == (4, 5)
    assert fig("sign_timely", Cut(unit=month.other, subtree=False)) == (0, 1)


def test_on_time_rate_counts_open_overdue_orders(month: Month) -> None:
    # On time: t1, t8. Late: t2 (replied late), t3 (open, overdue), t4 (re-handled, new deadline passed),
    # t6 at V (never signed, deadline passed).
    assert fig("on_time") == (2, 6)
    assert fig("on_time", unit(month)) == (2, 5)


def test_on_time_rate_leaves_out_what_is_not_yet_due(month: Month) -> None:
    ctx = engine.context(MARCH, as_of=at(5))  # judged on the 5th: no reply deadline had passed yet
    f = engine.figure("on_time", ctx)
    # Only the replied orders count (t1, t8 on time; t2 late); t3, t4 and t6 were not yet due.
    assert (f.numerator, f.denominator) == (2, 3)


def test_on_time_rate_leaves_out_an_order_paused_before_its_deadline(month: Month) -> None:
    # Paused (待群众补充) on the 4th, long before its reply deadline: the deadline moves on resume, so
    # at the end of the month it is not decided yet and must not count as open overdue.
    make_ticket(Status.AWAITING_CITIZEN, cast=month.cast, at=at(4))
    assert fig("on_time") == (2, 6)
    assert fig("on_time", unit(month)) == (2, 5)


def test_on_time_rate_counts_an_order_paused_after_its_deadline(month: Month) -> None:
    # Already overdue when the unit asked the citizen: the pause does not undo the lateness.
    t = make_ticket(Status.IN_PROGRESS, cast=month.cast, at=at(4))
    with clock.frozen(at(28)):
        services.request_info(t, actor=month.cast.lead_handler, unit=month.cast.lead, question="请补充门牌号")
    assert fig("on_time", unit(month)) == (2, 6)


def test_completion_return_rehandle_extension(month: Month) -> None:
    assert fig("completion") == (2, 6)  # t1, t2 closed
    assert fig("return") == (1, 7)  # t6's first assignment, withdrawn, still counts for U
    assert fig("return", unit(month)) == (1, 6)
    assert fig("rehandle") == (1, 6)  # t4
    assert fig("extension") == (0, 6)


def test_extension_rate_counts_approved_extensions(month: Month) -> None:
    t3 = month.tickets["t3"]
    cast = month.cast
    t3 = services.request_extension(t3, actor=cast.lead_handler, unit=cast.lead, days=3, reason="需协调施工单位")
    services.approve_extension(t3, actor=cast.dispatcher)
    assert fig("extension") == (1, 6)


def test_visit_rate(month: Month) -> None:
    # Approved replies: t1, t2, t4 (its second reply), t8; t8's visit did not reach the citizen.
    assert fig("visit") == (3, 4)


def test_three_rates_over_valid_visits(month: Month) -> None:
    # Valid visits: t1 (满意, resolved), t2 (基本满意, resolved), t4 (不满意, unresolved); t8 unreachable.
    assert fig("response") == (2, 3)  # t4's reviewed reply says the unit did not contact the citizen
    assert fig("resolution") == (2, 3)
    assert fig("satisfaction") == (Decimal("1.9"), 3)  # 1 + 0.9 × 1
    f = engine.figure("satisfaction", engine.context(MARCH, as_of=AS_OF))
    assert f.display() == "63.33%"


def test_basic_factor_is_configurable(month: Month) -> None:
    settings = AssessmentSettings.current()
    settings.basic_factor = Decimal("0.8")
    settings.save()
    assert fig("satisfaction") == (Decimal("1.8"), 3)


def test_only_the_last_valid_visit_of_an_order_counts(month: Month) -> None:
    cast, t4 = month.cast, month.tickets["t4"]
    from hotline.core import clock
    from hotline.tickets.choices import Satisfaction

    with clock.frozen(at(10)):
        t4 = services.reply(t4, actor=cast.lead_handler, unit=cast.lead, content="已修复", contacted=True,
                            resolved=True)
    with clock.frozen(at(10, 11)):
        t4 = services.approve_reply(t4, actor=cast.inspector)
    with clock.frozen(at(11)):
        services.record_return_visit(t4, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert fig("resolution") == (3, 3)
    assert fig("satisfaction") == (Decimal("2.9"), 3)
    assert fig("response") == (3, 3)


def test_assessment_excludes_approved_unreasonable_claims_but_operations_keep_them(month: Month) -> None:
    cast, t3 = month.cast, month.tickets["t3"]
    t3 = services.apply_unreasonable(t3, actor=cast.lead_handler, unit=cast.lead, reason="诉求超出政策范围")
    assert fig("on_time", unit(month), assessment=True) == (2, 5)  # pending: still counted
    services.decide_unreasonable(t3, actor=cast.supervisor, approve=True, note="经核实属不合理诉求")
    assert fig("on_time", unit(month), assessment=True) == (2, 4)
    assert fig("sign_timely", unit(month), assessment=True) == (3, 4)
    assert fig("on_time", unit(month)) == (2, 5)  # operations figures unchanged


def test_assessment_excludes_upheld_appeals(month: Month) -> None:
    cast, t2 = month.cast, month.tickets["t2"]
    t2 = services.appeal(t2, actor=cast.lead_handler, unit=cast.lead, reason="群众诉求已按政策答复")
    services.decide_appeal(t2, actor=cast.supervisor, uphold=True, note="申诉成立")
    assert fig("satisfaction", unit(month), assessment=True) == (Decimal(1), 2)
    assert fig("on_time", unit(month), assessment=True) == (2, 4)
    assert fig("satisfaction", unit(month)) == (Decimal("1.9"), 3)


def test_rejected_appeal_changes_nothing(month: Month) -> None:
    cast, t2 = month.cast, month.tickets["t2"]
    t2 = services.appeal(t2, actor=cast.lead_handler, unit=cast.lead, reason="群众诉求已按政策答复")
    services.decide_appeal(t2, actor=cast.supervisor, uphold=False, note="申诉不成立")
    assert fig("satisfaction", unit(month), assessment=True) == (Decimal("1.9"), 3)


def test_cuts_by_unit_subtree_tier_district_channel_type_and_category(month: Month) -> None:
    district = month.cast.lead.parent
    assert fig("on_time", Cut(unit=district)) == (2, 6)  # U and V are streets of the district
    assert fig("on_time", Cut(unit=district, subtree=False)) == (0, 0)
    assert fig("on_time", Cut(tier="streets")) == (2, 6)
    assert fig("on_time", Cut(tier="departments")) == (0, 0)
    assert fig("volume", Cut(channel=Channel.PHONE)) == (None, 9)
    assert fig("volume", Cut(channel=Channel.WEB)) == (None, 0)
    assert fig("volume", Cut(request_type="complaint")) == (None, 9)
    category = month.tickets["t1"].category
    assert fig("volume", Cut(category=category)) == (None, 2)
    assert fig("repeat", Cut(category=category)) == (1, 2)


def test_cut_by_district_and_by_parent_category(month: Month) -> None:
    from hotline.tickets.tests.factories import CategoryFactory

    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    district = month.cast.lead.parent
    make_ticket(Status.ANSWERED, cast=month.cast, at=at(12), category=child, district=district,
                channel=Channel.WEB)
    assert fig("volume", Cut(category=parent)) == (None, 1)
    assert fig("volume", Cut(district=district)) == (None, 1)
    assert fig("direct_answer", Cut(channel=Channel.WEB)) == (1, 1)


def test_period_bounds(month: Month) -> None:
    make_ticket(Status.ANSWERED, cast=month.cast, at=at(1, 0, month=4))  # midnight 1 April: next month
    assert fig("volume") == (None, 9)
    april = engine.figure("volume", engine.context(periods.month(2025, 4), as_of=at(30, 10, month=4)))
    assert april.denominator == 1
    day = engine.figure("volume", engine.context(periods.days_between(at(4).date(), at(4).date()), as_of=AS_OF))
    assert day.denominator == 9


def test_breakdown_by_unit_and_dimension(month: Month) -> None:
    ctx = engine.context(MARCH, as_of=AS_OF)
    per_unit = engine.by_unit("sign_timely", ctx)
    assert (per_unit[month.cast.lead.pk].numerator, per_unit[month.cast.lead.pk].denominator) == (4, 5)
    assert (per_unit[month.other.pk].numerator, per_unit[month.other.pk].denominator) == (0, 1)
    by_channel = engine.breakdown("volume", ctx, None, "channel")
    assert by_channel[Channel.PHONE].denominator == 9
    by_category = engine.breakdown("volume", ctx, None, "category")
    assert by_category[month.tickets["t1"].category_id].denominator == 2


def test_drill_down_lists_match_the_figures(month: Month) -> None:
    ctx = engine.context(MARCH, as_of=AS_OF)
    for code in ("on_time", "sign_timely", "satisfaction", "repeat", "direct_answer", "rehandle"):
        f = engine.figure(code, ctx, unit(month) if code != "repeat" and code != "direct_answer" else None)
        cut = unit(month) if code not in ("repeat", "direct_answer") else None
        den = engine.orders(code, ctx, cut, part="den")
        num = engine.orders(code, ctx, cut, part="num")
        assert den.count() == f.denominator, code
        if code != "satisfaction":
            assert num.count() == f.numerator, code
    t = month.tickets
    assert set(engine.orders("on_time", ctx, unit(month), part="num")) == {t["t1"], t["t8"]}
    assert set(engine.orders("rehandle", ctx, None, part="num")) == {t["t4"]}
    # 满意率's numerator list: the orders counted fully or partly (满意 + 基本满意).
    assert set(engine.orders("satisfaction", ctx, None, part="num")) == {t["t1"], t["t2"]}


def test_telephony_figures_follow_the_calls_module(month: Month) -> None:
    ctx = engine.context(MARCH, as_of=AS_OF)
    found = engine.figure("connect", ctx)
    if engine.calls_available():
        assert found is not None and found.denominator == 0 and found.value is None
    else:
        assert found is None


def test_reopened_order_counts_as_rehandled(month: Month) -> None:
    cast, t1 = month.cast, month.tickets["t1"]
    from hotline.core import clock

    with clock.frozen(at(15)):
        services.reopen(t1, actor=cast.inspector, reason="问题复发")
    assert fig("rehandle") == (2, 6)
    t1.refresh_from_db()
    assert t1.status == Status.PENDING_DISPATCH
