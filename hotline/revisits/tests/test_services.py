"""Second visits: who gets one, when, and what each outcome does to the order."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from hotline.revisits import services
from hotline.revisits.choices import Outcome, VisitState
from hotline.revisits.models import Attempt, SecondVisit
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import NotPermitted, RuleViolation
from hotline.tickets.tests.factories import CategoryFactory, stored

NOISE = "楼下烧烤店每晚噪音扰民到凌晨两点"


def test_a_resolved_noise_complaint_gets_a_second_visit_after_thirty_days(rule, close, frozen_now) -> None:
    ticket = close(description=NOISE)
    visit = SecondVisit.objects.get(ticket=ticket)
    assert visit.rule == rule and visit.state == VisitState.PENDING and visit.attempts == 0
    assert visit.closed_at == ticket.closed_at == frozen_now
    assert visit.due_at == frozen_now + timedelta(days=30)
    assert visit.close_event.to_status == Status.CLOSED


@pytest.mark.parametrize("draft", [
    {"description": "小区门口路灯不亮"},  # no keyword, no category
    {"description": NOISE, "request_type": RequestType.CONSULT},  # not a complaint
])
def test_other_orders_get_none(rule, close, frozen_now, draft) -> None:  # noqa: ANN001
    close(**draft)
    assert not SecondVisit.objects.exists()


def test_a_rule_may_name_categories_and_takes_their_subtree(rule, close, frozen_now) -> None:
    water = CategoryFactory(name="供水")
    cut = CategoryFactory(name="抢修", parent=water)
    rule.keywords = ""
    rule.save()
    rule.categories.add(water)
    ticket = close(description="整栋楼没水", category=cut)
    assert SecondVisit.objects.get().ticket == ticket


def test_scheduling_is_idempotent_and_needs_a_resolved_visit(rule, close, frozen_now) -> None:
    ticket = close(description=NOISE)
    event = ticket.timeline.get(to_status=Status.CLOSED)
    assert services.schedule(ticket.pk, event.pk) == SecondVisit.objects.get()
    assert SecondVisit.objects.count() == 1
    other = ticket.timeline.get(action=Action.REGISTER)
    assert services.schedule(ticket.pk, other.pk) is None


def test_due_visits_and_the_command(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    out = StringIO()
    call_command("revisits_due", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "due=0"
    traveller.shift(timedelta(days=30))
    assert list(services.due()) == [SecondVisit.objects.get()]
    out = StringIO()
    call_command("revisits_due", "--json", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "due=1" and f'"number": "{ticket.number}"' in lines[0]
    out = StringIO()
    call_command("revisits_due", "--at", "2025-03-05", stdout=out)
    assert out.getvalue().strip() == "due=0"


def test_solved_closes_the_second_visit_and_leaves_the_order(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = services.record(SecondVisit.objects.get(), actor=ticket.cast.inspector, outcome=Outcome.SOLVED,
                            note="群众表示再未出现噪音")
    assert visit.state == VisitState.SOLVED and visit.finished_by == ticket.cast.inspector
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.reopen_count == 0
    assert Attempt.objects.get().outcome == Outcome.SOLVED
    with pytest.raises(RuleViolation):
        services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.BACK, note="again")


def test_problem_back_reopens_the_order_with_its_history(rule, close, traveller,
                                                         django_capture_on_commit_callbacks) -> None:
    ticket = close(description=NOISE)
    history = list(ticket.timeline.values_list("seq", "action"))
    traveller.shift(timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.record(SecondVisit.objects.get(), actor=ticket.cast.inspector, outcome=Outcome.BACK,
                                note="一个月后烧烤店又开始深夜营业")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH and ticket.reopen_count == 1 and ticket.closed_at is None
    events = list(ticket.timeline.values_list("seq", "action"))
    assert events[:-1] == history and events[-1][1] == Action.REOPEN
    reopen = ticket.timeline.last()
    assert f"二次回访（第 {visit.pk} 号）" in reopen.note and "深夜营业" in reopen.note
    assert visit.state == VisitState.RECURRED and visit.reopen_event == reopen
    # Handled and closed again, the order gets a fresh second visit.
    assert SecondVisit.objects.filter(state=VisitState.PENDING).count() == 0


def test_a_refused_reopen_changes_nothing(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    before = stored(ticket)
    visit_before = SecondVisit.objects.filter(pk=visit.pk).values().get()
    with pytest.raises(NotPermitted):  # intake agents may call back, but only reviewers may reopen
        services.record(visit, actor=ticket.cast.intake, outcome=Outcome.BACK, note="又吵了")
    assert stored(ticket) == before
    assert SecondVisit.objects.filter(pk=visit.pk).values().get() == visit_before
    assert not Attempt.objects.exists()


def test_unreachable_retries_then_gives_up(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    due = visit.due_at
    first = services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.UNREACHABLE)
    assert first.state == VisitState.PENDING and first.attempts == 1
    assert first.due_at == due + timedelta(days=1) and not list(services.due())
    traveller.shift(timedelta(days=1))
    services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.UNREACHABLE)
    last = services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.UNREACHABLE)
    assert last.state == VisitState.UNREACHABLE and last.attempts == 3 == Attempt.objects.count()


def test_reopening_by_other_means_cancels_the_pending_visit(rule, close, frozen_now,
                                                           django_capture_on_commit_callbacks) -> None:
    ticket = close(description=NOISE)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.reopen(ticket, actor=ticket.cast.supervisor, reason="群众来电反映又有噪音")
    assert SecondVisit.objects.get().state == VisitState.CANCELLED


def test_only_visit_roles_record(rule, close, frozen_now) -> None:
    ticket = close(description=NOISE)
    with pytest.raises(NotPermitted):
        services.record(SecondVisit.objects.get(), actor=ticket.cast.lead_handler, outcome=Outcome.SOLVED)
