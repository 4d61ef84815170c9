"""Triage on registration (受理研判): duplicate index, repeats, alerts for the shift lead, urgency; merging.

Run from the `ticket_changed` receiver after the registration committed (ids in, re-fetch, idempotent).
The rules are the pure functions of `hotline.intelligence.duplicates` and `.urgency`; this module reads
the candidates through the `DuplicateKey` indexes and stores what it found. It never changes an order:
merging goes through the lifecycle service `tickets.services.merge`. Repeats and clusters count callers:
the centre's own proactive orders (主动发现, 未诉先办) are indexed without caller or place (`key_for`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q

from hotline.accounts.models import User
from hotline.core import clock, memo
from hotline.intelligence import duplicates as dup
from hotline.intelligence.urgency import Assessment, Assessor, read_rules
from hotline.tickets.choices import FINISHED, Channel
from hotline.tickets.models import Ticket
from hotline.triage.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DuplicateKey,
    RepeatLink,
    TriageSettings,
    UrgencyAssessment,
    UrgencyRule,
)

logger = logging.getLogger(__name__)
#: Candidates read per lookup at most (a caller's 30 days; a place's day): a bound, not a filter.
MAX_CANDIDATES = 500
#: Later orders looked at again at most when an order is indexed after them (`_recheck_later`): a bound.
MAX_RECHECKS = 50
#: Levels of 拆单 followed up to the call an order was split from (a split order may be split again).
MAX_SPLIT_DEPTH = 5


def key_for(ticket: Ticket) -> dup.Key:
    """The duplicate-index key of an order (not stored).

    A proactive order (主动发现, 未诉先办) is the centre's own, not a caller's: it has no phone or place key,
    so it is never a repeat of a caller nor one of the callers at a place (it keeps its category and text,
    which routing reads).
    """
    top = ticket.category.ancestors_and_self()[-1] if ticket.category_id else None
    caller = ticket.channel != Channel.PROACTIVE
    return dup.Key(
        ticket_id=ticket.pk, phone=dup.phone_key(ticket.caller_phone, area_code=settings.HOTLINE_AREA_CODE) if caller else "",
        category1=top.pk if top else None,
        place=dup.place_key(community_id=ticket.community_id, street_id=ticket.street_id,
                            address=ticket.address) if caller else "",
        signature=dup.signature(f"{ticket.title} {ticket.description}"), registered_at=ticket.registered_at,
    )


def index(ticket: Ticket, key: dup.Key | None = None) -> DuplicateKey:
    """Write (or rewrite) the order's row of the duplicate index."""
    key = key or key_for(ticket)
    row = DuplicateKey(ticket=ticket, phone=key.phone, registered_at=ticket.registered_at, category1=key.category1,
                       place=key.place, signature=key.signature)
    # One INSERT … ON CONFLICT DO UPDATE (update_or_create needs a savepoint, a locking read and a write).
    DuplicateKey.objects.bulk_create([row], update_conflicts=True, unique_fields=["ticket"],
                                     update_fields=["phone", "registered_at", "category1", "place", "signature"])
    return row


def history_window(at: datetime | None = None) -> datetime:
    """The oldest registration time a new order's lookup can still reach (the longer of the repeat and
    cluster windows back from `at`): older orders are never candidates under the current rules."""
    rules = TriageSettings.current().as_rules()
    reach = max(timedelta(days=rules.repeat_days), timedelta(hours=rules.cluster_hours))
    return (at or clock.now()) - reach


def index_history(ticket_ids: Iterable[int] | None = None, *, since: datetime | None = None,
                  chunk: int = 1000) -> int:
    """Put imported orders (history, which never goes through triage) into the duplicate index.

    Then a caller's new order finds them as earlier orders (重复件) and a place's new order counts them
    among its callers. Only the index rows are written: no repeat links and no alerts, since history is
    not news. Only imported orders (`ImportedRecord`): a live order without its row is one whose triage has
    not run yet (a follow-up queued or being repaired), and its row must be written by `detect`, which
    `on_registered` skips once the row exists. Orders already indexed are left as they are. `ticket_ids`
    limits it to those orders, `since` to orders registered from then on. Returns how many were indexed.
    """
    orders = Ticket.objects.filter(duplicate_key__isnull=True, imported_from__isnull=False).select_related(
        "category__parent__parent").only(
        "category", "channel", "caller_phone", "community", "street", "address", "title", "description",
        "registered_at")
    if ticket_ids is not None:
        orders = orders.filter(pk__in=list(ticket_ids))
    if since is not None:
        orders = orders.filter(registered_at__gte=since)
    done, last = 0, 0
    while batch := list(orders.filter(pk__gt=last).order_by("pk")[:chunk]):
        rows = []
        for ticket in batch:
            key = key_for(ticket)
            rows.append(DuplicateKey(ticket_id=ticket.pk, phone=key.phone, registered_at=ticket.registered_at,
                                     category1=key.category1, place=key.place, signature=key.signature))
        DuplicateKey.objects.bulk_create(rows, ignore_conflicts=True)  # triage may have run meanwhile
        done, last = done + len(rows), batch[-1].pk
    return done


def _keys(rows: Any) -> list[dup.Key]:
    return [dup.Key(t, p, c, pl, bytes(s), at) for t, p, c, pl, s, at in rows]


def split_relatives(ticket: Ticket) -> set[int]:
    """The orders split from the same call as this one (拆单): its parent, its siblings and its own children.

    They are the same caller's other demands, registered on purpose as orders of their own: never a repeat
    (重复件) of each other nor several callers at one place.
    """
    if ticket.split_from_id is None:
        return set(Ticket.objects.filter(split_from=ticket).values_list("pk", flat=True))
    family = Ticket.objects.filter(Q(split_from_id=ticket.split_from_id) | Q(split_from=ticket))
    return {ticket.split_from_id, *family.values_list("pk", flat=True)} - {ticket.pk}


#: The index row's columns, in `dup.Key`'s order.
_KEY_FIELDS = ("ticket_id", "phone", "category1", "place", "signature", "registered_at")


def lookup(key: dup.Key, at: datetime, rules: dup.Settings | None = None, *,
           exclude: set[int] | frozenset[int] = frozenset(), caller: bool = True, place: bool = True,
           ) -> dup.Findings:
    """The candidate search (benchmarked): two index range scans, then the rules on the signatures.

    `exclude`: orders never taken as candidates (the order's 拆单 relatives, `split_relatives`).
    `caller` / `place`: whether to scan the caller's orders (repeats) and the place's (clusters); the
    re-check of later orders (`_recheck_later`) scans only the key they share with the order indexed late."""
    rules = rules or TriageSettings.current().as_rules()
    skipped = [key.ticket_id, *exclude]
    fields = _KEY_FIELDS
    same_caller: list[dup.Key] = []
    if caller and key.phone:
        same_caller = _keys(DuplicateKey.objects.filter(
            phone=key.phone, registered_at__gte=at - timedelta(days=rules.repeat_days), registered_at__lte=at,
        ).exclude(ticket_id__in=skipped).order_by("-registered_at").values_list(*fields)[:MAX_CANDIDATES])
    same_place: list[dup.Key] = []
    if place and key.place:
        same_place = _keys(DuplicateKey.objects.filter(
            place=key.place, registered_at__gte=at - timedelta(hours=rules.cluster_hours), registered_at__lte=at,
        ).exclude(ticket_id__in=skipped).order_by("-registered_at").values_list(*fields)[:MAX_CANDIDATES])
    return dup.find(key, same_caller=same_caller, same_place=same_place, settings=rules)


def _earlier_chain(ticket_ids: list[int]) -> dict[int, set[int]]:
    """For each earlier order, the orders it was itself a repeat of (one level is enough: links are transitive)."""
    chains: dict[int, set[int]] = {}
    for ticket_id, earlier_id in RepeatLink.objects.filter(ticket_id__in=ticket_ids).values_list(
            "ticket_id", "earlier_id"):
        chains.setdefault(ticket_id, set()).add(earlier_id)
    return chains


def _open_alert(kind: str, members: set[int], **match: str) -> Alert | None:
    """An open alert of this kind that already holds one of these orders."""
    return (Alert.objects.filter(kind=kind, status=AlertStatus.OPEN, tickets__in=members, **match)
            .order_by("-updated_at").first())


def _raise_alert(kind: str, ticket: Ticket, members: set[int], *, title: str, callers: int, at: datetime,
                 **match: str) -> Alert:
    """Create the alert, or add the new order to the open one about the same orders."""
    alert = _open_alert(kind, members - {ticket.pk}, **match)
    if alert is None:
        master = Ticket.objects.filter(pk__in=members).exclude(status__in=FINISHED).order_by(
            "registered_at", "pk").first() or ticket
        alert = Alert.objects.create(kind=kind, title=title[:200], master=master, callers=callers,
                                     created_at=at, updated_at=at, **match)
    else:
        alert.callers = max(alert.callers, callers)
        alert.updated_at = at
        alert.title = title[:200]
        alert.save(update_fields=["callers", "updated_at", "title"])
    alert.tickets.add(*members)
    return alert


def detect(ticket: Ticket, *, at: datetime | None = None) -> dup.Findings:
    """Index the new order, link its repeats, and alert the shift lead of clusters and third calls.

    The caller's and the place's orders registered after this one and indexed before it (its triage ran
    late: a retried follow-up, another worker) are looked at again (`_recheck_later`), so the links and
    alerts do not depend on the order triage ran in. Triage of orders sharing a caller or place key runs
    one at a time (`_lock_keys`), the lookup inside the lock, so two workers never miss each other's order.
    """
    at = at or clock.now()
    rules = TriageSettings.current().as_rules()
    key = key_for(ticket)
    with transaction.atomic():
        _lock_keys(key)
        findings = lookup(key, ticket.registered_at, rules, exclude=split_relatives(ticket))
        index(ticket, key)
        _record(ticket, key, findings, rules, at)
        _recheck_later(key, rules, at)
    return findings


def _record(ticket: Ticket, key: dup.Key, findings: dup.Findings, rules: dup.Settings, at: datetime) -> None:
    """Store what the rules found for one order: its repeat links, and the alerts they call for (idempotent)."""
    for match in findings.repeats:
        RepeatLink.objects.get_or_create(ticket=ticket, earlier_id=match.ticket_id, defaults={
            "similarity": round(match.similarity, 3), "reason_data": match.reason.as_dict(), "created_at": at})
    repeat_ids = [m.ticket_id for m in findings.repeats]
    if repeat_ids:
        earlier = _earlier_chain(repeat_ids)
        members = {ticket.pk, *repeat_ids, *{e for ids in earlier.values() for e in ids}}
        # collapsing split families only lowers the count: below the threshold already, no query
        calls = _calls(members) if len(members) >= rules.repeat_caller_alert_at else len(members)
        if calls >= rules.repeat_caller_alert_at:
            _raise_alert(AlertKind.REPEAT_CALLER, ticket, members, callers=1, at=at, phone=key.phone,
                         title=f"同一来电人第 {calls} 次反映同一诉求：{ticket.title}")
    if findings.is_cluster:
        members = {ticket.pk, *(m.ticket_id for m in findings.cluster)}
        _raise_alert(AlertKind.CLUSTER, ticket, members, callers=findings.cluster_callers, at=at,
                     place=key.place,
                     title=f"{findings.cluster_callers} 位来电人在 {rules.cluster_hours} 小时内反映同一地点同一问题："
                           f"{ticket.title}")


def _calls(ticket_ids: set[int]) -> int:
    """How many calls these orders of one caller are: the orders split from one call (拆单, at any depth:
    the parent, its children and theirs) are one call."""
    parent: dict[int, int | None] = {}
    todo = set(ticket_ids)
    for _ in range(MAX_SPLIT_DEPTH):
        rows = dict(Ticket.objects.filter(pk__in=todo).values_list("pk", "split_from_id"))
        parent.update(rows)
        todo = {p for p in rows.values() if p is not None and p not in parent}
        if not todo:
            break

    def call_of(ticket_id: int) -> int:
        seen = {ticket_id}
        while (up := parent.get(ticket_id)) is not None and up not in seen:
            seen.add(up)
            ticket_id = up
        return ticket_id

    return len({call_of(t) for t in ticket_ids})


def _lock_keys(key: dup.Key) -> None:
    """Triage orders sharing a caller key or a place key one at a time (PostgreSQL).

    Two workers indexing related orders at once would each look up before the other's row is committed,
    and both would miss the pair. On PostgreSQL this takes a transaction advisory lock per key (a hash of
    the key, in a fixed order so two workers never deadlock), held until the triage commits; the lookups
    that follow see what the other worker committed (READ COMMITTED reads afresh per statement). SQLite
    needs none: its transactions begin IMMEDIATE (settings.py), so one triage writes at a time.
    """
    if connection.vendor != "postgresql":
        return
    names = [f"hotline.triage.{kind}:{value}" for kind, value in (("caller", key.phone), ("place", key.place)) if value]
    locks = sorted(int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
                   for name in names)
    with connection.cursor() as cursor:
        for lock in locks:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock])


def _recheck_later(key: dup.Key, rules: dup.Settings, at: datetime) -> None:
    """Look again at the orders indexed already that were registered after this one, up to now, within the
    windows in which they could have found it: the caller's (repeats, `repeat_days`) and, if the texts
    are alike, the place's (clusters, `cluster_hours`). Each gets its missing links and alerts (`_record`:
    an open alert grows, none is raised twice).

    Bounded: at most two index range scans (`(phone, registered_at)`, `(place, registered_at)`) that find
    nothing when triage runs on time (nothing is registered between an order and its triage), and at
    most `MAX_RECHECKS` later orders, oldest first, each one lookup of the key it shares.
    """
    if key.registered_at is None:
        return
    later: dict[int, tuple[dup.Key, bool, bool]] = {}  # ticket id → (key, shares the caller, shares the place)
    if key.phone:
        until = min(key.registered_at + timedelta(days=rules.repeat_days), at)
        for row in _later_rows(key, until, phone=key.phone):
            later[row.ticket_id] = (row, True, False)
    if key.place:
        until = min(key.registered_at + timedelta(hours=rules.cluster_hours), at)
        rows = _later_rows(key, until, place=key.place)
        alikes = dup.similarities(key.signature, [row.signature for row in rows])
        for row, alike in zip(rows, alikes, strict=True):
            if alike >= rules.cluster_similarity:  # else this order cannot be one of its cluster
                later[row.ticket_id] = (later[row.ticket_id][0], True, True) if row.ticket_id in later \
                    else (row, False, True)
    if not later:
        return
    chosen = sorted(later.values(), key=lambda item: (item[0].registered_at, item[0].ticket_id))[:MAX_RECHECKS]
    tickets = Ticket.objects.only("title", "split_from_id").in_bulk([k.ticket_id for k, _c, _p in chosen])
    for row, caller, place in chosen:
        ticket = tickets.get(row.ticket_id)
        if ticket is None:
            continue
        findings = lookup(row, row.registered_at, rules, exclude=split_relatives(ticket), caller=caller,
                          place=place)
        _record(ticket, row, findings, rules, at)


def _later_rows(key: dup.Key, until: datetime, **same: str) -> list[dup.Key]:
    """The index rows with this phone or place registered from the order's time to `until` (oldest first)."""
    return _keys(DuplicateKey.objects.filter(registered_at__gte=key.registered_at, registered_at__lte=until, **same)
                 .exclude(ticket_id=key.ticket_id).order_by("registered_at").values_list(*_KEY_FIELDS)[:MAX_RECHECKS])


def active_rules() -> list:
    """The centre's active urgency rules; the shipped file when the table holds none at all."""
    rows = list(UrgencyRule.objects.all())
    if not rows:
        return read_rules().rules
    return [row.as_rule() for row in rows if row.is_active and not row.as_rule_problems()]


_assessor: dict[str, Any] = {"stamp": None, "assessor": None}


def assessor() -> Assessor:
    """The compiled rules, rebuilt only when the rule table changed (one aggregate query per call)."""
    stamp = memo.once("triage.rules_stamp", lambda: tuple(UrgencyRule.objects.aggregate(
        n=Count("id"), active=Count("id", filter=Q(is_active=True)), top=Max("id"), at=Max("updated_at")).values()))
    if _assessor["stamp"] != stamp or _assessor["assessor"] is None:
        _assessor.update(stamp=stamp, assessor=Assessor(active_rules()))
    return _assessor["assessor"]


def assess_text(text: str, *, utility_category: bool = False, category_name: str = "") -> Assessment:
    """Assess a text with the centre's rules (used live on the intake page)."""
    return assessor().assess(text, utility_category=utility_category, category_name=category_name)


def assess(ticket: Ticket, *, at: datetime | None = None) -> UrgencyAssessment:
    """Assess the order's urgency and store the suggestion (the agent's own choice stays on the order)."""
    category = ticket.category
    result = assess_text(f"{ticket.title} {ticket.description}", utility_category=bool(category and category.is_utility),
                         category_name=category.name if category else "")
    return UrgencyAssessment.objects.create(
        ticket=ticket, created_at=at or clock.now(), level=result.level, reasons=[r.as_dict() for r in result.reasons],
        kinds=sorted({h.kind for h in result.hits}), transfer_to=result.transfer_to,
        life_threatening=result.life_threatening)


#: What triage reads of an order and its category chain (loading all ~50 columns of the order cost half again).
_TRIAGE_READS = ("title", "description", "caller_phone", "channel", "community_id", "street_id", "address",
                 "registered_at", "category__name", "category__is_utility", "category__parent_id", "category__parent__parent_id",
                 "category__parent__parent__parent_id")


def nobody_on_the_line(ticket: Ticket) -> bool:
    """Whether the order came in with no agent (坐席) on the line, who would see the 转 119 banner while typing:
    written on the portal, in an app, over the API, Open311 or by a partner platform (every channel but a
    call), or a call no account registered. A proactive order (主动发现) is the centre's own: never."""
    if ticket.channel == Channel.PROACTIVE:
        return False
    return ticket.channel != Channel.PHONE or ticket.registered_by_id is None


def alert_unattended(ticket: Ticket, assessment: UrgencyAssessment, *, at: datetime | None = None) -> Alert | None:
    """Alert the shift lead (危及生命安全（无坐席受理）) of a life-threatening order nobody took on the line.

    Nothing when the order is not life-threatening, an agent took the call, the order is already finished
    (transferred to 119 at once, say), or it has such an alert already.
    """
    if not (assessment.life_threatening and nobody_on_the_line(ticket)) or ticket.status in FINISHED:
        return None
    if Alert.objects.filter(kind=AlertKind.LIFE_UNATTENDED, tickets=ticket).exists():
        return None
    at = at or clock.now()
    transfer = f"，建议转 {assessment.transfer_to}" if assessment.transfer_to else ""
    alert = Alert.objects.create(kind=AlertKind.LIFE_UNATTENDED, master=ticket, callers=1, created_at=at,
                                 updated_at=at, title=f"疑似危及生命安全，无坐席受理{transfer}：{ticket.title}"[:200])
    alert.tickets.add(ticket)
    return alert


def on_registered(ticket_id: int) -> None:
    """Everything triage does for a newly registered order (idempotent: done work is not redone).

    A life-threatening order that came in with no agent on the line also alerts the shift lead, in the same
    transaction as its assessment (`alert_unattended`).
    """
    ticket = (Ticket.objects.select_related("category__parent__parent")
              .only(*_TRIAGE_READS, "status", "registered_by").filter(pk=ticket_id).first())
    if ticket is None:
        return
    if not UrgencyAssessment.objects.filter(ticket=ticket).exists():
        with transaction.atomic():
            alert_unattended(ticket, assess(ticket))
    if not DuplicateKey.objects.filter(ticket=ticket).exists():
        detect(ticket)


def reindex(ticket_id: int) -> None:
    """Rewrite an indexed order's duplicate-index row after its category or place was corrected (工单更正).

    Links and alerts already made stay as they were (they record what the agents saw); later calls are
    compared with the corrected order. An order never indexed is left to `on_registered`.
    """
    ticket = (Ticket.objects.select_related("category__parent__parent").only(*_TRIAGE_READS)
              .filter(pk=ticket_id).first())
    if ticket is not None and DuplicateKey.objects.filter(ticket=ticket).exists():
        index(ticket)


def merge_into_master(ticket: Ticket, *, master: Ticket, actor: User, note: str = "") -> Ticket:
    """One-click merge (并单) of a duplicate into its master through the lifecycle service."""
    from hotline.tickets import services

    # a confidential (保密) master is not named in the merged order's public note (it goes out to partners)
    default = "重复件已与相同诉求合并办理（智能研判提示）" if master.is_confidential \
        else f"重复件并入主工单 {master.number}（智能研判提示）"
    return services.merge(ticket, actor=actor, master=master, note=note or default)


def may_be_master(ticket: Ticket) -> bool:
    """Whether an order may still take duplicates (并单的主工单): open, not merged itself, not a proactive order."""
    from hotline.tickets.services.dispatching import MERGE_MASTER_STATUSES

    return (ticket.master_id is None and ticket.status in MERGE_MASTER_STATUSES
            and ticket.channel != Channel.PROACTIVE)


def alert_master(alert: Alert) -> Ticket:
    """The master an alert's orders are merged into now: its earliest order that may still be a master
    (`may_be_master`); the master recorded when the alert was raised when none may."""
    from hotline.tickets.services.dispatching import MERGE_MASTER_STATUSES

    return (alert.tickets.filter(master__isnull=True, status__in=MERGE_MASTER_STATUSES)
            .exclude(channel=Channel.PROACTIVE).order_by("registered_at", "pk").first() or alert.master)


def merge_alert(alert: Alert, *, actor: User) -> tuple[list[Ticket], list[tuple[Ticket, str]]]:
    """Merge every still-open order of an alert into its master, the earliest order still open, chosen now
    (`alert_master`) and recorded on the alert; returns (merged, refused with reasons)."""
    from hotline.tickets.exceptions import DomainError

    master = alert_master(alert)
    if master.pk != alert.master_id:
        alert.master = master
        alert.save(update_fields=["master"])
    merged: list[Ticket] = []
    refused: list[tuple[Ticket, str]] = []
    for ticket in alert.tickets.exclude(pk=master.pk).exclude(status__in=FINISHED).order_by("registered_at", "pk"):
        try:
            merged.append(merge_into_master(ticket, master=master, actor=actor))
        except DomainError as exc:
            refused.append((ticket, exc.message))
    return merged, refused


def acknowledge(alert: Alert, *, actor: User, note: str = "") -> Alert:
    """The shift lead has seen the alert (值班长知悉)."""
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return alert
    alert.status, alert.acknowledged_by, alert.acknowledged_at, alert.note = (
        AlertStatus.ACKNOWLEDGED, actor, clock.now(), note[:500])
    alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note"])
    return alert
