"""Dispatch recommendation (派单推荐) on real orders: gather the sources, store the result, auto-dispatch.

The formula lives in `hotline.intelligence.dispatch`; this module feeds it the catalogue entry for the
order, the classifier's level-1 probabilities mapped through the catalogue, and the similar closed
orders of its history, then stores a `DispatchRecommendation`. Auto-dispatch goes through the real
dispatch service with the dedicated system user 「自动派单」.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core import clock
from hotline.intelligence import dispatch as algo
from hotline.intelligence import duplicates as dup
from hotline.orgs.models import HandlingUnit
from hotline.routing.models import DispatchRecommendation, DispatchRule, DispatchSettings
from hotline.routing.reasons import describe_row
from hotline.routing.selectors import Catalogue, Entry, catalogue, rule_for  # noqa: F401 - rule_for re-exported
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.tickets.choices import AssignmentRole, AssignmentStatus, Decision, Status
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Assignment, ReturnRequest, Ticket

logger = logging.getLogger(__name__)

SYSTEM_USERNAME = "autodispatch"
SYSTEM_DISPLAY_NAME = "自动派单"
#: Closed orders of the same level-1 category read for the history source, and how many neighbours count.
HISTORY_CANDIDATES = 300
NEIGHBOURS = 16
MIN_SIMILARITY = 0.12
#: The trigger of a recommendation made again because the one before it was stale (`is_stale`).
REFRESH_TRIGGER = "refresh"


def system_dispatcher() -> User:
    """The service account that auto-dispatches (a dispatcher who cannot sign in)."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, role=Role.DISPATCHER, display_name=SYSTEM_DISPLAY_NAME, is_active=True)
        user.set_unusable_password()
        user.save()
    return user


def area_of(ticket: Ticket) -> HandlingUnit | None:
    """The finest known area of the order: community, street or district."""
    return ticket.community or ticket.street or ticket.district


def _unit(unit: HandlingUnit) -> algo.Unit:
    return algo.Unit(unit.pk, unit.name, unit.kind)


def _hit(entry: Entry | None) -> algo.RuleHit | None:
    if entry is None:
        return None
    return algo.RuleHit(rule_id=entry.rule_id, category=entry.category, lead=algo.Unit(*entry.lead),
                        assisting=tuple(algo.Unit(*u) for u in entry.assisting), legal_basis=entry.legal_basis,
                        area=entry.area_name)


def model_version() -> str:
    """The shipped classifier's identity (creation time and checksum), or "" when it cannot be loaded."""
    from hotline.intelligence.workflow import load_model
    from hotline.triage.training import model_dir

    try:
        meta = load_model(model_dir()).metadata
    except Exception:  # noqa: BLE001 - a missing model only removes one source
        return ""
    return f"classifier {meta.get('created_at', '?')} {str(meta.get('checksum', ''))[:12]}"


def _vote_entry(ticket: Ticket, book: Catalogue, area_path: str, label: str) -> Entry | None:
    """The catalogue entry a classifier class maps to in the order's area (the order's own, finer category
    for the class it belongs to)."""
    own = book.chain(ticket.category_id)
    category_id = book.level1.get(label)
    if own and category_id is not None and own[-1] == category_id:
        category_id = ticket.category_id  # the agent's finer category for the class it belongs to
    return book.rule_for(category_id, area_path) if category_id is not None else None


def _model_votes(ticket: Ticket, book: Catalogue, area_path: str) -> list[algo.ModelVote]:
    """The classifier's level-1 probabilities, each mapped through the catalogue in the order's area."""
    from hotline.intelligence.workflow import load_model
    from hotline.triage.training import model_dir, order_text

    try:
        model = load_model(model_dir())
    except Exception:  # noqa: BLE001
        logger.warning("classifier unavailable; recommending without it")
        return []
    probabilities = model.predict_proba([order_text(ticket.title, ticket.description)])[0]
    return [algo.ModelVote(label, float(p), _hit(_vote_entry(ticket, book, area_path, label)))
            for label, p in zip(model.classes, probabilities, strict=True) if p >= 0.02]


def _entry_key(entry: Entry | None) -> list | None:
    """What a recommendation read of one catalogue entry: the entry, its lead, its active assisting units."""
    return None if entry is None else [entry.rule_id, entry.lead[0], sorted(u[0] for u in entry.assisting)]


def _reads(ticket: Ticket, book: Catalogue, area_path: str, labels: list[str]) -> dict:
    """The catalogue as a recommendation for the order reads it now: the order's category and place, its own
    entry and the entry each classifier class maps to (stored with the recommendation, see `is_stale`)."""
    return {"category": ticket.category_id, "area": area_path,
            "rule": _entry_key(book.rule_for(ticket.category_id, area_path)),
            "votes": [_entry_key(_vote_entry(ticket, book, area_path, label)) for label in labels]}


def final_units(ticket_ids: list[int]) -> dict[int, HandlingUnit]:
    """Where the centre finally sent each order: its lead dispatch that was completed, else its first accepted one.

    Only the centre's own lead dispatches count: an order a unit handed down (下派) and the unit below
    completed counts for the unit that handed it down, the one the centre chose. A dispatch counts as
    completed when it, or the unit it handed the order down to (at any depth), completed the order; it is
    accepted when the unit signed it and did not return it (a return the centre accepted leaves the
    assignment 已撤回 with its signing kept: it is not the decision either). Orders with neither (never
    dispatched, or only returned) have no final decision yet.
    """
    completed: dict[int, HandlingUnit] = {}
    accepted: dict[int, HandlingUnit] = {}
    returned = ReturnRequest.objects.filter(assignment=OuterRef("pk"), status=Decision.APPROVED)
    rows = list(Assignment.objects.filter(ticket_id__in=ticket_ids, role=AssignmentRole.LEAD)
                .exclude(status=AssignmentStatus.RETURNED).exclude(Exists(returned))
                .select_related("unit").order_by("dispatched_at", "id"))
    by_id = {a.pk: a for a in rows}

    def centres_dispatch(a: Assignment) -> Assignment | None:
        seen = {a.pk}
        while a.forwarded_from_id is not None:
            above = by_id.get(a.forwarded_from_id)
            if above is None or above.pk in seen:  # handed down by a dispatch since returned: not the decision
                return None
            seen.add(above.pk)
            a = above
        return a

    for a in rows:
        if a.status == AssignmentStatus.COMPLETED:
            root = centres_dispatch(a)
            if root is not None:
                completed[a.ticket_id] = root.unit
        elif a.forwarded_from_id is None and a.signed_at is not None:
            accepted.setdefault(a.ticket_id, a.unit)
    return accepted | completed


def _neighbours(ticket: Ticket, book: Catalogue, at: datetime, days: int) -> list[algo.Neighbour]:
    """The most similar orders of the same level-1 category closed before `at`, and where they ended.

    Reads the text signatures of the duplicate index (`triage.DuplicateKey`, one index range scan on
    level-1 category and time) instead of the orders' texts.
    """
    from hotline.triage.models import DuplicateKey

    chain = book.chain(ticket.category_id)
    if not chain:
        return []
    rows = list(
        DuplicateKey.objects.filter(category1=chain[-1], registered_at__gte=at - timedelta(days=days),
                                    registered_at__lt=at, ticket__status=Status.CLOSED, ticket__closed_at__lt=at,
                                    ticket__is_confidential=False)
        .exclude(ticket_id=ticket.pk).order_by("-registered_at").values_list("ticket_id", "signature")
        [:HISTORY_CANDIDATES])
    if not rows:
        return []
    alike = dup.similarities(dup.signature(f"{ticket.title} {ticket.description}"), [bytes(s) for _, s in rows])
    scored = sorted(((float(a), pk) for (pk, _sig), a in zip(rows, alike, strict=True)
                     if a >= MIN_SIMILARITY), reverse=True)[:NEIGHBOURS]
    finals = final_units([pk for _, pk in scored])
    return [algo.Neighbour(pk, round(s, 3), _unit(finals[pk])) for s, pk in scored if pk in finals]


def _district_paths() -> list[str]:
    """The paths of the districts (区), read once per follow-up task."""
    from hotline.core import memo
    from hotline.orgs.choices import UnitKind

    return memo.once("routing.district_paths", lambda: list(
        HandlingUnit.objects.filter(kind=UnitKind.DISTRICT).values_list("path", flat=True)))


def _excluded(ticket: Ticket, hit: algo.RuleHit | None, votes: list[algo.ModelVote],
              neighbours: list[algo.Neighbour]) -> frozenset[int]:
    """Units the recommendation may not offer: inactive ones (停用), and units of a district (its government,
    departments, streets, communities) other than the order's own, when only history names them (属地).

    An order without a district gets no district's unit from history. The catalogue's entries are
    matched to the order's area already, so their leads are only checked for being active.
    """
    ids = {n.final.id for n in neighbours} | {v.rule.lead.id for v in votes if v.rule is not None}
    if hit is not None:
        ids.add(hit.lead.id)
    if not ids:
        return frozenset()
    rows = HandlingUnit.objects.filter(pk__in=ids).values_list("pk", "path", "is_active")
    catalogue_ids = {v.rule.lead.id for v in votes if v.rule is not None} | ({hit.lead.id} if hit else set())
    own = ticket.district.path if ticket.district_id else None
    districts = _district_paths()
    excluded = set(ids - {pk for pk, _path, _active in rows})  # deleted since
    for pk, path, active in rows:
        if not active:
            excluded.add(pk)
        elif pk not in catalogue_ids and any(path.startswith(d) for d in districts) and not (
                own and path.startswith(own)):
            excluded.add(pk)
    return frozenset(excluded)


def build(ticket: Ticket, *, trigger: str = "", at: datetime | None = None) -> DispatchRecommendation:
    """Compute the dispatch recommendation for an order (history as known at `at`), not yet stored."""
    at = at or clock.now()
    settings = DispatchSettings.current()
    area = area_of(ticket)
    area_path = area.path if area else ""
    book = catalogue()
    entry = book.rule_for(ticket.category_id, area_path)
    hit = _hit(entry)
    votes = _model_votes(ticket, book, area_path)
    neighbours = _neighbours(ticket, book, min(at, ticket.registered_at), settings.history_days)
    result = algo.recommend(rule=hit, votes=votes, neighbours=neighbours,
                            excluded=_excluded(ticket, hit, votes, neighbours))
    top = result.top
    return DispatchRecommendation(
        ticket=ticket, created_at=at, trigger=trigger, model_version=model_version(),
        formula_version=result.version, category=ticket.category, rule_id=entry.rule_id if entry else None,
        rule_label=(f"{entry.category} @ {entry.area_name or '全市'} → {entry.lead[1]}"[:255] if entry else ""),
        top_unit_id=top.unit.id if top else None, confidence=top.confidence if top else 0.0,
        top3=[{"unit_id": c.unit.id, "name": c.unit.name, "kind": c.unit.kind, "confidence": c.confidence,
               "reasons": [r.as_dict() for r in c.reasons], "parts": c.parts, "assisting": [u.id for u in c.assisting],
               "assisting_names": [u.name for u in c.assisting]} for c in result.candidates],
        scores={"weights": result.weights,
                "model": [{"label": v.label, "p": round(v.probability, 4),
                           "unit_id": v.rule.lead.id if v.rule else None} for v in votes],
                "neighbours": [{"ticket_id": n.ticket_id, "similarity": n.similarity, "unit_id": n.final.id}
                               for n in neighbours],
                "reads": _reads(ticket, book, area_path, [v.label for v in votes])},
    )


def recommend(ticket: Ticket, *, trigger: str = "", at: datetime | None = None) -> DispatchRecommendation:
    """Compute and store the dispatch recommendation for an order."""
    rec = build(ticket, trigger=trigger, at=at)
    rec.save()
    return rec


def latest(ticket: Ticket) -> DispatchRecommendation | None:
    """The order's most recent recommendation."""
    return ticket.dispatch_recommendations.order_by("-created_at", "-id").first()


def is_stale(rec: DispatchRecommendation, ticket: Ticket) -> bool:
    """Whether what the recommendation read has changed since it was made, so that it no longer says what the
    catalogue says: the order's category or place corrected, its catalogue entry (or an entry a classifier
    class maps to) edited, switched off, added or removed, or a unit it offers switched off or deleted.

    Cheap (the current catalogue snapshot and one query, neither the classifier nor history is read again).
    A recommendation stored before its reads were recorded is checked on its category, entry and lead.
    """
    if rec.category_id != ticket.category_id:
        return True
    area = area_of(ticket)
    area_path = area.path if area else ""
    book = catalogue()
    reads = (rec.scores or {}).get("reads")
    if reads is not None:
        labels = [v.get("label", "") for v in (rec.scores or {}).get("model", [])]
        if reads != _reads(ticket, book, area_path, labels):
            return True
    else:
        entry = book.rule_for(ticket.category_id, area_path)
        lead = next((row["unit_id"] for row in rec.top3 if row.get("parts", {}).get("rule")), None)
        if (entry.rule_id if entry else None) != rec.rule_id or (entry.lead[0] if entry else None) != lead:
            return True
    offered = {row["unit_id"] for row in rec.top3} | {u for row in rec.top3 for u in row.get("assisting", ())}
    return bool(offered) and HandlingUnit.objects.filter(pk__in=offered, is_active=True).count() != len(offered)


def current(ticket: Ticket, *, trigger: str) -> DispatchRecommendation:
    """The order's recommendation as of now: its latest one, or a new one (stored) when there is none or the
    latest is stale (`is_stale`). The first one stays the one `evaluate-dispatch` judges."""
    rec = latest(ticket)
    if rec is not None and not is_stale(rec, ticket):
        return rec
    return recommend(ticket, trigger=trigger if rec is None else REFRESH_TRIGGER)


def _catalogue_still_names(rec: DispatchRecommendation) -> bool:
    """Whether the entry the recommendation cites is, in the database, still active and led by its top unit
    (another process may have edited the catalogue since this one's snapshot was taken)."""
    return rec.rule_id is not None and DispatchRule.objects.filter(
        pk=rec.rule_id, is_active=True, lead_unit_id=rec.top_unit_id, lead_unit__is_active=True).exists()


def _urgency_blocks(ticket: Ticket) -> str:
    """Why the urgency assessment stands in the way ("" when it does not).

    Fails closed: an order the triage receiver did not assess (it logs its errors and moves on) is
    assessed here with the centre's rules (not stored); when that fails too, a person dispatches it.
    """
    try:
        from hotline.triage import services as triage
        from hotline.triage.models import UrgencyAssessment

        assessment = UrgencyAssessment.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
        if assessment is not None:
            level, life = assessment.level, assessment.life_threatening
        else:
            category = ticket.category
            result = triage.assess_text(f"{ticket.title} {ticket.description}",
                                        utility_category=bool(category and category.is_utility),
                                        category_name=category.name if category else "")
            level, life = result.level, result.life_threatening
    except Exception:
        logger.exception("urgency of ticket %s unknown; left to a person", ticket.pk)
        return "未完成紧急研判"
    return "研判为紧急" if level == Urgency.URGENT or life else ""


def _blocked(ticket: Ticket) -> str:
    """Why this order must be dispatched by a person ("" when nothing stands in the way)."""
    if ticket.is_confidential:
        return "保密件"
    if ticket.urgency == Urgency.URGENT:
        return "紧急件"
    if ticket.request_type == RequestType.REPORT:
        return "举报件"  # a report about a unit could otherwise reach that unit with no one looking
    if ticket.return_count:
        return "曾被退单"
    return _urgency_blocks(ticket)


def auto_dispatch(ticket_id: int) -> Ticket | None:
    """Dispatch the order to its top recommendation when the centre allows it and confidence is high enough.

    Does nothing (returns None) when auto-dispatch is off, the order is no longer waiting for dispatch,
    is confidential, urgent (as registered or assessed, or its urgency could not be assessed), a report
    (举报) or was returned before, when the catalogue does not name the top unit as lead for the order,
    or when the confidence is below the threshold. A recommendation made before the catalogue (or the
    order's category or place, or a unit it offers) changed is first made again and stored (trigger
    「refresh」); the entry it cites is checked in the database right before dispatching.
    """
    settings = DispatchSettings.current()
    if not settings.auto_dispatch:
        return None
    ticket = Ticket.objects.select_related("category", "community", "street", "district").filter(
        pk=ticket_id).first()
    if ticket is None or ticket.status != Status.PENDING_DISPATCH or _blocked(ticket):
        return None
    rec = current(ticket, trigger="send_to_dispatch")  # rebuilt when the catalogue changed since registration
    if not rec.top3 or rec.confidence < settings.threshold or rec.top_unit is None:
        return None
    top = rec.top3[0]
    if not top.get("parts", {}).get("rule") or not rec.top_unit.is_active or not _catalogue_still_names(rec):
        return None  # the model and history alone never dispatch: the catalogue must name the unit
    assisting = list(HandlingUnit.objects.filter(pk__in=top["assisting"], is_active=True))
    with translation.override(django_settings.LANGUAGE_CODE):  # the timeline's notes are written in Chinese
        reason = describe_row(top)
    note = (f"自动派单：{reason}（置信度 {rec.confidence:.2f} ≥ 阈值 {settings.threshold:.2f}）")[:2000]
    from hotline.tickets import services

    try:
        with transaction.atomic():
            ticket = services.dispatch(ticket, actor=system_dispatcher(), lead=rec.top_unit,
                                       assisting=[u for u in assisting if u != rec.top_unit], note=note)
            DispatchRecommendation.objects.filter(pk=rec.pk).update(auto_dispatched=True)
    except DomainError as exc:
        logger.info("auto-dispatch of %s refused: %s", ticket_id, exc)
        return None
    return ticket
