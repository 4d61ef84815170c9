"""The second-visit queue, the record form and the order-page panel."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from hotline.revisits.choices import VisitState
from hotline.revisits.models import SecondVisit
from hotline.tickets.choices import Status

NOISE = "马路市场占道经营，早上车辆无法通行"


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_due_visits_for_visit_staff_only(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    inspector = _client(ticket.cast.inspector)
    assert ticket.number not in inspector.get("/revisits/").content.decode()
    assert ticket.number in inspector.get("/revisits/?tab=upcoming").content.decode()
    traveller.shift(timedelta(days=30))
    inspector = _client(ticket.cast.inspector)  # the session of a month ago has expired
    page = inspector.get("/revisits/")
    assert page.status_code == 200
    body = page.content.decode()
    assert ticket.number in body and 'name="outcome"' in body
    assert _client(ticket.cast.lead_handler).get("/revisits/").status_code == 403


def test_recording_from_the_queue(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    client = _client(ticket.cast.inspector)
    answer = client.post(f"/revisits/{visit.pk}/",
                         {"outcome": "solved", "note": "已无摊贩", "attempts": "0", "next": "/revisits/"}, follow=True)
    assert answer.status_code == 200 and "已记录" in answer.content.decode()
    visit.refresh_from_db()
    assert visit.state == VisitState.SOLVED
    assert ticket.number in client.get("/revisits/?tab=done").content.decode()


def test_problem_back_needs_a_note_and_a_refused_reopen_shows_its_reason(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    intake = _client(ticket.cast.intake)
    answer = intake.post(f"/revisits/{visit.pk}/", {"outcome": "back", "note": "", "attempts": "0"}, follow=True)
    assert "须记录群众反映的情况" in answer.content.decode()
    answer = intake.post(f"/revisits/{visit.pk}/", {"outcome": "back", "note": "摊贩又回来了", "attempts": "0"}, follow=True)
    assert "未能记录" in answer.content.decode() and "无权" in answer.content.decode()
    assert "您填写的回访记录（未保存）：摊贩又回来了" in answer.content.decode()  # the typed record is not lost
    visit.refresh_from_db()
    ticket.refresh_from_db()
    assert visit.state == VisitState.PENDING and visit.attempts == 0 and ticket.status == Status.CLOSED


def test_the_order_page_shows_the_second_visit(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    page = _client(ticket.cast.supervisor).get(f"/orders/{ticket.number}/")
    body = page.content.decode()
    assert page.status_code == 200 and "二次回访" in body and rule.name in body
    assert 'name="outcome"' in body  # supervisors may record from the order page
    page = _client(ticket.cast.lead_handler).get(f"/orders/{ticket.number}/")
    assert page.status_code == 200 and rule.name in page.content.decode() and 'name="outcome"' not in \
        page.content.decode()


def test_another_units_staff_cannot_record(rule, close, traveller) -> None:
    from hotline.tickets.tests.factories import Cast

    close(description=NOISE)
    traveller.shift(timedelta(days=30))
    stranger = Cast.build().lead_handler
    assert _client(stranger).post(f"/revisits/{SecondVisit.objects.get().pk}/", {"outcome": "solved"}).status_code \
        == 403


def test_problem_back_is_offered_only_to_roles_that_may_reopen(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    agent = _client(ticket.cast.intake).get("/revisits/").content.decode()
    assert 'value="unreachable"' in agent and 'value="back"' not in agent and "由督办员重新启用工单" in agent
    supervisor = _client(ticket.cast.supervisor).get("/revisits/").content.decode()
    assert 'value="back"' in supervisor


def test_the_same_record_posted_twice_counts_one_call(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    client = _client(ticket.cast.inspector)
    page = client.get("/revisits/").content.decode()
    assert f'name="attempts" value="{visit.attempts}"' in page
    posted = {"outcome": "unreachable", "note": "无人接听", "attempts": str(visit.attempts)}
    client.post(f"/revisits/{visit.pk}/", posted)
    again = client.post(f"/revisits/{visit.pk}/", posted, follow=True)
    assert "本次未重复记录" in again.content.decode()
    visit.refresh_from_db()
    assert visit.attempts == 1


def test_the_queue_does_not_query_once_per_visit(rule, close, traveller) -> None:
    """Each row shows its order's category: it is joined, so a longer page costs no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(client: Client) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/revisits/").status_code == 200
        return len(captured.captured_queries)

    from hotline.tickets.tests.factories import CategoryFactory

    tickets = [close(description=NOISE, category=CategoryFactory()) for _ in range(2)]
    traveller.shift(timedelta(days=30))
    client = _client(tickets[0].cast.inspector)
    few = queries(client)
    traveller.shift(timedelta(days=-30))
    for _ in range(4):
        close(description=NOISE, category=CategoryFactory())
    traveller.shift(timedelta(days=30))
    assert SecondVisit.objects.count() == 6
    assert queries(client) <= few
