"""Planning the demo orders: what each real message becomes, when it came in and how far its life goes.

The plan is deterministic for a seed; `hotline.demo.walk` then plays it through the real services.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.demo import people
from hotline.demo.classify import Classifier, lead_code
from hotline.demo.consult import ConsultPlan, plan_consultations
from hotline.demo.messages import Message, ReplyText, bigrams
from hotline.demo.orgs import CityUnits
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel, EmergencyService, NotAcceptedReason
from hotline.tickets.services import TicketDraft

TZ = ZoneInfo("Asia/Shanghai")
HISTORY_DAYS = 90


class Outcome:
    """The first decision on an order (受理): answer, transfer, decline, merge as duplicate, or dispatch."""

    ANSWER = "answer"
    TRANSFER = "transfer"
    NOT_ACCEPT = "not_accept"
    MERGE = "merge"
    DISPATCH = "dispatch"


@dataclass
class OrderPlan:
    """One demo order: its draft, its first decision, its units, the twists of its life and where it stops."""

    no: int
    at: datetime
    message: Message
    draft: TicketDraft
    outcome: str
    lead: HandlingUnit | None = None
    assisting: list[HandlingUnit] = field(default_factory=list)
    wrong_lead: HandlingUnit | None = None
    reply: ReplyText | None = None
    flags: set[str] = field(default_factory=set)
    stop: str = ""
    master: int | None = None
    emergency: str = ""
    not_accept_reason: str = ""
    consult: ConsultPlan | None = None

    @property
    def utility_or_urgent(self) -> bool:
        """Water, power, gas, heat and urgent orders are handled around the clock."""
        category = self.draft.category
        return self.draft.urgency == Urgency.URGENT or bool(category and category.is_utility)


def registration_times(count: int, now: datetime, rng: random.Random) -> list[datetime]:
    """When the orders came in: the last 90 days (some more in the last 3), mostly daytime, fewer at weekends."""
    found: list[datetime] = []
    while len(found) < count:
        span = 4 if rng.random() < 0.12 else HISTORY_DAYS
        day = (now - timedelta(days=rng.uniform(0, span))).astimezone(TZ).date()
        if day.weekday() >= 5 and rng.random() < 0.4:
            continue
        roll = rng.random()
        hour = rng.randint(8, 17) if roll < 0.8 else rng.randint(18, 22) if roll < 0.94 else rng.randint(0, 7)
        at = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=TZ)
        if at < now - timedelta(minutes=5):
            found.append(at)
    return sorted(found)


def request_type(text: str, rng: random.Random) -> str:
    """The request type (诉求类型) the wording suggests, else mostly complaint/help/enquiry."""
    if any(w in text for w in ("表扬", "点赞", "锦旗")) and rng.random() < 0.7:
        return RequestType.PRAISE
    if "举报" in text and rng.random() < 0.7:
        return RequestType.REPORT
    if any(w in text for w in ("咨询", "请问", "是否", "能否", "怎么办理", "？", "?")) and rng.random() < 0.35:
        return RequestType.CONSULT
    if "建议" in text and rng.random() < 0.5:
        return RequestType.SUGGESTION
    kinds = [RequestType.COMPLAINT, RequestType.HELP, RequestType.CONSULT, RequestType.REPORT,
             RequestType.SUGGESTION, RequestType.PRAISE]
    return rng.choices(kinds, weights=[45, 30, 15, 4, 5, 1])[0]


CHANNELS = [Channel.PHONE, Channel.WEB, Channel.WECHAT, Channel.APP, Channel.MAILBOX, Channel.SMS]
CHANNEL_WEIGHTS = [60, 12, 12, 7, 6, 3]
_EMERGENCY_WORDS = ("打架", "斗殴", "受伤", "火灾", "着火", "车祸", "昏倒", "晕倒", "报警")


class ReplyPool:
    """Real replies grouped by the category their message falls in, to answer orders on the same matter."""

    def __init__(self, replies: list[ReplyText], classifier: Classifier) -> None:
        """Group the replies by the leaf, branch and first level their messages fall in."""
        self.by_key: dict[str, list[ReplyText]] = defaultdict(list)
        self.all = replies
        for r in replies:
            category, score = classifier.classify(r.subject + r.content[:120])
            if category is not None and score > 2:
                first, second, _ = category.full_name.split("/")
                for key in (category.full_name, f"{first}/{second}", first):
                    self.by_key[key].append(r)

    def pick(self, category: Category | None, title: str, rng: random.Random) -> ReplyText | None:
        """A reply on the same matter (same leaf, else branch, else first level) sharing most of the title."""
        if not self.all:
            return None
        keys = []
        if category is not None:
            first, second, _ = category.full_name.split("/")
            keys = [category.full_name, f"{first}/{second}", first]
        pool = next((self.by_key[k] for k in keys if self.by_key.get(k)), self.all)
        sample = pool if len(pool) <= 60 else rng.sample(pool, 60)
        grams = bigrams(title)
        return max(sample, key=lambda r: (len(grams & bigrams(r.subject)), rng.random()))


def _stop_for(age: timedelta, rng: random.Random) -> str:
    """How far a recent order has got by now (the older ones run to their natural end)."""
    hours = age.total_seconds() / 3600
    if hours < 6:
        table = {"registered": 3, "pending_dispatch": 3, "dispatched": 3, "": 1}
    elif hours < 24:
        table = {"pending_dispatch": 2, "dispatched": 3, "returned": 1, "in_progress": 4, "": 1}
    elif hours < 72:
        table = {"dispatched": 1, "returned": 1, "in_progress": 4, "awaiting_citizen": 1, "replied": 2,
                 "awaiting_visit": 2, "": 2}
    elif hours < 240:
        table = {"in_progress": 2, "awaiting_citizen": 1, "replied": 1, "awaiting_visit": 2, "": 8}
    else:
        return ""
    return rng.choices(list(table), weights=list(table.values()))[0]


def _flags(rng: random.Random, stop: str, old: bool) -> set[str]:
    """The twists of one dispatched order's life (returns, extensions, re-handling, visits, appeals)."""
    odds = {"assist": 0.15, "late_sign": 0.06, "late_reply": 0.08, "info": 0.07, "ext": 0.09,
            "unreasonable": 0.03, "send_back": 0.08, "no_contact": 0.05, "unsatisfied": 0.08, "appeal": 0.04,
            "reopen": 0.02}
    flags = {name for name, p in odds.items() if rng.random() < p}
    roll = rng.random()
    if roll < 0.06 or (stop == "returned" and roll < 0.7):
        flags.add("return_accept")
        if rng.random() < 0.3:
            flags.add("designate")
    elif roll < 0.09 or stop == "returned":
        flags.add("return_reject")
    if "ext" in flags and rng.random() < 0.25:
        flags.add("ext_deny")
    if "unreasonable" in flags:
        if rng.random() < 0.6:
            flags.add("unreasonable_ok")
        if rng.random() < 0.7:
            flags.add("unsatisfied")  # the "wishing-well" demands rarely end in a satisfied citizen
    if "appeal" in flags and rng.random() < 0.4:
        flags.add("appeal_upheld")
    if stop == "awaiting_citizen":
        flags.add("info")
    if old and rng.random() < 0.025:
        flags.add("stuck")  # never replied: red light, 催办 then 督办 up to the city government
    elif old and rng.random() < 0.01:
        flags |= {"info", "stay_info"}
    return flags


def _outcome(kind: str, text: str, rng: random.Random) -> str:
    """The intake decision: about 12% answered on the spot, 2% transferred, 3% declined, 3% duplicates."""
    roll = rng.random()
    if kind == RequestType.CONSULT and roll < 0.4 or kind == RequestType.HELP and roll < 0.04:
        return Outcome.ANSWER
    roll = rng.random()
    emergency = any(w in text for w in _EMERGENCY_WORDS)
    if roll < (0.25 if emergency else 0.015):
        return Outcome.TRANSFER
    if roll < 0.045:
        return Outcome.NOT_ACCEPT
    if roll < 0.075:
        return Outcome.MERGE
    return Outcome.DISPATCH


def _wrong_unit(right: HandlingUnit, street: HandlingUnit, city: CityUnits, rng: random.Random) -> HandlingUnit:
    """A plausible wrong first dispatch: a department's matter pushed to the street, or the reverse."""
    if right.kind not in ("street", "district") and rng.random() < 0.6:
        return street
    return city[rng.choice([c for c in ("DEPT-ZJ", "DEPT-CG", "DEPT-SJ") if c != right.code])]


def plan_orders(messages: list[Message], *, now: datetime, seed: int, city: CityUnits,
                classifier: Classifier, replies: ReplyPool) -> list[OrderPlan]:
    """Turn the chosen messages into order plans, sorted by registration time (message 0 is never a duplicate)."""
    rng = random.Random(seed)
    times = registration_times(len(messages), now, rng)
    rng.shuffle(times)
    plans = [_plan_one(no, message, times[no], random.Random(seed * 7919 + no), now=now, city=city,
                       classifier=classifier, replies=replies)
             for no, message in enumerate(messages)]
    plan_consultations([p for p in plans if p.outcome == Outcome.DISPATCH and not p.utility_or_urgent],
                       now=now, city=city)  # before the duplicates: chosen by message, not by time
    plans.sort(key=lambda p: (p.at, p.no))
    _pair_duplicates(plans, rng)
    return plans


def _plan_one(no: int, message: Message, at: datetime, rng: random.Random, *, now: datetime, city: CityUnits,
              classifier: Classifier, replies: ReplyPool) -> OrderPlan:
    """One message's order: category, caller, place, first decision, lead unit and the twists of its life."""
    text = message.subject + message.text[:600]
    category, _ = classifier.classify(text, message.label)
    kind = request_type(text, rng)
    where = people.place(city, text, rng)
    who = people.caller(rng, whistle_blower=kind == RequestType.REPORT)
    outcome = _outcome(kind, text, rng)
    if no == 0 and outcome == Outcome.MERGE:
        outcome = Outcome.DISPATCH
    if who.is_confidential and outcome in (Outcome.DISPATCH, Outcome.MERGE):
        outcome = Outcome.ANSWER  # confidential orders never leave the centre: it answers them itself
    urgency = rng.choices([Urgency.NORMAL, Urgency.PRESSING, Urgency.URGENT], weights=[91, 7, 2])[0]
    draft = TicketDraft(
        request_type=kind, title=message.title, description=message.text,
        channel=rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0], category=category,
        urgency=Urgency.URGENT if outcome == Outcome.TRANSFER else urgency,
        is_difficult=rng.random() < 0.04, caller_name=who.name, caller_sex=who.sex, caller_phone=who.phone,
        caller_company=who.company, is_anonymous=who.is_anonymous, is_confidential=who.is_confidential,
        address=where.address, district=where.district, street=where.street, community=where.community,
        latitude=where.latitude, longitude=where.longitude,
    )
    plan = OrderPlan(no=no, at=at, message=message, draft=draft, outcome=outcome,
                     reply=replies.pick(category, message.title, rng))
    code = lead_code(category, text)
    if code == "STREET":
        plan.lead = where.street if rng.random() < 0.7 else where.district
    else:
        plan.lead = where.district if code == "DISTRICT" else city[code]
    if outcome == Outcome.TRANSFER:
        plan.emergency = rng.choices([s.value for s in EmergencyService], weights=[50, 15, 25, 10])[0]
    elif outcome == Outcome.NOT_ACCEPT:
        plan.not_accept_reason = rng.choices([r.value for r in NotAcceptedReason], weights=[35, 25, 5, 25, 5, 5])[0]
    elif outcome in (Outcome.DISPATCH, Outcome.MERGE):
        plan.stop = _stop_for(now - at, rng)
        plan.flags = _flags(rng, plan.stop, old=now - at > timedelta(days=20))
        if "assist" in plan.flags:
            helper = where.street if plan.lead.kind in ("department", "utility") else city["DEPT-ZJ"]
            if helper != plan.lead:
                plan.assisting = [helper]
        if "return_accept" in plan.flags:
            plan.wrong_lead = _wrong_unit(plan.lead, where.street, city, rng)
    return plan


def _pair_duplicates(plans: list[OrderPlan], rng: random.Random) -> None:
    """Give each duplicate an earlier dispatched order on the same matter as its master (并单)."""
    for i, plan in enumerate(plans):
        if plan.outcome != Outcome.MERGE:
            continue
        earlier = [p for p in plans[:i] if p.outcome == Outcome.DISPATCH and p.consult is None
                   and plan.at - p.at < timedelta(days=7)]
        if not earlier:
            plan.outcome = Outcome.DISPATCH
            continue
        master = rng.choice(earlier)
        plan.master = master.no
        plan.message = master.message
        same = {name: getattr(master.draft, name) for name in (
            "title", "description", "category", "request_type", "address", "district", "street", "community",
            "latitude", "longitude")}
        plan.draft = replace(plan.draft, **same)
        plan.stop = ""
        plan.flags = set()  # if the master is finished by then, it is dispatched plainly (see walk.merge)
        plan.wrong_lead = None
