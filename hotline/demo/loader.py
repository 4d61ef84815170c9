"""Loading the whole demo centre: taxonomy, units, people and the orders' 90 days of history (idempotent)."""

from __future__ import annotations

import logging
import time as _time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count

from hotline.accounts.models import User
from hotline.core import clock
from hotline.demo.callers import load_callers
from hotline.demo.classify import Classifier
from hotline.demo.corrections import load_corrections
from hotline.demo.followups import load_followups
from hotline.demo.forwards import load_return_up
from hotline.demo.inspection import load_inspection
from hotline.demo.messages import load_messages, load_replies, pick_messages
from hotline.demo.orders import ReplyPool, plan_orders
from hotline.demo.orgs import CityUnits, build_units
from hotline.demo.proactive import load_proactive
from hotline.demo.seasons import load_archive
from hotline.demo.themes import load_themes
from hotline.demo.users import UnitStaff, build_users
from hotline.demo.walk import Sim, play
from hotline.incidents.demo import load_incidents
from hotline.routing.catalogue import seed_demo_catalogue
from hotline.taxonomy.services import load_taxonomy
from hotline.tickets.models import Ticket

logger = logging.getLogger(__name__)

DEFAULT_ORDERS = 2000
DEFAULT_SEED = 12345


@dataclass
class DemoResult:
    """What a demo load did."""

    categories: int = 0
    units: int = 0
    users: list[User] = field(default_factory=list)
    orders: int = 0
    steps: int = 0
    skipped: bool = False
    seconds: float = 0.0
    themes: int = 0
    proactive: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def demo_orders_exist(messages_first_text: str) -> bool:
    """Whether the demo orders were loaded before: an order holds the first demo message's text."""
    return Ticket.objects.filter(description=messages_first_text).exists()


def load_demo(*, orders: int = DEFAULT_ORDERS, seed: int = DEFAULT_SEED, now: datetime | None = None) -> DemoResult:
    """Load the demo centre of A市; units, users and taxonomy are refreshed, orders and themes are loaded only once."""
    started = _time.monotonic()
    result = DemoResult()
    now = now or clock.now()
    with transaction.atomic():
        result.categories = load_taxonomy()
        city = build_units()
        seed_demo_catalogue()  # the 派单目录, before any order asks for a recommendation
        result.units = len(city.by_code)
        result.users = build_users(city)
        messages = pick_messages(load_messages(), orders)
        if not messages or demo_orders_exist(messages[0].text):
            result.skipped = True
        else:
            result.steps = _load_orders(messages, city, now=now, seed=seed)
            result.orders = len(messages)
        if messages:  # 每月一题 on the orders' recurring problems (once; also after an older demo's orders)
            result.themes = len(load_themes(now=now, seed=seed))
            desk = {u.username: u for u in User.objects.filter(username__in=["dispatcher", "inspector"])}
            result.proactive = len(load_proactive(now=now, seed=seed, dispatcher=desk["dispatcher"],
                                                  inspector=desk["inspector"]))  # 未诉先办 for the themes
            load_archive(now=now, seed=seed, city=city, messages=load_messages(), scale=orders / DEFAULT_ORDERS)
            load_callers()  # 来电人标签 on a handful of the demo's callers (once)
            load_corrections(now=now)  # 工单更正 of a few open orders' place and urgency (once)
            load_return_up(now=now)  # 下派 the way back: a street returns an order its district handed down (once)
            load_inspection(now=now)  # 坐席工单质检: last month's sample, two thirds scored (once)
            load_followups(now=now)  # 群众催办 / 补充诉求 on the oldest orders units hold (once)
            load_incidents(now=now)  # 突发事件: one published water outage with its script and notice (once)
    if not result.skipped:
        _sweep(now)
    result.statuses = dict(Ticket.objects.order_by().values_list("status").annotate(n=Count("id")))
    result.seconds = _time.monotonic() - started
    return result


def _load_orders(messages: list, city: CityUnits, *, now: datetime, seed: int) -> int:
    """Plan the orders and walk them through the services; returns the number of steps taken."""
    classifier = Classifier()
    plans = plan_orders(messages, now=now, seed=seed, city=city, classifier=classifier,
                        replies=ReplyPool(load_replies(), classifier))
    users = {u.username: u for u in User.objects.filter(
        username__in=["agent1", "agent2", "dispatcher", "supervisor", "inspector"])}
    sim = Sim(agents=[users["agent1"], users["agent2"]], dispatcher=users["dispatcher"],
              supervisor=users["supervisor"], inspector=users["inspector"], staff=UnitStaff(), now=now, seed=seed)
    return play(plans, sim)


def _sweep(now: datetime) -> None:
    """Bring every traffic light up to now, if the SLA sweep exists in this build."""
    try:
        from hotline.sla.sweep import sweep
    except ImportError:
        logger.info("hotline.sla.sweep not available; lights stay as of each order's last step")
        return
    sweep(now)
