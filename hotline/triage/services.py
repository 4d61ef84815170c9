"""Triage on registration (受理研判): duplicate index, repeats, alerts for the shift lead, urgency; merging.

Run from the `ticket_changed` receiver after the registration committed (ids in, re-fetch, idempotent).
The rules are the pure functions of `hotline.intelligence.duplicates` and `.urgency`; this module reads
the candidates through the `DuplicateKey` indexes and stores what it found. It never changes an order:
merging goes through the lifecycle service `tickets.services.merge`. Repeats and clusters count callers:
the centre's own proactive orders (主动发现, 未诉先办) are indexed without caller or place (`key_for`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
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


def key_for(ticket: Ticket) -> dup.Key:
    """The duplicate-index key of an order (not stored).

    A proactive order (主动发现, 未诉先办) is the centre's own, not a caller's: it has no phone or place key,
    so it is never a repeat of a caller nor one of the callers at a place (it keeps its category and text,
    which routing reads).
    """
    top = ticket.category.ancestors_and_self()[-1] if ticket.category_id else None
    caller = ticket.channel != Channel.PROACTIVE
    return dup.Key(
        ticket_id=ticket.pk, phone=dup.phone_key(ticket.caller_phone) if caller else "",
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


def lookup(key: dup.Key, at: datetime, rules: dup.Settings | None = None, *,
           exclude: set[int] | frozenset[int] = frozenset()) -> dup.Findings:
    """The candidate search (benchmarked): two index range scans, then the rules on the signatures.

    `exclude`: orders never taken as candidates (the order's 拆单 relatives, `split_relatives`)."""
    rules = rules or TriageSettings.current().as_rules()
    skipped = [key.ticket_id, *exclude]
    fields = ("ticket_id", "phone", "category1", "place", "signature", "registered_at")
    same_caller: list[dup.Key] = []
    if key.phone:
        same_caller = _keys(DuplicateKey.objects.filter(
            phone=key.phone, registered_at__gte=at - timedelta(days=rules.repeat_days), registered_at__lte=at,
        ).exclude(ticket_id__in=skipped).order_by("-registered_at").values_list(*fields)[:MAX_CANDIDATES])
    same_place: list[dup.Key] = []
    if key.place:
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
    """Index the new order, link its repeats, and alert the shift lead of clusters and third calls."""
    at = at or clock.now()
    settings = TriageSettings.current().as_rules()
    key = key_for(ticket)
    findings = lookup(key, ticket.registered_at, settings, exclude=split_relatives(ticket))
    with transaction.atomic():
        index(ticket, key)
        for match in findings.repeats:
            RepeatLink.objects.get_or_create(ticket=ticket, earlier_id=match.ticket_id, defaults={
                "similarity": round(match.similarity, 3), "reason_data": match.reason.as_dict(), "created_at": at})
        repeat_ids = [m.ticket_id for m in findings.repeats]
        earlier = _earlier_chain(repeat_ids) if repeat_ids else {}
        chain = dup.chain_length(repeat_ids, earlier)
        if repeat_ids and chain >= settings.repeat_caller_alert_at:
            members = {ticket.pk, *repeat_ids, *{e for ids in earlier.values() for e in ids}}
            _raise_alert(AlertKind.REPEAT_CALLER, ticket, members, callers=1, at=at, phone=key.phone,
                         title=f"同一来电人第 {chain} 次反映同一诉求：{ticket.title}")
        if findings.is_cluster:
            members = {ticket.pk, *(m.ticket_id for m in findings.cluster)}
            _raise_alert(AlertKind.CLUSTER, ticket, members, callers=findings.cluster_callers, at=at,
                         place=key.place,
                         title=f"{findings.cluster_callers} 位来电人在 {settings.cluster_hours} 小时内反映同一地点同一问题："
                               f"{ticket.title}")
    return findings


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


def on_registered(ticket_id: int) -> None:
    """Everything triage does for a newly registered order (idempotent: done work is not redone)."""
    ticket = (Ticket.objects.select_related("category__parent__parent").only(*_TRIAGE_READS)
              .filter(pk=ticket_id).first())
    if ticket is None:
        return
    if not UrgencyAssessment.objects.filter(ticket=ticket).exists():
        assess(ticket)
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


def merge_alert(alert: Alert, *, actor: User) -> tuple[list[Ticket], list[tuple[Ticket, str]]]:
    """Merge every still-open order of an alert into its master; returns (merged, refused with reasons)."""
    from hotline.tickets.exceptions import DomainError

    merged: list[Ticket] = []
    refused: list[tuple[Ticket, str]] = []
    for ticket in alert.tickets.exclude(pk=alert.master_id).exclude(status__in=FINISHED).order_by("registered_at"):
        try:
            merged.append(merge_into_master(ticket, master=alert.master, actor=actor))
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
