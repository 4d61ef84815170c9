"""Keeping the rollups (统计汇总) current: per-order catch-up after each step, and a full or partial rebuild."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Case, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from hotline.dashboards.ledger import (
    Cell,
    Dims,
    Event,
    LoadCell,
    contribution,
    dims_of,
    lead_of,
    load_of,
    recategorised,
    top_categories,
)
from hotline.dashboards.models import COUNTERS, DailyRollup, OpenLoad, RollupMark
from hotline.sla.sweep import awaiting_extension
from hotline.tickets.choices import ACTIVE_ASSIGNMENT, WITH_UNIT, AssignmentRole
from hotline.tickets.models import Assignment, Ticket, TimelineEvent

logger = logging.getLogger(__name__)

#: Orders read per batch by a rebuild.
BATCH = 1000
_TICKET_FIELDS = ("id", "version", "status", "channel", "request_type", "district", "category")
_EVENT_FIELDS = ("ticket_id", "seq", "at", "action", "from_status", "to_status", "unit_id", "data")


# --- Writing deltas ---------------------------------------------------------------------------------


def _rollup_upsert_sql() -> str:
    """INSERT … ON CONFLICT DO UPDATE adding to the counters (SQLite ≥ 3.24 and PostgreSQL alike)."""
    q = connection.ops.quote_name
    table = q(DailyRollup._meta.db_table)
    keys = ", ".join(q(c) for c in ("kind", "unit_id", "day", "key"))
    cols = ", ".join(q(c) for c in COUNTERS)
    marks = ", ".join(["%s"] * (4 + len(COUNTERS)))
    sets = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in COUNTERS)
    # Identifiers only come from the model; every value is a bound parameter.
    return (f"INSERT INTO {table} ({keys}, {cols}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT ({keys}) DO UPDATE SET {sets}")


def _load_upsert_sql() -> str:
    """INSERT … ON CONFLICT DO UPDATE adding to the open load."""
    q = connection.ops.quote_name
    table, unit, due, n = q(OpenLoad._meta.db_table), q("unit_id"), q("due_hour"), q("open")
    return (f"INSERT INTO {table} ({unit}, {due}, {n}) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT ({unit}, {due}) DO UPDATE SET {n} = {table}.{n} + excluded.{n}")


def apply_cells(cells: Counter[Cell]) -> int:
    """Add these counts (negative ones subtract) to the rollup rows, creating rows as needed."""
    rows: dict[tuple[str, int, date, str], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    index = {c: i for i, c in enumerate(COUNTERS)}
    for (kind, unit, day, key, counter), n in cells.items():
        if n:
            rows[(kind, unit, day, key)][index[counter]] += n
    params = [(kind, unit, day.isoformat(), key, *values) for (kind, unit, day, key), values in rows.items()
              if any(values)]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(_rollup_upsert_sql(), params)
    return len(params)


def apply_load(loads: Counter[LoadCell]) -> None:
    """Add these counts to the open-load rows."""
    params = [(unit, hour, n) for (unit, hour), n in loads.items() if n]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(_load_upsert_sql(), params)


# --- Incremental: one order ------------------------------------------------------------------------


def _events(ticket_ids: Sequence[int], *, upto: dict[int, int] | None = None) -> dict[int, list[Event]]:
    """The timeline events of these orders, in order (only seq ≤ `upto[ticket]`, if given)."""
    found: dict[int, list[Event]] = defaultdict(list)
    rows = TimelineEvent.objects.filter(ticket_id__in=list(ticket_ids)).order_by("ticket_id", "seq")
    values = rows.values_list(*_EVENT_FIELDS)
    # A rebuild streams (a server-side cursor on PostgreSQL); one order's few events are read at once.
    for tid, seq, at, action, before, after, unit, data in (values.iterator(2000) if len(ticket_ids) > 1 else values):
        if upto is not None and seq > upto.get(tid, 0):
            continue
        found[tid].append(Event(seq, at, action, before, after, unit, data or {}))
    return found


def _active_leads(**where: object) -> QuerySet[Assignment]:
    """Active lead assignments, each with `held`: its deadline held by a timely extension request still
    waiting for the centre (the SLA sweep's own condition), so not overdue until the centre decides."""
    return Assignment.objects.filter(role=AssignmentRole.LEAD, status__in=ACTIVE_ASSIGNMENT, **where).annotate(
        held=Case(When(awaiting_extension(), then=Value(True)), default=Value(False), output_field=BooleanField()))


def _mark_dims(mark: RollupMark) -> Dims:
    return Dims(channel=mark.channel, request_type=mark.request_type, category=mark.category,
                district=mark.district, proactive=mark.proactive)


def refresh_ticket(ticket_id: int) -> bool:
    """Bring the rollups up to date with one order's stored state; False if there was nothing to do.

    Idempotent and order-independent: the order's last counted step (`RollupMark.seq`) is compared with
    its `version`; what is already counted is never counted again, and any steps whose signal was lost
    are caught up. Runs in its own transaction, with the order's mark row locked.
    """
    counted = RollupMark.objects.filter(ticket_id=OuterRef("pk")).values("seq")[:1]
    if Ticket.objects.filter(pk=ticket_id, version__lte=Subquery(counted)).exists():
        return False  # the usual re-delivery or later signal of a caught-up order: one read, no transaction
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _refresh(ticket_id)
        except IntegrityError:  # another process created the mark at the same moment: read it and retry
            if attempt == 2:
                raise
    return False  # pragma: no cover


def _refresh(ticket_id: int) -> bool:
    ticket = Ticket.objects.only(*_TICKET_FIELDS).filter(pk=ticket_id).first()
    if ticket is None:
        return False
    mark = RollupMark.objects.select_for_update().filter(ticket_id=ticket_id).first()
    if mark is not None and mark.seq >= ticket.version:
        return False
    dims = dims_of(ticket, top_categories())
    events = _events([ticket_id], upto={ticket_id: ticket.version}).get(ticket_id, [])
    version = events[-1].seq if events else 0
    cells = contribution(dims, events)
    loads: Counter[LoadCell] = Counter()
    new_load = load_of(ticket.status, lead_of(_active_leads(ticket_id=ticket_id)))
    if new_load is not None:
        loads[new_load] += 1
    if mark is None:
        mark = RollupMark(ticket_id=ticket_id)
        creating = True
    else:
        creating = False
        counted = [e for e in events if e.seq <= mark.seq]
        cells.subtract(contribution(_mark_dims(mark), counted))
        if mark.load_unit:
            loads[(mark.load_unit, mark.load_due)] -= 1
    apply_cells(cells)
    apply_load(loads)
    mark.seq = version
    mark.channel, mark.request_type, mark.category, mark.district, mark.proactive = (
        dims.channel, dims.request_type, dims.category, dims.district, dims.proactive)
    mark.load_unit, mark.load_due = new_load if new_load is not None else (0, 0)
    if creating:
        mark.save(force_insert=True)
    else:
        mark.save()
    return True


# --- Rebuild ----------------------------------------------------------------------------------------


@dataclass
class RebuildResult:
    """What a rebuild recomputed."""

    orders: int = 0
    rows: int = 0
    since: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def rebuild(*, since: date | None = None) -> RebuildResult:
    """Recompute the rollups from the orders and their timelines (`hotline rollups-rebuild`).

    Without `since` every table is recomputed in memory batch by batch (reads only, so steps go on
    meanwhile), then swapped in by one short transaction: readers see the old tables until the new
    ones are complete. Orders that moved during the reading are caught up afterwards like lost signals.
    With `since`, only days from then are recomputed, in one transaction, for the orders with a step
    since then (earlier days are assumed right); their marks and open load are renewed too.
    """
    if since is None:
        return _rebuild_all()
    if RollupMark.objects.filter(proactive__isnull=True).exists():
        raise RebuildRefused("the rollups have not been rebuilt in full since the upgrade that changed "
                             "直接答复率's counters: run `hotline rollups-rebuild` once without --since")
    return _rebuild_since(since)


class RebuildRefused(RuntimeError):
    """A partial rebuild (`since`) that would leave the counters wrong: a full one is needed first."""


def _batches(ids: Iterable[int]) -> Iterable[list[int]]:
    batch: list[int] = []
    for tid in ids:
        batch.append(tid)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _rebuild_all() -> RebuildResult:
    result = RebuildResult()
    cells: Counter[Cell] = Counter()
    loads: Counter[LoadCell] = Counter()
    marks: list[RollupMark] = []
    for batch in _batches(Ticket.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=BATCH * 5)):
        part = _compute_batch(batch, None)
        cells.update(part.cells)
        loads.update(part.loads)
        marks.extend(part.marks)
        result.orders += len(batch)
    with transaction.atomic():  # the swap: the only time a rebuild holds the write lock
        DailyRollup.objects.all().delete()
        OpenLoad.objects.all().delete()
        RollupMark.objects.all().delete()
        RollupMark.objects.bulk_create(marks, batch_size=500)
        apply_load(loads)
        result.rows = apply_cells(cells)
    # Steps taken while the batches were read were counted in the tables just replaced: count them again.
    counted = RollupMark.objects.filter(ticket_id=OuterRef("pk")).values("seq")[:1]
    moved = (Ticket.objects.annotate(_seq=Subquery(counted))
             .filter(Q(_seq__isnull=True) | Q(version__gt=F("_seq"))).values_list("pk", flat=True))
    refresh_all(list(moved))
    return result


@transaction.atomic
def _rebuild_since(since: date) -> RebuildResult:
    result = RebuildResult(since=since)
    DailyRollup.objects.filter(day__gte=since).delete()
    ids = (TimelineEvent.objects.filter(at__gte=_start_of(since)).order_by("ticket_id")
           .values_list("ticket_id", flat=True).distinct())
    for batch in _batches(ids.iterator(chunk_size=BATCH * 5)):
        part = _compute_batch(batch, since)
        RollupMark.objects.filter(ticket_id__in=[m.ticket_id for m in part.marks]).delete()
        RollupMark.objects.bulk_create(part.marks, batch_size=500)
        apply_load(part.loads)
        result.rows += apply_cells(part.cells)
        result.orders += len(batch)
    DailyRollup.objects.filter(**{c: 0 for c in COUNTERS}).delete()
    OpenLoad.objects.filter(open=0).delete()
    return result


@dataclass
class _Batch:
    """What a batch of orders contributes: rollup cells, open load and their new marks."""

    cells: Counter[Cell]
    loads: Counter[LoadCell]
    marks: list[RollupMark]


def _compute_batch(ticket_ids: list[int], since: date | None) -> _Batch:
    """The contribution of these orders as stored now (reads only; with `since`, minus their old open load)."""
    tickets = list(Ticket.objects.only(*_TICKET_FIELDS).filter(pk__in=ticket_ids))
    tops = top_categories()
    versions = {t.pk: t.version for t in tickets}
    events = _events(ticket_ids, upto=versions)
    open_ids = [t.pk for t in tickets if t.status in WITH_UNIT]
    leads = {a.ticket_id: a for a in _active_leads(ticket_id__in=open_ids)}
    old_marks = {} if since is None else RollupMark.objects.in_bulk(ticket_ids)
    cells: Counter[Cell] = Counter()
    loads: Counter[LoadCell] = Counter()
    marks: list[RollupMark] = []
    for t in tickets:
        dims = dims_of(t, tops)
        evs = events.get(t.pk, [])
        cells.update(contribution(dims, evs, since=since))
        new_load = load_of(t.status, leads.get(t.pk))
        if new_load is not None:
            loads[new_load] += 1
        old = old_marks.get(t.pk)
        if old is not None and old.load_unit:
            loads[(old.load_unit, old.load_due)] -= 1
        unit, due = new_load if new_load is not None else (0, 0)
        marks.append(RollupMark(ticket_id=t.pk, seq=evs[-1].seq if evs else 0, channel=dims.channel,
                                request_type=dims.request_type, category=dims.category, district=dims.district,
                                proactive=dims.proactive, load_unit=unit, load_due=due))
    return _Batch(cells, loads, marks)


# --- A category moved to another parent ---------------------------------------------------------------

#: At most this many orders are re-counted right after a category move (about 0.3 ms each on SQLite, so
#: a few seconds); a bigger branch leaves the rest to `hotline rollups-rebuild --moved` (docs/dashboards.md).
RECOUNT_INLINE = 10_000


@dataclass
class RecountResult:
    """What a re-count of moved categories did: orders moved to their new level-1 category, and left over."""

    orders: int = 0
    left: int = 0


def _branch(category_ids: Iterable[int]) -> list[int]:
    """The categories and every category below them (the taxonomy has three levels)."""
    from hotline.taxonomy.models import Category

    ids = list(category_ids)
    return list(Category.objects.filter(Q(pk__in=ids) | Q(parent__in=ids) | Q(parent__parent__in=ids))
                .values_list("pk", flat=True))


def stale_orders(category_ids: Iterable[int] | None = None) -> list[int]:
    """Orders counted under a level-1 category their category no longer belongs to (a category moved to
    another parent), among the orders of these categories' branches (all orders if None), by id."""
    tops = top_categories()
    marks = RollupMark.objects.order_by("ticket_id")
    if category_ids is not None:
        marks = marks.filter(ticket__category__in=_branch(category_ids))
    rows = marks.values_list("ticket_id", "category", "ticket__category_id").iterator(chunk_size=BATCH * 5)
    return [tid for tid, counted, cat in rows if counted != ((tops.get(cat, cat) or 0) if cat else 0)]


def recount_moved(category_ids: Iterable[int] | None = None, *, limit: int | None = None) -> RecountResult:
    """Move the counts of orders whose category moved to another level-1 category (the admin changed a
    category's parent) from the old level-1 category to the new one, on every day they were counted.

    Only the orders of the moved branches (`category_ids`; every order if None) whose mark names another
    level-1 category are read: their counts up to the mark's step leave the old level-1 category's rows
    for the new one's (`ledger.recategorised`). Batch by batch, each in its own short transaction with the batch's
    marks locked (steps go on meanwhile); at most `limit` orders, the rest reported as left over.
    """
    stale = stale_orders(category_ids)
    todo = stale if limit is None else stale[:limit]
    result = RecountResult(left=len(stale) - len(todo))
    for batch in _batches(todo):
        with transaction.atomic():
            result.orders += _recount_batch(batch)
    return result


def _recount_batch(ticket_ids: list[int]) -> int:
    tops = top_categories()
    marks = list(RollupMark.objects.select_for_update(of=("self",)).filter(ticket_id__in=ticket_ids)
                 .annotate(current=F("ticket__category_id")))
    moved = []
    for m in marks:
        top = (tops.get(m.current, m.current) or 0) if m.current else 0
        if m.category != top:
            moved.append((m, top))
    if not moved:
        return 0
    events = _events([m.ticket_id for m, _top in moved], upto={m.ticket_id: m.seq for m, _top in moved})
    cells: Counter[Cell] = Counter()
    by_top: dict[int, list[int]] = defaultdict(list)
    for mark, top in moved:
        cells.update(recategorised(_mark_dims(mark), events.get(mark.ticket_id, []), top))
        by_top[top].append(mark.ticket_id)
    apply_cells(cells)
    for top, ids in by_top.items():  # usually one: the branch's new level-1 category
        RollupMark.objects.filter(ticket_id__in=ids).update(category=top)
    return len(moved)


def snapshot() -> dict[str, Counter]:
    """The rollups' non-zero contents, for comparing an incremental state with a rebuilt one (tests, checks)."""
    rows: Counter = Counter()
    for row in DailyRollup.objects.values("kind", "unit_id", "day", "key", *COUNTERS):
        for c in COUNTERS:
            if row[c]:
                rows[(row["kind"], row["unit_id"], row["day"], row["key"], c)] = row[c]
    load: Counter = Counter({(r["unit_id"], r["due_hour"]): r["open"]
                             for r in OpenLoad.objects.values("unit_id", "due_hour", "open") if r["open"]})
    return {"rollups": rows, "load": load}


def refresh_all(ticket_ids: Iterable[int]) -> int:
    """Refresh several orders (each in its own transaction); returns how many changed anything."""
    return sum(1 for tid in ticket_ids if refresh_ticket(tid))
