"""Drawing a month's sample: the quota per agent (rate, minimum), reproducible random picks, targeted picks,
idempotence, a month not over (targeted only), orders that are no intake agent's own work, and the
`hotline qa-sample` command."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from hotline.accounts.choices import Role
from hotline.dataio.models import ImportedRecord
from hotline.inspection.choices import TARGETED, Decision, EventKind, InspectionStatus, SampleReason
from hotline.inspection.models import Inspection, InspectionEvent, InspectionSettings
from hotline.inspection.sampling import draw_sample, quota, shuffled
from hotline.inspection.tests.conftest import FEBRUARY, IN_FEBRUARY, order
from hotline.kpis.periods import month
from hotline.tickets import services
from hotline.tickets.choices import Channel, ReturnReason, Status
from hotline.tickets.exceptions import NotPermitted, RuleViolation
from hotline.tickets.tests.factories import SHANGHAI, Cast, UserFactory, make_rehandled

pytestmark = pytest.mark.django_db


def _settings(rate: str = "3", minimum: int = 5) -> None:
    row = InspectionSettings.current()
    row.sample_rate, row.minimum_per_agent = Decimal(rate), minimum
    row.save()


def test_the_quota_is_the_rate_rounded_up_but_at_least_the_minimum_and_at_most_all() -> None:
    assert quota(100, Decimal("3"), 5) == 5
    assert quota(400, Decimal("3"), 5) == 12
    assert quota(401, Decimal("3"), 5) == 13  # ⌈12.03⌉
    assert quota(3, Decimal("3"), 5) == 3
    assert quota(0, Decimal("3"), 5) == 0


def test_each_agent_gets_the_quota_picked_in_the_months_seeded_order(cast: Cast, frozen_now: datetime) -> None:
    _settings(rate="20", minimum=2)
    other = Cast.build(lead=cast.lead)
    mine = [order(cast).pk for _ in range(12)]
    theirs = [order(other).pk for _ in range(3)]
    result = draw_sample(FEBRUARY, actor=cast.inspector)
    draws = {d.agent: d for d in result.agents}
    assert (draws[cast.intake].orders, draws[cast.intake].quota, draws[cast.intake].random_added) == (12, 3, 3)
    assert (draws[other.intake].quota, draws[other.intake].random_added) == (2, 2)
    picked = set(Inspection.objects.filter(agent=cast.intake).values_list("ticket_id", flat=True))
    assert picked == set(shuffled(mine, FEBRUARY, cast.intake.pk)[:3])
    assert set(Inspection.objects.filter(agent=other.intake).values_list("ticket_id", flat=True)) <= set(theirs)
    assert not result.partial
    event = InspectionEvent.objects.filter(kind=EventKind.SAMPLED).first()
    assert event.actor == cast.inspector and event.to_status == InspectionStatus.PENDING


def test_the_random_order_is_reproducible_and_differs_by_agent_and_month() -> None:
    ids = list(range(1, 40))
    assert shuffled(ids, FEBRUARY, 7) == shuffled(list(reversed(ids)), FEBRUARY, 7)
    assert shuffled(ids, FEBRUARY, 7) != shuffled(ids, FEBRUARY, 8)
    assert shuffled(ids, FEBRUARY, 7) != shuffled(ids, month(2025, 1), 7)


def test_drawing_again_adds_nothing_and_a_later_draw_tops_up(cast: Cast, frozen_now: datetime) -> None:
    _settings(rate="3", minimum=2)
    for _ in range(3):
        order(cast)
    first = draw_sample(FEBRUARY, actor=cast.inspector)
    assert first.added == 2
    again = draw_sample(FEBRUARY, actor=None)
    assert again.added == 0 and Inspection.objects.count() == 2 and InspectionEvent.objects.count() == 2
    _settings(rate="3", minimum=3)
    assert draw_sample(FEBRUARY, actor=None).added == 1
    assert Inspection.objects.count() == 3


def test_targeted_picks_come_on_top_of_the_random_ones_with_their_reason(cast: Cast, frozen_now: datetime) -> None:
    _settings(rate="0", minimum=0)
    unclear = order(cast, Status.DISPATCHED)
    at = datetime(2025, 2, 12, 11, 0, tzinfo=SHANGHAI)
    from hotline.core import clock

    with clock.frozen(at):
        services.return_order(unclear, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.UNCLEAR,
                              reason="地址只写了「小区门口」，无法确定位置")
        services.accept_return(unclear, actor=cast.dispatcher, note="同意退单")
    refused_return = order(cast, Status.DISPATCHED)
    with clock.frozen(at):
        services.return_order(refused_return, actor=cast.lead_handler, unit=cast.lead,
                              reason_code=ReturnReason.UNCLEAR, reason="地址不清")
        services.reject_return(refused_return, actor=cast.dispatcher, note="地址清楚，请办理")
    reopened = order(cast, Status.ANSWERED)
    with clock.frozen(at):
        services.reopen(reopened, actor=cast.inspector, reason="群众再次来电，答复有误")
    plain = order(cast, Status.ANSWERED)

    result = draw_sample(FEBRUARY, actor=cast.inspector)
    reasons = dict(Inspection.objects.values_list("ticket_id", "reason"))
    assert reasons == {unclear.pk: SampleReason.RETURN_UNCLEAR, reopened.pk: SampleReason.ANSWER_REOPENED}
    assert plain.pk not in reasons and refused_return.pk not in reasons
    assert result.agents[0].targeted_added == 2 and result.agents[0].random_added == 0
    decisions = dict(Inspection.objects.values_list("ticket_id", "decision"))
    assert decisions == {unclear.pk: Decision.DISPATCH, reopened.pk: Decision.DIRECT_ANSWER}


def test_an_order_whose_category_or_place_someone_else_corrected_is_a_targeted_pick(cast: Cast,
                                                                                   frozen_now: datetime) -> None:
    """工单更正 by a dispatcher of the category or the place points at intake; the agent's own correction, or
    one of the title or address only, does not."""
    _settings(rate="0", minimum=0)
    from hotline.core import clock
    from hotline.orgs.choices import UnitKind
    from hotline.tickets.tests.factories import CategoryFactory, HandlingUnitFactory

    leaf = CategoryFactory(name="物业", parent=CategoryFactory(name="住房", parent=CategoryFactory(name="城乡建设")))
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    recategorised, moved, own, titled = (order(cast) for _ in range(4))
    with clock.frozen(IN_FEBRUARY + timedelta(hours=1)):
        services.correct(recategorised, actor=cast.dispatcher, reason="实为物业问题", category=leaf)
        services.correct(moved, actor=cast.supervisor, reason="核实地址", district=district)
        services.correct(own, actor=cast.intake, reason="自行更正", category=leaf)
        services.correct(titled, actor=cast.dispatcher, reason="标题更准确", title="电梯故障", address="东门")
    draw_sample(FEBRUARY, actor=None)
    reasons = dict(Inspection.objects.values_list("ticket_id", "reason"))
    assert reasons == {recategorised.pk: SampleReason.CORRECTED, moved.pk: SampleReason.CORRECTED}


def test_a_reopen_counts_only_after_the_registering_agents_own_direct_answer(cast: Cast, frozen_now: datetime) -> None:
    """A reopened order whose first decision was a dispatch, or a direct answer someone else took, is not the
    agent's answer gone wrong; nor is a direct answer reopened and then answered again (the visit is no rule)."""
    _settings(rate="0", minimum=0)
    from hotline.core import clock

    at = datetime(2025, 2, 20, 9, 0, tzinfo=SHANGHAI)
    dispatched = order(cast, Status.CLOSED)
    colleague = Cast.build(lead=cast.lead)
    by_other = order(cast)  # registered by cast.intake, answered by a colleague
    with clock.frozen(IN_FEBRUARY):
        services.answer_directly(by_other, actor=colleague.intake, answer="已答复政策规定")
    with clock.frozen(IN_FEBRUARY):
        unresolved = make_rehandled(cast)  # a dispatched order whose return visit said not resolved
    with clock.frozen(at):
        services.reopen(dispatched, actor=cast.inspector, reason="群众再次来电")
        services.reopen(by_other, actor=cast.inspector, reason="群众再次来电")
    draw_sample(FEBRUARY, actor=None)
    assert not Inspection.objects.filter(ticket__in=[dispatched, by_other, unresolved]).exists()
    assert set(SampleReason) - TARGETED == {SampleReason.RANDOM, SampleReason.ANSWER_UNRESOLVED}


def test_service_accounts_and_other_roles_are_not_sampled(cast: Cast, frozen_now: datetime) -> None:
    """Only intake agents' own work: an API key's (or a partner platform's) service account, even one with the
    intake role, and a dispatcher who registered an order are left out."""
    _settings(rate="100", minimum=0)
    from hotline.api.keys import create_key
    from hotline.tickets.models import Ticket

    key, _raw = create_key("wechat-bridge", ["create"])
    bot = key.intake_user or key.user
    assert bot.role == Role.INTAKE
    by_bot = order(cast)
    Ticket.objects.filter(pk=by_bot.pk).update(registered_by=bot)
    by_dispatcher = order(Cast.build(intake=cast.dispatcher))
    mine = order(cast)
    result = draw_sample(FEBRUARY, actor=cast.inspector)
    assert list(Inspection.objects.values_list("ticket_id", flat=True)) == [mine.pk]
    assert [d.agent for d in result.agents] == [cast.intake] and by_dispatcher.pk != mine.pk


def test_proactive_imported_and_other_months_orders_are_not_sampled(cast: Cast, frozen_now: datetime) -> None:
    _settings(rate="100", minimum=0)
    mine = order(cast)
    order(cast, channel=Channel.PROACTIVE, description="巡查发现井盖缺失")
    imported = order(cast)
    ImportedRecord.objects.create(ticket=imported, source="test", external_id="1", line=2)
    order(cast, at=datetime(2025, 1, 31, 23, 0, tzinfo=SHANGHAI))
    order(cast, at=datetime(2025, 3, 1, 0, 0, tzinfo=SHANGHAI))
    draw_sample(FEBRUARY, actor=None)
    assert list(Inspection.objects.values_list("ticket_id", flat=True)) == [mine.pk]


def test_a_month_not_over_gets_targeted_picks_only_and_one_not_begun_is_refused(cast: Cast,
                                                                                 frozen_now: datetime) -> None:
    order(cast, at=frozen_now)
    answered = order(cast, Status.ANSWERED, at=frozen_now)
    services.reopen(answered, actor=cast.inspector, reason="答复有误")
    result = draw_sample(month(2025, 3), actor=cast.inspector)
    assert result.partial and result.added == 1 and result.agents[0].random_added == 0
    assert InspectionEvent.objects.get().data == {"reason": SampleReason.ANSWER_REOPENED, "partial": True}
    with pytest.raises(RuleViolation, match="尚未开始"):
        draw_sample(month(2025, 4), actor=cast.inspector)


def test_a_draw_before_the_month_ends_leaves_the_random_part_to_the_whole_month(cast: Cast,
                                                                                frozen_now: datetime) -> None:
    """Drawn on 2 February, the quota would all fall on the month's first days; it is drawn after the month."""
    _settings(rate="3", minimum=5)
    early = [order(cast, at=datetime(2025, 2, 1, 9 + i, 0, tzinfo=SHANGHAI)).pk for i in range(6)]
    with time_machine.travel(datetime(2025, 2, 2, 12, 0, tzinfo=SHANGHAI), tick=False):
        assert draw_sample(FEBRUARY, actor=cast.inspector).added == 0
    late = [order(cast, at=datetime(2025, 2, 10, 9, 0, tzinfo=SHANGHAI) + timedelta(minutes=10 * i)).pk
            for i in range(160)]
    result = draw_sample(FEBRUARY, actor=cast.inspector)
    picked = set(Inspection.objects.values_list("ticket_id", flat=True))
    assert not result.partial and result.agents[0].quota == 5
    assert picked == set(shuffled(early + late, FEBRUARY, cast.intake.pk)[:5])
    assert len(picked & set(early)) < 5


def test_only_inspectors_and_admins_draw(cast: Cast, frozen_now: datetime) -> None:
    order(cast)
    with pytest.raises(NotPermitted):
        draw_sample(FEBRUARY, actor=cast.dispatcher)
    assert not Inspection.objects.exists()


def test_the_command_prints_each_agent_and_refuses_bad_months(cast: Cast, frozen_now: datetime) -> None:
    for _ in range(2):
        order(cast)
    out = StringIO()
    call_command("qa_sample", month="2025-02", stdout=out)
    text = out.getvalue()
    assert cast.intake.username in text and "受理 2 件" in text and "新增 2 件" in text
    call_command("qa_sample", month="2025-03", stdout=(out := StringIO()))
    assert "本月未结束，仅抽取定向样本；随机样本在月末后抽取" in out.getvalue()
    for bad, message in (("2025-13", "月份无效"), ("2025/02", "YYYY-MM"), (" ", "--month 为空"),
                         ("2099-01", "尚未开始")):
        with pytest.raises(CommandError, match=message):
            call_command("qa_sample", month=bad, stdout=StringIO())
    with pytest.raises(CommandError, match="没有这个启用的用户"):
        call_command("qa_sample", month="2025-02", actor="nobody", stdout=StringIO())
    with pytest.raises(CommandError, match="只有质检员"):
        call_command("qa_sample", month="2025-02", actor=UserFactory(role="dispatcher").username, stdout=StringIO())
