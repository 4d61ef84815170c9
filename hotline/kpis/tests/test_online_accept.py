"""网上受理及时率: online requests accepted within the centre's limit, waiting ones past it counted against."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.core import clock
from hotline.kpis import engine, periods
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)


def test_on_time_online_acceptance_counts_waiting_requests_past_their_limit(cast: Cast) -> None:
    def web(day: int, hour: int = 10, channel: str = Channel.WEB) -> object:
        return make_ticket(Status.REGISTERED, cast=cast, at=at(day, hour), channel=channel)

    def accept(ticket: object, after: timedelta) -> None:
        with clock.frozen(ticket.registered_at + after):
            services.send_to_dispatch(ticket, actor=cast.intake)

    accept(web(3), timedelta(hours=1))                    # on time
    accept(web(4), timedelta(hours=3))                    # late
    web(10)                                               # still waiting, long past its limit: late
    web(31, 22)                                           # waiting, limit not reached by AS_OF: not counted yet
    accept(web(5, channel=Channel.PHONE), timedelta(hours=5))  # a call: no acceptance limit
    make_ticket(Status.ANSWERED, cast=cast, at=at(6), channel=Channel.APP)  # answered at once: on time

    figure = engine.figure("online_accept", engine.context(MARCH, as_of=AS_OF))
    assert (figure.numerator, figure.denominator) == (2, 4)
