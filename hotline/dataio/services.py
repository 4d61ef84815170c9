"""The import service: historical orders written with their own timeline, batch by batch.

Historical orders did not happen here, so they are not replayed through the lifecycle services (those
stamp every step with `clock.now()` and announce it to the citizen). Instead each order is written with
the events its source attests, at the source's own times, every event marked
`data={"imported": source, "line": n, "external_id": id}`. One transaction per batch; a batch that is
committed is remembered in `ImportedRecord`, so an interrupted or repeated import never duplicates.
No `ticket_changed` signal is sent: citizens are not notified about history. The dashboards' rollups are
refreshed for each committed batch's orders directly (`hotline.dashboards.services.refresh_all`), in the
same process; each imported dispatch names its lead unit (`data.lead`), so 收件量 is credited to the unit.
The batch's orders recent enough to be found by a new order's duplicate lookup are put in triage's index
(`hotline.triage.services.index_history`), without links or alerts.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core import clock
from hotline.dataio.models import ImportedRecord, ImportRun, ImportWarning
from hotline.dataio.readers import RawRow, read_rows
from hotline.dataio.rows import RowError, RowWarning, SourceOrder
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla import services as sla
from hotline.sla.choices import Basis, Light
from hotline.sla.models import SlaPolicy
from hotline.taxonomy.models import Category
from hotline.taxonomy.services import is_utility_name
from hotline.tickets.choices import Action, AssignmentRole, AssignmentStatus, Channel, Decision, Status
from hotline.tickets.models import Assignment, Reply, Ticket, TimelineEvent

logger = logging.getLogger(__name__)

#: Orders written per transaction.
BATCH = 500
#: The parent of every unit the import has to create (named in a source, unknown here).
IMPORTED_UNITS_CODE = "import-units"
IMPORTED_UNITS_NAME = "历史数据导入单位"
#: The (inactive) account that authors imported replies.
IMPORT_USERNAME = "hotline-import"
#: The reason for a row whose dates overflow a calculation (the shared checks normally catch them first).
OUT_OF_RANGE = "日期超出可处理范围"


@dataclass
class Rejection:
    """A row that was not imported: where it is, which record, and why."""

    line: int
    external_id: str
    reason: str


@dataclass
class ImportResult:
    """The outcome of one import."""

    imported: int = 0
    rejected: int = 0
    skipped: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    run: ImportRun | None = None
    #: What imported rows lost or had replaced (one row may have several), and how many rows that is.
    warnings: list[RowWarning] = field(default_factory=list)
    warned: int = 0

    @property
    def summary(self) -> str:
        """The last line `hotline import` prints (read by scripts: unchanged by warnings)."""
        return f"imported={self.imported} rejected={self.rejected} skipped={self.skipped}"

    @property
    def summary_zh(self) -> str:
        """The counts for a person: 导入 N 行，拒绝 M 行，警告 K 行."""
        return f"导入 {self.imported} 行，拒绝 {self.rejected} 行，警告 {self.warned} 行"


class Resolver:
    """Finds (or, for imported branches, creates) the categories and units rows name, with caches."""

    def __init__(self) -> None:
        self.categories: dict[str, Category] = {c.full_name: c for c in Category.objects.all()}
        self.units: dict[str, HandlingUnit] = {}
        self._parent: HandlingUnit | None = None

    def category(self, order: SourceOrder) -> Category | None:
        if not order.category_path:
            return None
        names = [n.replace("/", "／").strip() for n in order.category_path]  # lengths checked (rows.check)
        full = "/".join(names)
        found = self.categories.get(full)
        if found is not None:
            if not found.is_active:
                raise RowError(f"分类「{full}」已停用")
            return found
        if not order.create_category:
            raise RowError(f"未知分类「{full}」（请先加载分类体系：hotline load-taxonomy）")
        parent = None
        for depth in range(1, len(names) + 1):
            path = "/".join(names[:depth])
            node = self.categories.get(path)
            if node is None:
                node = Category.objects.create(name=names[depth - 1], parent=parent, level=depth, full_name=path,
                                               is_utility=is_utility_name(path))
                self.categories[path] = node
            parent = node
        return parent

    def unit(self, name: str) -> HandlingUnit | None:
        name = name.strip()  # its length checked (rows.check)
        if not name:
            return None
        if name not in self.units:
            found = HandlingUnit.objects.filter(name=name, is_active=True).order_by("depth", "pk").first()
            if found is None:
                import hashlib

                code = "imp-" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:16]
                found = HandlingUnit.objects.filter(code=code).first() or HandlingUnit.objects.create(
                    code=code, name=name, kind=UnitKind.DEPARTMENT, parent=self.imported_parent())
            self.units[name] = found
        return self.units[name]

    def imported_parent(self) -> HandlingUnit:
        if self._parent is None:
            self._parent = HandlingUnit.objects.filter(code=IMPORTED_UNITS_CODE).first()
            if self._parent is None:
                centre = HandlingUnit.objects.filter(kind=UnitKind.CENTRE, parent=None).order_by("pk").first()
                self._parent = HandlingUnit.objects.create(code=IMPORTED_UNITS_CODE, name=IMPORTED_UNITS_NAME,
                                                           kind=UnitKind.DEPARTMENT, parent=centre)
        return self._parent


def import_user() -> User:
    """The inactive account named as author of imported replies (nobody can sign in with it)."""
    user, created = User.objects.get_or_create(
        username=IMPORT_USERNAME,
        defaults={"role": Role.UNIT_HANDLER, "is_active": False, "display_name": "历史数据导入"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@dataclass
class _Planned:
    """One order to write, with what it needs once the order has its id."""

    order: SourceOrder
    ticket: Ticket
    category: Category | None
    unit: HandlingUnit | None
    policy: SlaPolicy | None = None  # the time limits of an order still open


class Writer:
    """Writes batches of checked orders for one source."""

    def __init__(self, source: str, run: ImportRun | None, resolver: Resolver) -> None:
        self.source = source
        self.run = run
        self.resolver = resolver
        self.author = import_user()
        self.label = f"历史数据导入（{source}）"
        self.now = clock.now()

    def plan(self, order: SourceOrder) -> _Planned:
        """Resolve category and unit and build the order (not saved). RowError when they do not resolve."""
        category = self.resolver.category(order)
        unit = self.resolver.unit(order.unit_name)
        status = order.status
        if order.channel == Channel.PROACTIVE:  # 未诉先办: raised by the centre, nobody called
            if order.caller_phone or order.caller_name:
                raise RowError("主动发现（未诉先办）工单没有来电群众，不能带来电人或联系电话")
            if status == Status.CLOSED and unit is None:
                raise RowError("主动发现（未诉先办）工单已办结却没有承办单位：中心主动发现的工单不能直接答复")
        if status == Status.CLOSED and unit is None:
            status = Status.ANSWERED  # closed by the centre itself: a direct answer
        ticket = Ticket(
            query_code=f"{secrets.randbelow(10**6):06d}", status=status, channel=order.channel,
            request_type=order.request_type, category=category, title=order.title, description=order.description,
            caller_name=order.caller_name, caller_phone=order.caller_phone, address=order.address,
            latitude=order.latitude, longitude=order.longitude, registered_at=order.registered_at,
            closed_at=order.closed_at if status in (Status.CLOSED, Status.ANSWERED) else None,
            close_due=order.due_at, light=Light.NONE,
        )
        if status == Status.ANSWERED:
            ticket.direct_answer = order.reply_text or "（历史数据未含答复内容）"
        if status in (Status.CLOSED, Status.ANSWERED):
            ticket.close_overdue = bool(order.due_at and order.closed_at and order.closed_at > order.due_at)
        policy = None
        if status in (Status.DISPATCHED, Status.IN_PROGRESS):
            try:
                policy = sla.policy_for(ticket)
            except SlaPolicy.DoesNotExist:
                raise RowError("没有适用的时限规则（请在管理后台添加时限规则）") from None
        return _Planned(order, ticket, category, unit, policy)

    def write(self, planned: list[_Planned]) -> None:
        """Store a batch of planned orders with their assignments, replies, timeline and import records."""
        assignments = [self._assignment(p) for p in planned]
        replies = [self._reply(p, a) for p, a in zip(planned, assignments, strict=True)]
        events: list[TimelineEvent] = []
        for p, r in zip(planned, replies, strict=True):
            timeline = self._timeline(p, r)
            p.ticket.version = len(timeline)
            events.extend(timeline)
        tickets = [p.ticket for p in planned]
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets, batch_size=BATCH)
            if any(t.pk is None for t in tickets):  # a backend that cannot return ids from a bulk insert
                raise RuntimeError("the database did not return ids for the imported orders")
            for t in tickets:
                t.number = f"{timezone.localtime(t.registered_at):%Y%m%d}{t.pk:07d}"
            table = connection.ops.quote_name(Ticket._meta.db_table)
            with connection.cursor() as cursor:  # one statement, many rows: far cheaper than bulk_update
                cursor.executemany(f"UPDATE {table} SET number = %s WHERE id = %s",  # noqa: S608 - table name
                                   [(t.number, t.pk) for t in tickets])
            Assignment.objects.bulk_create([a for a in assignments if a is not None], batch_size=BATCH)
            Reply.objects.bulk_create([r for r in replies if r is not None], batch_size=BATCH)
            TimelineEvent.objects.bulk_create(events, batch_size=BATCH)
            ImportedRecord.objects.bulk_create([
                ImportedRecord(source=self.source, external_id=p.order.external_id, ticket=p.ticket,
                               run=self.run, line=p.order.line) for p in planned], batch_size=BATCH)
            if self.run is not None:
                ImportWarning.objects.bulk_create([
                    ImportWarning(run=self.run, ticket=p.ticket, line=w.line, external_id=w.external_id,
                                  column=w.column, value=w.value, reason=w.template, params=w.params)
                    for p in planned for w in p.order.warnings], batch_size=BATCH)
        _refresh_rollups([t.pk for t in tickets])
        _index_for_triage([t.pk for t in tickets])

    def _assignment(self, p: _Planned) -> Assignment | None:
        if p.unit is None or p.ticket.status not in (Status.DISPATCHED, Status.IN_PROGRESS, Status.CLOSED):
            return None
        t, o = p.ticket, p.order
        a = Assignment(ticket=t, unit=p.unit, role=AssignmentRole.LEAD, dispatched_at=o.registered_at,
                       sign_due=o.registered_at, return_due=o.registered_at, reply_due=o.due_at or o.registered_at,
                       reply_basis=Basis.CLOCK, light=Light.NONE)
        if t.status == Status.CLOSED:
            a.status = AssignmentStatus.COMPLETED if o.reply_text else AssignmentStatus.WITHDRAWN
            a.signed_at = o.registered_at
            a.replied_at = o.replied_at if o.reply_text else None
            a.ended_at = o.closed_at
            if o.reply_text:
                a.reply_due = o.due_at or o.replied_at
            return a
        # Still open: the deadlines of today's policy, counted from the source's dates, lights as of now.
        policy = p.policy
        sla.snapshot_assignment(a, policy, o.registered_at)
        if o.due_at:  # the source's own due date, on the wall clock
            t.close_due, t.close_basis = o.due_at, Basis.CLOCK
            a.reply_due, a.reply_basis = max(o.due_at, a.sign_due), Basis.CLOCK
        sla.start_close_clock(t, policy, o.registered_at)
        if t.status == Status.IN_PROGRESS:
            a.status, a.signed_at = AssignmentStatus.SIGNED, o.registered_at
            sla.start_reply_phase(a, policy, o.registered_at)
        for clocked in (t, a):
            clocked.light = sla.light_at(clocked.phase_yellow_at, clocked.phase_due, self.now)
            sla.flag_if_red(clocked)
        return a

    def _reply(self, p: _Planned, a: Assignment | None) -> Reply | None:
        if a is None or p.ticket.status != Status.CLOSED or not p.order.reply_text:
            return None
        at = p.order.replied_at or p.order.closed_at
        return Reply(ticket=p.ticket, assignment=a, author=self.author, created_at=at, content=p.order.reply_text,
                     public_reply=p.order.reply_text, contacted=True, resolved=True,
                     review_status=Decision.APPROVED, reviewed_at=p.order.closed_at,
                     review_note="历史数据导入")

    def _timeline(self, p: _Planned, r: Reply | None) -> list[TimelineEvent]:
        t, o = p.ticket, p.order
        base = {"imported": self.source, "line": o.line, "external_id": o.external_id}
        events: list[TimelineEvent] = []

        def add(action: str, before: str, after: str, at, note: str = "", unit=None, **data) -> None:  # noqa: ANN001
            events.append(TimelineEvent(
                ticket=t, seq=len(events) + 1, at=at, actor=None, actor_label=self.label, unit=unit,
                action=action, from_status=before, to_status=after, note=note, data={**base, **data},
                is_public=True))

        # The whole text of a field cut to its column (title, address) stays with the order, and so do the
        # source's values the order has no field for (`extra`: a US zip code, NYC's notes on an open order).
        kept = {"original": dict(o.originals)} if o.originals else {}
        if extra := source_extra(o):
            kept["extra"] = extra
        add(Action.REGISTER, "", Status.REGISTERED, o.registered_at,
            f"历史数据导入：{self.source} 第 {o.line} 行，原编号 {o.external_id}", source_status=o.source_status,
            **kept)
        if t.status == Status.PENDING_DISPATCH:
            add(Action.SEND_TO_DISPATCH, Status.REGISTERED, Status.PENDING_DISPATCH, o.registered_at)
        elif t.status == Status.ANSWERED:
            add(Action.ANSWER_DIRECTLY, Status.REGISTERED, Status.ANSWERED, o.closed_at, t.direct_answer)
        else:
            add(Action.DISPATCH, Status.REGISTERED, Status.DISPATCHED, o.registered_at, str(p.unit), unit=p.unit,
                lead=p.unit.pk if p.unit else None)
            if t.status == Status.IN_PROGRESS:
                add(Action.SIGN, Status.DISPATCHED, Status.IN_PROGRESS, o.registered_at, unit=p.unit)
            elif t.status == Status.CLOSED:
                last = Status.DISPATCHED
                if r is not None:
                    add(Action.REPLY, Status.DISPATCHED, Status.REPLIED, r.created_at, r.content, unit=p.unit)
                    last = Status.REPLIED
                note = f"已办结（原状态：{o.source_status}）" if o.source_status else "已办结"
                add(Action.APPROVE_REPLY, last, Status.CLOSED, o.closed_at, note)
        return events


def source_extra(order: SourceOrder) -> dict[str, str]:
    """The source's values kept beside the order (the register event's `data.extra`): those of
    `SourceOrder.extra` that hold something. None has a field of its own on the order: a zip code is not
    part of the address the order shows and files by, and NYC's notes on an order still open are the
    agency's progress, not a reply."""
    return {key: str(value).strip() for key, value in order.extra.items()
            if value is not None and str(value).strip()}


def _refresh_rollups(ticket_ids: list[int]) -> None:
    """Count a committed batch in the dashboards' rollups (no signal is sent for history, see above).

    A failure here leaves the orders imported and only the dashboards behind: it is logged, and
    `hotline rollups-rebuild` catches them up.
    """
    from hotline.dashboards.services import refresh_all

    try:
        refresh_all(ticket_ids)
    except Exception:  # the batch is committed; the import must go on
        logger.exception("rollups not refreshed for %s imported orders; run hotline rollups-rebuild",
                         len(ticket_ids))


def _index_for_triage(ticket_ids: list[int]) -> None:
    """Put a committed batch's recent orders into the duplicate index (`triage.services.index_history`):
    a caller who called the old system last week is a repeat caller today. Only orders within the reach of
    the repeat and cluster windows; no links or alerts for history. A failure is logged and leaves the
    orders imported; `hotline triage-index` catches up.
    """
    from hotline.triage.services import history_window, index_history

    try:
        index_history(ticket_ids, since=history_window())
    except Exception:  # the batch is committed; the import must go on
        logger.exception("%s imported orders not put in the duplicate index; run hotline triage-index",
                         len(ticket_ids))


def import_rows(rows: Iterable[RawRow], parse: Callable[[RawRow], SourceOrder], *, source: str,
                run: ImportRun | None = None, raw_id: Callable[[dict], str] = lambda c: "",
                on_progress: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Check every row, report the bad ones, write the good ones once (by `source` and external id)."""
    result = ImportResult(run=run)
    resolver = Resolver()
    writer = Writer(source, run, resolver)
    planned_ids: set[str] = set()  # ids written by this run: a later row with one of them is a repeat
    pending: list[SourceOrder] = []

    def reject(line: int, external_id: str, reason: str) -> None:
        result.rejected += 1
        result.rejections.append(Rejection(line, external_id, reason))

    def flush() -> None:
        if not pending:
            return
        done = set(ImportedRecord.objects.filter(
            source=source, external_id__in=[o.external_id for o in pending]).values_list("external_id", flat=True))
        planned: list[_Planned] = []
        for order in pending:
            # A repeat is skipped only once a row with its id was written (earlier or in this batch): a
            # corrected repeat of a rejected row is imported, never lost as "skipped".
            if order.external_id in done or order.external_id in planned_ids:
                result.skipped += 1
                continue
            try:
                planned.append(writer.plan(order))
                planned_ids.add(order.external_id)
            except RowError as exc:
                reject(order.line, order.external_id, str(exc))
            except OverflowError:  # a date the deadline arithmetic cannot hold: this row only, not the batch
                reject(order.line, order.external_id, OUT_OF_RANGE)
        if planned:
            writer.write(planned)
            result.imported += len(planned)
            for p in planned:  # the warnings of rows written (a rejected row's are moot)
                if p.order.warnings:
                    result.warned += 1
                    result.warnings.extend(p.order.warnings)
        pending.clear()
        if on_progress:
            on_progress(result)

    for raw in rows:
        if raw.error:
            reject(raw.line, raw_id(raw.cells), raw.error)
            continue
        try:
            order = parse(raw)
        except RowError as exc:
            reject(raw.line, raw_id(raw.cells), str(exc))
            continue
        except OverflowError:
            reject(raw.line, raw_id(raw.cells), OUT_OF_RANGE)
            continue
        if order.external_id in planned_ids:
            result.skipped += 1  # the same record twice in one file, the first one already written
            continue
        pending.append(order)  # a repeat inside the batch is decided in flush(), once the first is planned
        if len(pending) >= BATCH:
            flush()
    flush()
    return result


def import_file(path: Path | str, parse: Callable[[RawRow], SourceOrder], *, source: str,
                raw_id: Callable[[dict], str] = lambda c: "",
                on_progress: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Import one file (CSV or .xlsx) and record the run."""
    path = Path(path)
    rows: Iterator[RawRow] = read_rows(path)  # FileError before anything is recorded
    run = ImportRun.objects.create(source=source, file_name=path.name, started_at=clock.now())
    result = import_rows(rows, parse, source=source, run=run, raw_id=raw_id, on_progress=on_progress)
    run.finished_at = clock.now()
    run.imported, run.rejected, run.skipped = result.imported, result.rejected, result.skipped
    run.warned = result.warned
    run.save()
    return result
