"""When people act in the demo: units in office hours on working days, the centre every day, visits by day."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from hotline.core import workcalendar
from hotline.demo.orders import TZ


def office(at: datetime, rng: random.Random, keep: float = 0.15) -> datetime:
    """The moment a unit gets to it: within office hours (8:30–17:30) on a working day, mostly."""
    local = at.astimezone(TZ)
    if workcalendar.is_working_day(local.date()) and time(8, 30) <= local.time() < time(17, 30):
        return at
    if rng.random() < keep:
        return at
    day = local.date()
    if local.time() >= time(8, 30) or not workcalendar.is_working_day(day):
        day = workcalendar.next_working_day(day)
    start = datetime.combine(day, time(8, 30), tzinfo=TZ)
    return start + timedelta(minutes=rng.uniform(0, 150))


def centre_hours(at: datetime, rng: random.Random) -> datetime:
    """The centre works every day; outside 8:00–22:00 only the night shift, which leaves most things to morning."""
    local = at.astimezone(TZ)
    if time(8) <= local.time() < time(22) or rng.random() < 0.2:
        return at
    day = local.date() if local.time() < time(8) else local.date() + timedelta(days=1)
    return datetime.combine(day, time(8), tzinfo=TZ) + timedelta(minutes=rng.uniform(0, 90))


def visit_time(moment: datetime, rng: random.Random) -> datetime:
    """Return visits (回访) are made between 9:00 and 20:00, any day."""
    local = moment.astimezone(TZ)
    if time(9) <= local.time() < time(20):
        return moment
    day = local.date() if local.time() < time(9) else local.date() + timedelta(days=1)
    return datetime.combine(day, time(9), tzinfo=TZ) + timedelta(minutes=rng.uniform(0, 240))
