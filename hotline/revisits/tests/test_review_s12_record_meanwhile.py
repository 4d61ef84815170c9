"""二次回访 recorded meanwhile by a colleague: the second inspector's typed record is given back, with who recorded
what and when; the same person's own post again is still a repeat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from hotline.revisits.models import RevisitRule, SecondVisit
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db
NOISE = "马路市场占道经营，早上车辆无法通行"


def _client(user) -> Client:  # noqa: ANN001
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def rule(db: None) -> RevisitRule:
    RevisitRule.objects.update(is_active=False)
    return RevisitRule.objects.create(name="反复性投诉", request_type="complaint",
                                      keywords="噪音，占道经营 停水", delay_days=30)


@pytest.fixture
def visit(rule, traveller, django_capture_on_commit_callbacks) -> SecondVisit:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(Status.CLOSED, description=NOISE)
    traveller.shift(timedelta(days=30))
    return SecondVisit.objects.select_related("ticket").get()


def test_second_visit_recorded_meanwhile_by_a_colleague_keeps_the_typed_note(visit) -> None:  # noqa: ANN001
    """Two inspectors have the queue open; A records 未联系上, then B posts what the citizen told B. B's post is
    refused (the count changed), but it is not B's double click: B's words are given back, and the page says
    A recorded 未联系上."""
    a_user, b_user = Cast.build().inspector, Cast.build().inspector
    _client(a_user).post(f"/revisits/{visit.pk}/", {"outcome": "unreachable", "note": "无人接听", "attempts": "0"})
    visit.refresh_from_db()
    assert visit.attempts == 1
    page = _client(b_user).post(f"/revisits/{visit.pk}/", {"outcome": "solved", "note": "群众说摊贩已清走，道路通畅",
                                                            "attempts": "0"}, follow=True).content.decode()
    visit.refresh_from_db()
    assert visit.attempts == 1
    assert "群众说摊贩已清走，道路通畅" in page  # B's record given back, not lost
    assert f"{a_user}已于" in page and "未联系上" in page
    assert "重复提交" not in page


def test_the_same_post_twice_is_still_a_repeat(visit) -> None:  # noqa: ANN001
    """A double click: the same person, outcome and note: answered as a repeat, nothing given back."""
    client = _client(Cast.build().inspector)
    data = {"outcome": "unreachable", "note": "无人接听", "attempts": "0"}
    client.post(f"/revisits/{visit.pk}/", data)
    page = client.post(f"/revisits/{visit.pk}/", data, follow=True).content.decode()
    visit.refresh_from_db()
    assert visit.attempts == 1
    assert "重复提交" in page and "未保存" not in page
