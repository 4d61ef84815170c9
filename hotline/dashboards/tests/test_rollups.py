"""Rollups kept by the signal equal rollups rebuilt from the orders, and a re-delivered signal counts nothing."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command

from hotline.dashboards import services as rollups
from hotline.dashboards.models import ALL_UNITS, DailyRollup, Kind, OpenLoad, RollupMark
from hotline.tickets import services
from hotline.tickets.choices import Channel, ReturnReason, Satisfaction, Status
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import Cast, CategoryFactory, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db


def _step(on_commit: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one service call and deliver its signals, as a real commit would."""
    with on_commit(execute=True):
        return fn(*args, **kwargs)


def _row(kind: str = Kind.ALL, unit: int = ALL_UNITS, key: str = "") -> dict[str, int]:
    """Counters summed over all days of one breakdown row set."""
    totals: dict[str, int] = {}
    for r in DailyRollup.objects.filter(kind=kind, unit_id=unit, key=key).values():
        for k, v in r.items():
            if isinstance(v, int) and k not in {"id", "unit_id"}:
                totals[k] = totals.get(k, 0) + v
    return totals


def test_one_order_counted_once_per_step(cast: Cast, frozen_now: Any,
                                         django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.CLOSED, cast=cast, channel=Channel.WECHAT)
    total = _row()
    assert total["created"] == 1
    assert total["dispatched"] == 1
    assert total["replied"] == 1
    assert total["visits"] == 1 and total["satisfied"] == 1 and total["resolved"] == 1
    assert total["closed"] == 1 and total["finished"] == 1
    assert _row(Kind.CHANNEL, key=Channel.WECHAT)["created"] == 1
    unit = _row(unit=cast.lead.pk)
    assert unit["created"] == 0  # registration is the centre's
    assert unit["dispatched"] == 1 and unit["closed"] == 1
    assert RollupMark.objects.get(ticket=ticket).seq == ticket.version
    assert not OpenLoad.objects.filter(open__gt=0).exists()  # closed: nothing open


def test_redelivered_signal_changes_nothing(cast: Cast, frozen_now: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = rollups.snapshot()
    event = ticket.timeline.order_by("-seq").first()
    for _ in range(3):  # a retried delivery of the last step, and of an old one
        ticket_changed.send(sender=Ticket, ticket_id=ticket.pk, event_id=event.pk, action=event.action,
                            from_status=event.from_status, to_status=event.to_status)
        ticket_changed.send(sender=Ticket, ticket_id=ticket.pk, event_id=0, action="register",
                            from_status="", to_status=Status.REGISTERED)
    assert rollups.snapshot() == before
    assert rollups.refresh_ticket(ticket.pk) is False


def test_lost_signals_are_caught_up_by_the_next_step(cast: Cast, frozen_now: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)  # signals never delivered (no commit)
    assert not DailyRollup.objects.exists()
    _step(django_capture_on_commit_callbacks, services.request_info, ticket, actor=cast.lead_handler,
          unit=cast.lead, question="请提供门牌号")
    total = _row()
    assert total["created"] == 1 and total["dispatched"] == 1
    assert OpenLoad.objects.get(unit_id=cast.lead.pk).due_hour == 0  # paused: open, no running deadline


def test_open_load_tracks_the_running_deadline(cast: Cast, traveller: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    from django.utils import timezone

    from hotline.dashboards.selectors import Scope, open_load

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.DISPATCHED, cast=cast)
    lead = ticket.lead_assignment
    load = OpenLoad.objects.get(unit_id=cast.lead.pk)
    assert load.open == 1 and load.due_hour == int(lead.phase_due.timestamp()) // 3600
    centre = Scope(None, "全市")
    assert open_load(centre, timezone.now())[cast.lead.pk] == {"open": 1, "overdue": 0}
    later = lead.phase_due + timedelta(hours=2)
    assert open_load(centre, later)[cast.lead.pk] == {"open": 1, "overdue": 1}


def test_reclassified_order_moves_between_categories(cast: Cast, frozen_now: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    road = CategoryFactory(name="城市管理")
    lamp = CategoryFactory(name="路灯", parent=CategoryFactory(name="照明", parent=road))
    water = CategoryFactory(name="供水")
    mains = CategoryFactory(name="停水", parent=CategoryFactory(name="管网", parent=water))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.IN_PROGRESS, cast=cast, category=lamp)
    assert _row(Kind.CATEGORY, key=str(road.pk))["created"] == 1  # counted under the level-1 category
    _step(django_capture_on_commit_callbacks, services.correct, ticket, actor=cast.dispatcher,
          reason="实为供水问题", category=mains)  # 工单更正
    assert _row(Kind.CATEGORY, key=str(road.pk)).get("created", 0) == 0
    assert _row(Kind.CATEGORY, key=str(water.pk))["created"] == 1
    _step(django_capture_on_commit_callbacks, services.supervise, ticket, actor=cast.supervisor,
          kind="remind", note="请加快办理")
    assert _row(Kind.CATEGORY, key=str(road.pk)).get("created", 0) == 0
    assert _row(Kind.CATEGORY, key=str(water.pk))["created"] == 1
    assert _row(Kind.CATEGORY, key=str(water.pk))["supervised"] == 1
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental


# --- A realistic random history: incremental == rebuilt ---------------------------------------------

_TARGETS = [Status.CLOSED] * 5 + [Status.AWAITING_VISIT, Status.REPLIED, Status.IN_PROGRESS, Status.DISPATCHED,
                                  Status.RETURNED, Status.AWAITING_CITIZEN, Status.ANSWERED] * 2 + [
    Status.TRANSFERRED, Status.NOT_ACCEPTED, Status.MERGED, Status.REGISTERED, Status.PENDING_DISPATCH]


def _more(rng: random.Random, t: Ticket, c: Cast, on_commit: Any) -> None:
    """A few of the steps the shortest paths skip: 重办, unsatisfied visits, reopen, 督办, returns.

    A step the rules refuse (say, a return after the return window) changes nothing, rollups included.
    """
    try:
        _one_more(rng, t, c, on_commit)
    except DomainError:
        pass


def _one_more(rng: random.Random, t: Ticket, c: Cast, on_commit: Any) -> None:
    roll = rng.random()
    if t.status == Status.AWAITING_VISIT and roll < 0.8:
        _step(on_commit, services.record_return_visit, t, actor=c.inspector, contacted=True, resolved=False,
              satisfaction=Satisfaction.UNSATISFIED)
    elif t.status == Status.REPLIED and roll < 0.8:
        _step(on_commit, services.send_back, t, actor=c.inspector, reason="答复不具体")
    elif t.status == Status.CLOSED and roll < 0.3:
        _step(on_commit, services.reopen, t, actor=c.supervisor, reason="问题复发")
    elif t.status in {Status.IN_PROGRESS, Status.DISPATCHED} and roll < 0.5:
        _step(on_commit, services.supervise, t, actor=c.supervisor, kind="supervise", note="请按时办结")
    elif t.status == Status.RETURNED and roll < 0.7:
        other = HandlingUnitFactory(parent=c.lead.parent)
        _step(on_commit, services.accept_return, t, actor=c.dispatcher, lead=other)
    elif t.status == Status.DISPATCHED and roll < 0.8:
        _step(on_commit, services.return_order, t, actor=c.lead_handler, unit=c.lead,
              reason_code=ReturnReason.NOT_OUR_AREA, reason="不属于本辖区")


def test_incremental_equals_rebuild_after_a_random_history(traveller: Any,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    rng = random.Random(6)
    districts = [HandlingUnitFactory(kind="district") for _ in range(2)]
    streets = [HandlingUnitFactory(parent=d) for d in districts for _ in range(2)]
    top = [CategoryFactory() for _ in range(3)]
    leaves = [CategoryFactory(parent=p) for p in top for _ in range(2)]
    casts = [Cast.build(lead=s) for s in streets]
    tickets: list[tuple[Ticket, Cast]] = []
    for i in range(40):
        traveller.shift(timedelta(hours=rng.choice([1, 3, 9, 20])))
        c = rng.choice(casts)
        status = rng.choice(_TARGETS)
        district = c.lead.parent if rng.random() < 0.8 else None
        with django_capture_on_commit_callbacks(execute=True):
            channel = rng.choice(list(Channel.values))
            if channel == Channel.PROACTIVE and status == Status.ANSWERED:  # nobody to answer on the spot
                channel = Channel.PHONE
            t = make_ticket(status, cast=c, channel=channel,
                            category=rng.choice(leaves + [None]), district=district, street=None,
                            is_confidential=status in {Status.ANSWERED} and i % 2 == 0)
        tickets.append((t, c))
        if rng.random() < 0.8:  # a step on an older order, on a later day
            old, oc = rng.choice(tickets)
            old.refresh_from_db()
            _more(rng, old, oc, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        last = make_ticket(Status.AWAITING_VISIT, cast=casts[0])
    _step(django_capture_on_commit_callbacks, services.record_return_visit, last, actor=casts[0].inspector,
          contacted=True, resolved=True, satisfaction=Satisfaction.UNSATISFIED)
    incremental = rollups.snapshot()
    assert sum(v for k, v in incremental["rollups"].items() if k[0] == Kind.ALL and k[1] == ALL_UNITS
               and k[4] == "created") == 41 + sum(1 for t, _c in tickets if t.status == Status.MERGED)
    assert len({k[2] for k in incremental["rollups"]}) > 3  # spread over several days
    counted = {k[4] for k in incremental["rollups"]}
    assert {"rehandled", "returned", "supervised", "unsatisfied", "answered", "closed"} <= counted, sorted(counted)
    rollups.rebuild()
    assert rollups.snapshot() == incremental
    call_command("rollups_rebuild", "--since", str(min(k[2] for k in incremental["rollups"]) + timedelta(days=2)))
    assert rollups.snapshot() == incremental
    assert RollupMark.objects.count() == Ticket.objects.count()
    _direct_answer_agrees_with_the_kpi_page({k[2].replace(day=1) for k in incremental["rollups"]})


def _direct_answer_agrees_with_the_kpi_page(months: set[Any]) -> None:
    """直接答复率's numerator and denominator on the dashboard equal the KPI page's, month by month."""
    from hotline.dashboards.selectors import Scope, kpis, month_bounds
    from hotline.kpis import engine, periods

    for month in sorted(months):
        k = kpis(Scope(None, "全市"), *month_bounds(month))
        fig = engine.figure("direct_answer", engine.context(periods.month(month.year, month.month)))
        assert (k["direct_answered"], k["direct_base"]) == (fig.numerator, fig.denominator), month


def test_rebuild_command_refuses_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since"):
        call_command("rollups_rebuild", "--since", "2025-02-30")


def test_a_failing_update_never_breaks_the_step(cast: Cast, frozen_now: Any, monkeypatch: pytest.MonkeyPatch,
                                                django_capture_on_commit_callbacks: Any) -> None:
    from hotline.dashboards import receivers

    def broken(ticket_id: int) -> bool:
        raise RuntimeError("database gone")

    monkeypatch.setattr(receivers, "refresh_ticket", broken)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.DISPATCHED, cast=cast)
    assert ticket.status == Status.DISPATCHED and not DailyRollup.objects.exists()
    monkeypatch.undo()
    assert rollups.refresh_ticket(ticket.pk) is True  # caught up later
    assert _row()["dispatched"] == 1


def test_the_level_one_mapping_follows_a_moved_or_new_category_at_once() -> None:
    from hotline.dashboards.ledger import top_categories

    left, right = CategoryFactory(), CategoryFactory()
    leaf = CategoryFactory(parent=CategoryFactory(parent=left))
    assert top_categories()[leaf.pk] == left.pk
    assert top_categories() is top_categories()  # unchanged taxonomy: the built mapping is reused
    middle = leaf.parent
    type(middle).objects.filter(pk=middle.pk).update(parent=right)  # no signal, no save(): the stamp sees it
    assert top_categories()[leaf.pk] == right.pk
    newer = CategoryFactory(parent=right)
    assert top_categories()[newer.pk] == right.pk


def test_full_rebuild_swaps_complete_tables_and_catches_up_steps_taken_meanwhile(
        cast: Cast, frozen_now: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Readers see the old tables until the rebuilt ones replace them; steps taken during the reading count."""
    with django_capture_on_commit_callbacks(execute=True):
        first = make_ticket(Status.IN_PROGRESS, cast=cast)
        make_ticket(Status.CLOSED, cast=cast)
        make_ticket(Status.DISPATCHED, cast=cast)
    before = rollups.snapshot()
    monkeypatch.setattr(rollups, "BATCH", 1)
    compute = rollups._compute_batch
    seen: list[bool] = []
    later: dict[str, Any] = {}

    def reading(ticket_ids: list[int], since: Any) -> Any:
        part = compute(ticket_ids, since)
        seen.append(rollups.snapshot() == (later.get("state") or before))  # never half-empty
        if len(seen) == 2:  # a step on an order already read, and a new order, while the rebuild reads
            first.refresh_from_db()
            _step(django_capture_on_commit_callbacks, services.supervise, first, actor=cast.supervisor,
                  kind="supervise", note="请按时办结")
            with django_capture_on_commit_callbacks(execute=True):
                make_ticket(Status.DISPATCHED, cast=cast)
            later["state"] = rollups.snapshot()
        return part

    monkeypatch.setattr(rollups, "_compute_batch", reading)
    result = rollups.rebuild()
    assert seen == [True, True, True] and result.orders == 3
    assert later["state"] != before
    assert rollups.snapshot() == later["state"]
    assert RollupMark.objects.count() == Ticket.objects.count() == 4


def test_a_check_that_finds_the_problem_is_a_rehandling(cast: Cast, frozen_now: Any,
                                                        django_capture_on_commit_callbacks: Any) -> None:
    """未诉先办: a 现场核查 that sends the order back counts as 重办, as on the KPI page; it is never a visit."""
    from hotline.tickets.choices import VisitMethod

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    before = _row(unit=cast.lead.pk)
    _step(django_capture_on_commit_callbacks, services.record_return_visit, ticket, actor=cast.inspector,
          contacted=False, resolved=False, method=VisitMethod.VERIFY)
    after = _row(unit=cast.lead.pk)
    assert after["rehandled"] == before["rehandled"] + 1
    assert after["visits"] == before["visits"] == 0
