"""Review fixes of 二次回访: the posted call count is read safely and compared under the visit's lock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from hotline.revisits import services, views
from hotline.revisits.choices import Outcome, VisitState
from hotline.revisits.models import SecondVisit
from hotline.tickets.exceptions import ConflictError

NOISE = "马路市场占道经营，早上车辆无法通行"


def _client(user) -> Client:  # noqa: ANN001
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("attempts", ["1" * 5000, "0" * 10, "١", "０", "-1", " 0", "0x", ""])
def test_a_posted_call_count_that_is_no_short_ascii_number_is_a_stale_form(rule, close, traveller,
                                                                          attempts: str) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    client = _client(ticket.cast.inspector)
    answer = client.post(f"/revisits/{visit.pk}/", {"outcome": "unreachable", "note": "无人接听",
                                                    "attempts": attempts, "next": "/revisits/"}, follow=True)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "页面已过期，请刷新后重试" in body
    assert "您填写的回访记录（未保存）：无人接听" in body  # the typed record is given back
    visit.refresh_from_db()
    assert visit.state == VisitState.PENDING and visit.attempts == 0 and not visit.attempt_log.exists()


def test_a_post_without_the_call_count_is_a_stale_form(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    answer = _client(ticket.cast.inspector).post(f"/revisits/{visit.pk}/", {"outcome": "solved"}, follow=True)
    assert "页面已过期，请刷新后重试" in answer.content.decode()
    visit.refresh_from_db()
    assert visit.state == VisitState.PENDING and visit.attempts == 0


def test_a_double_click_records_one_call_even_when_both_posts_read_the_same_count(
        rule, close, traveller, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both posts read attempts=0 before either commits: the second is refused under the visit's lock."""
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    real = services.record
    first = {"done": False}

    def concurrent(v: SecondVisit, **kwargs: object) -> SecondVisit:
        if not first["done"]:  # the other post of the double click commits between our read and our lock
            first["done"] = True
            real(SecondVisit.objects.get(pk=v.pk), **kwargs)
        return real(v, **kwargs)

    monkeypatch.setattr(views.services, "record", concurrent)
    answer = _client(ticket.cast.inspector).post(
        f"/revisits/{visit.pk}/", {"outcome": "unreachable", "attempts": "0", "next": "/revisits/"}, follow=True)
    assert "本次未重复记录" in answer.content.decode()
    visit.refresh_from_db()
    assert visit.attempts == 1 and visit.attempt_log.count() == 1


def test_the_service_compares_the_expected_count_under_its_lock(rule, close, traveller) -> None:
    ticket = close(description=NOISE)
    traveller.shift(timedelta(days=30))
    visit = SecondVisit.objects.get()
    services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.UNREACHABLE, expected_attempts=0)
    with pytest.raises(ConflictError, match="本次未重复记录"):
        services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.SOLVED, expected_attempts=0)
    visit.refresh_from_db()
    assert visit.state == VisitState.PENDING and visit.attempts == 1 == visit.attempt_log.count()
    done = services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.SOLVED, expected_attempts=1)
    assert done.state == VisitState.SOLVED and done.attempts == 2
