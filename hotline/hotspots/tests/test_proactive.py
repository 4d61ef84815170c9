"""Hot spots are citizens' demand: the centre's own proactive orders (主动发现, 未诉先办) are never mined."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hotline.hotspots import services
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import SHANGHAI, Cast, make_ticket

#: Monday of ISO week 2025-W10; the clock is frozen on Thursday of that week.
MONDAY = datetime(2025, 3, 3, tzinfo=SHANGHAI)
LAMP = ("多福巷社区路灯不亮", "多福巷社区门口的路灯坏了好几天，晚上出行很不方便，请尽快维修路灯。")
DRAIN = ("景山街道排水沟堵塞排查", "汛期前巡查景山街道排水沟，发现多处堵塞，需要清淤疏通。")


def _order(cast: Cast, text: tuple[str, str], at: datetime, *, channel: str = Channel.PHONE, phone: str = ""):  # noqa: ANN202
    return make_ticket(Status.REGISTERED, cast=cast, at=at, title=text[0], description=text[1], channel=channel,
                       caller_phone=phone)


def _spots(week: str) -> tuple[int, list[tuple[str, int, int]]]:
    run = services.compute(services.week_window(week))
    return run.orders_considered, [(s.title, s.orders, s.previous_orders) for s in run.hotspots.order_by("rank")]


@pytest.mark.django_db
def test_proactive_orders_change_no_hot_spot_of_the_week(traveller) -> None:  # noqa: ANN001
    traveller.move_to(MONDAY + timedelta(days=3, hours=12))
    cast = Cast.build()
    for n in range(5):
        _order(cast, LAMP, MONDAY + timedelta(hours=9 + 5 * n), phone=f"1380000000{n}")
    before = _spots("2025-W10")
    for n in range(6):  # a week's round of inspections: as many orders as the citizens', and more
        _order(cast, DRAIN, MONDAY + timedelta(hours=10 + n), channel=Channel.PROACTIVE)
        _order(cast, LAMP, MONDAY + timedelta(hours=11 + n), channel=Channel.PROACTIVE)
    _order(cast, LAMP, MONDAY - timedelta(days=2), channel=Channel.PROACTIVE)  # nor the week before (growth)
    assert _spots("2025-W10") == before
    assert before[0] == 5 and [(orders, previous) for _t, orders, previous in before[1]] == [(5, 0)]
    window = services.month_window("2025-03")
    assert services.candidate_orders(window.start, window.end).count() == 5
