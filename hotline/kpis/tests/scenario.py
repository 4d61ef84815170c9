"""A small month of orders driven through the real services, with the figures worked out by hand.

March 2025 (Beijing time); every order is dispatched to `cast.lead` ("U", a street) unless said:

t1  closed on the spot of the same morning: signed, replied, approved, visited satisfied + resolved
t2  same caller and category as t1, two hours later: signed late (7th), replied late (20th), visited 基本满意
t3  signed on time, never replied: open and overdue at the end of the month
t4  replied on time, sent back (重办), replied again saying 未联系群众, visited unsatisfied + unresolved (重办)
t5  answered directly at intake (no unit)
t6  returned by U before signing, return accepted, re-dispatched to V (another street), never signed
t7  merged into a new registered master order (2 orders)
t8  replied and approved; the return visit did not reach the citizen (not a valid visit): one unanswered call
    of the three the centre makes (回访设置), so still awaiting the visit
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import (
    SHANGHAI,
    Cast,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
)


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=SHANGHAI)


#: The end of the month: every deadline of the scenario has passed.
AS_OF = at(31, 23)


@dataclass
class Month:
    cast: Cast
    other: object  # V, the unit t6 went to
    other_handler: object
    tickets: dict[str, Ticket]


def _closed_late(cast: Cast, draft: dict) -> Ticket:
    t = make_ticket(Status.DISPATCHED, cast=cast, at=at(4, 12), **draft)
    with clock.frozen(at(7)):
        t = services.sign(t, actor=cast.lead_handler, unit=cast.lead)
    with clock.frozen(at(20)):
        t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已处理", contacted=True,
                           resolved=True)
    with clock.frozen(at(20, 11)):
        t = services.approve_reply(t, actor=cast.inspector)
    with clock.frozen(at(21)):
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction=Satisfaction.BASICALLY)
    return t


def build() -> Month:
    cast = Cast.build()
    category = CategoryFactory()
    same = {"caller_phone": "13900000001", "category": category}
    t: dict[str, Ticket] = {}
    t["t1"] = make_ticket(Status.CLOSED, cast=cast, at=at(4), **same)
    t["t2"] = _closed_late(cast, same)
    t["t3"] = make_ticket(Status.IN_PROGRESS, cast=cast, at=at(4))
    t4 = make_ticket(Status.REPLIED, cast=cast, at=at(4))
    with clock.frozen(at(5)):
        t4 = services.send_back(t4, actor=cast.inspector, reason="答复未说明处理结果")
    with clock.frozen(at(6)):
        t4 = services.reply(t4, actor=cast.lead_handler, unit=cast.lead, content="已电话解释", contacted=False,
                            resolved=True)
    with clock.frozen(at(6, 11)):
        t4 = services.approve_reply(t4, actor=cast.inspector)
    with clock.frozen(at(7)):
        t4 = services.record_return_visit(t4, actor=cast.inspector, contacted=True, resolved=False,
                                          satisfaction=Satisfaction.UNSATISFIED)
    t["t4"] = t4
    t["t5"] = make_ticket(Status.ANSWERED, cast=cast, at=at(4))
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    other_handler = UserFactory(role=Role.UNIT_HANDLER, units=[other])
    t6 = make_ticket(Status.RETURNED, cast=cast, at=at(4))
    with clock.frozen(at(4, 11)):
        t6 = services.accept_return(t6, actor=cast.dispatcher, lead=other)
    t["t6"] = t6
    t["t7"] = make_ticket(Status.MERGED, cast=cast, at=at(4))
    t8 = make_ticket(Status.AWAITING_VISIT, cast=cast, at=at(4), caller_phone="13900000008")
    with clock.frozen(at(5)):
        t8 = services.record_return_visit(t8, actor=cast.inspector, contacted=False)
    assert t8.status == Status.AWAITING_VISIT  # without a phone, the first unanswered call would close it
    t["t8"] = t8
    return Month(cast=cast, other=other, other_handler=other_handler, tickets=t)
