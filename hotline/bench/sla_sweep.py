"""Benchmark `sla-sweep`: one light sweep over 1,000,000 open orders (target < 10 s, set-based SQL).

`hotline bench sla-sweep` re-runs itself in a subprocess (`--inner`) whose HOTLINE_DB points at a
fresh SQLite file in a temporary directory, so the user's database is never touched; the directory is
removed afterwards. The inner run migrates the scratch database and bulk-inserts synthetic open orders
with one lead assignment each (raw `executemany` in one transaction; see `generate`). Every light
starts green, as if no sweep had run yet, so the first sweep does the real work: about 40 % of the
running deadlines change (tickets ≈ 23 % to yellow and 17 % to red). It is timed, then a second sweep
at the same moment, the idempotent no-op a per-minute timer mostly does. The headline figure is the
first sweep's wall-clock time; its CPU time is printed too, since other processes on a small machine
inflate the wall clock.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hotline.bench.registry import BenchError, Figure, benchmark
from hotline.bench.scratch import migrate_scratch, run_inner_on_scratch_sqlite

NAME = "sla-sweep"
DAY = 86_400
HOUR = 3_600
#: A working day in calendar seconds, on average (5 working days a week, holidays aside).
WORKING_DAY = int(1.4 * DAY)

#: Ages of the open orders (oldest first): share, oldest age, youngest age. Tuned so that, with the
#: ordinary close limit of 7 working days (≈ 9.8 calendar days) and yellow at 0.8 of it, about 60 % of
#: the orders' close deadlines are green, 25 % yellow and 15 % red at the benchmark's moment.
AGES = ((0.14, 30 * DAY, 9.8 * DAY), (0.27, 9.8 * DAY, 7.84 * DAY), (0.59, 7.84 * DAY, 0))
#: The default policies in calendar seconds: policy name, share, urgency, difficult, sign, reply, close.
POLICIES = (
    ("紧急(涉及生命财产安全)", 0.01, "urgent", False, 15 * 60, 2 * HOUR, 24 * HOUR),
    ("水电气热", 0.04, "normal", False, 30 * 60, 24 * HOUR, 3 * DAY),
    ("疑难复杂", 0.05, "normal", True, WORKING_DAY, 15 * DAY, 20 * DAY),
    ("一般", 0.90, "normal", False, WORKING_DAY, 5 * WORKING_DAY, 7 * WORKING_DAY),
)
PAUSED_SHARE = 0.04  # awaiting the citizen (待群众补充)
NEVER_SIGNED_SHARE = 0.04  # units that let the sign deadline pass
CHANNELS = (("phone", 0.62), ("wechat", 0.14), ("web", 0.10), ("app", 0.08), ("mailbox", 0.04), ("sms", 0.02))
REQUEST_TYPES = (("complaint", 0.38), ("help", 0.27), ("consult", 0.18), ("report", 0.09), ("suggestion", 0.07),
                 ("praise", 0.01))
SUBJECTS = ["小区噪音扰民", "路灯不亮", "井盖缺失", "供暖温度不达标", "拖欠工资", "占道经营", "垃圾清运不及时",
            "楼道堆物", "停水未通知", "公交班次太少", "违章建筑", "餐馆油烟扰民", "物业服务差", "道路破损",
            "学校周边交通拥堵", "宠物扰民", "电梯故障", "排水管道堵塞"]
PLACES = ["朝阳区", "海淀区", "丰台区", "东城区", "西城区", "通州区", "昌平区", "大兴区", "顺义区", "房山区"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="open orders to generate (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per executemany batch (default 20,000)")
    parser.add_argument("--seed", type=int, default=12345, help="random seed of the synthetic data")
    parser.add_argument(
        "--layout", choices=["chronological", "random"], default="chronological",
        help="row order: ids in registration order as in a real database (default), or ids shuffled "
             "so that rows and deadlines are uncorrelated (a worst case for the sweep's index updates)",
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    return parser


@benchmark(NAME)
def sla_sweep(argv: Sequence[str]) -> Figure | None:
    """Mark yellow/red/overdue across 1,000,000 open orders on a scratch SQLite database (target < 10 s)."""
    args = _parser().parse_args(list(argv))
    if args.orders < 1 or args.batch < 1:
        raise BenchError("--orders and --batch must be positive")
    return _inner(args) if args.inner else run_inner_on_scratch_sqlite(NAME, argv, prefix="hotline-bench-sla-")


# --- The inner process: generate, sweep, report ----------------------------------------------


def _inner(args: argparse.Namespace) -> Figure:
    """Migrate the scratch database, generate the orders, time two sweeps."""
    from django.db import connection

    db_name = migrate_scratch(NAME)

    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    expected = generate(args.orders, now=now, batch=args.batch, seed=args.seed, shuffle=args.layout == "random")
    gen_s = time.perf_counter() - started
    size_mb = Path(db_name).stat().st_size / 1e6
    print(f"generated {args.orders:,} open orders + {args.orders:,} lead assignments ({args.layout} layout) in {gen_s:.2f} s "
          f"({2 * args.orders / gen_s:,.0f} rows/s; database {size_mb:,.0f} MB)", flush=True)
    for label, running, yellow, red in (
        ("tickets", expected.tickets_running, expected.tickets_yellow, expected.tickets_red),
        ("assignments", expected.assignments_running, expected.assignments_yellow, expected.assignments_red),
    ):
        share = max(running, 1)
        print(f"running {label}: {running:,}; due to turn yellow {yellow:,} ({yellow / share:.0%}), "
              f"red {red:,} ({red / share:.0%})", flush=True)
    print(f"paused orders (must stay as they are): {expected.paused:,}", flush=True)

    from hotline.sla.sweep import sweep

    print(f"load average before the sweep: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(other processes' load inflates the wall-clock figure; the CPU time is this process's own)", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    first = sweep(now)
    first_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    print(f"first sweep (fresh data): {first_s:.2f} s (CPU {cpu_s:.2f} s)  {first.as_dict()}", flush=True)
    if first.as_dict() != expected.counts():
        raise BenchError(f"the sweep changed {first.as_dict()}, expected {expected.counts()}")

    started = time.perf_counter()
    second = sweep(now)
    second_s = time.perf_counter() - started
    print(f"second sweep (idempotent no-op): {second_s * 1000:.1f} ms  {second.as_dict()}", flush=True)
    if second.total:
        raise BenchError(f"the second sweep changed rows: {second.as_dict()}")

    _print_lights(connection)
    _print_plans(connection, now)
    return Figure(first_s, "s")


def _print_lights(connection: Any) -> None:
    """The share of each light after the sweep, over running deadlines."""
    from hotline.tickets.models import Assignment, Ticket

    with connection.cursor() as cursor:
        for table in (Ticket._meta.db_table, Assignment._meta.db_table):
            cursor.execute(f"SELECT light, COUNT(*) FROM {table} WHERE phase_due IS NOT NULL GROUP BY light")
            counts = dict(cursor.fetchall())
            total = sum(counts.values()) or 1
            shares = ", ".join(f"{k} {counts.get(k, 0) / total:.1%}" for k in ("green", "yellow", "red"))
            print(f"lights after the sweep, {table}: {shares}", flush=True)


def _print_plans(connection: Any, now: datetime) -> None:
    """SQLite's query plan of each UPDATE of the sweep, with its real bound parameters (which index it uses)."""
    from hotline.sla.sweep import sweep

    statements: list[tuple[str, tuple]] = []

    def record(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("UPDATE"):
            statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        sweep(now)
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "; ".join(str(row[-1]) for row in cursor.fetchall())
            target = params[0] if params else "?"
            print(f"plan: {sql.split(' SET ')[0]} SET light={target}: {plan}", flush=True)


# --- Synthetic data ---------------------------------------------------------------------------


@dataclass
class Expected:
    """What the first sweep must change, known from the generated data."""

    tickets_yellow: int = 0
    tickets_red: int = 0
    assignments_yellow: int = 0
    assignments_red: int = 0
    paused: int = 0
    tickets_running: int = 0  # unpaused rows with a running deadline
    assignments_running: int = 0

    def counts(self) -> dict[str, int]:
        """In the form of `SweepResult.as_dict()`."""
        return {"tickets_yellow": self.tickets_yellow, "tickets_red": self.tickets_red,
                "assignments_yellow": self.assignments_yellow, "assignments_red": self.assignments_red}


class _Table:
    """INSERTs into one table: the generated columns (a tuple per row, in `given` order), then constants.

    Every other concrete column gets its default, NULL or '' (for blank text); a NOT NULL column with
    none of these is refused, so a column added to the model later cannot silently break the load.
    """

    def __init__(self, model: Any, connection: Any, given: Sequence[str]) -> None:
        self.model, self.given = model, list(given)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = set(self.given) - set(fields)
        if missing:
            raise BenchError(f"{model._meta.db_table} has no columns {sorted(missing)}")
        consts: dict[str, Any] = {}
        for name, f in fields.items():
            if name in self.given:
                continue
            if f.has_default():
                consts[f.column] = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                consts[f.column] = None
            elif f.blank and f.get_internal_type() in {"CharField", "TextField"}:
                consts[f.column] = ""
            else:
                raise BenchError(f"no synthetic value for NOT NULL column {model._meta.db_table}.{f.column}")
        self.const_values = tuple(consts.values())
        columns = [fields[name].column for name in self.given] + list(consts)
        quoted = ", ".join(f'"{c}"' for c in columns)
        self.insert_sql = (
            f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
        )

    def rows(self, generated: list[tuple]) -> Iterator[tuple]:
        """Full rows: each generated tuple followed by the constants."""
        consts = self.const_values
        return (row + consts for row in generated)


def _chooser(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> Callable[[int], list[str]]:
    """A function drawing k values with the given shares."""
    values = [v for v, _ in weighted]
    weights = [w for _, w in weighted]
    return lambda k: rng.choices(values, weights, k=k)


class _Timestamps:
    """Epoch seconds formatted as Django stores datetimes in SQLite (UTC, 'YYYY-MM-DD HH:MM:SS'), fast."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}
        self.clock = [f"{h:02d}:{m:02d}:{sec:02d}" for h in range(24) for m in range(60) for sec in range(60)]

    def __call__(self, seconds: int) -> str:
        """The stored form of an epoch second."""
        day, rest = divmod(seconds, DAY)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = self.days[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * DAY))
        return prefix + self.clock[rest]


def _units(count: int) -> list[int]:
    """Handling units to assign orders to (districts and their streets)."""
    from hotline.orgs.models import HandlingUnit

    ids: list[int] = []
    for d, place in enumerate(PLACES):
        district = HandlingUnit.objects.create(code=f"B{d:02d}", name=f"{place}政府", kind="district")
        ids.append(district.pk)
        for s in range(max(1, count // len(PLACES)) - 1):
            street = HandlingUnit.objects.create(code=f"B{d:02d}S{s:02d}", name=f"{place}第{s + 1}街道",
                                                 kind="street", parent=district)
            ids.append(street.pk)
    return ids


TICKET_COLUMNS = (
    "id", "number", "query_code", "status", "version", "channel", "request_type", "urgency", "is_difficult",
    "title", "description", "caller_name", "caller_phone", "address", "registered_at", "sla_policy_id",
    "close_due", "close_basis", "phase_started_at", "phase_due", "phase_yellow_at", "light", "paused_at",
    "paused_seconds", "updated_at",
)
ASSIGNMENT_COLUMNS = (
    "id", "ticket_id", "unit_id", "role", "status", "dispatched_at", "signed_at", "replied_at", "sign_due",
    "return_due", "reply_due", "reply_basis", "phase_started_at", "phase_due", "phase_yellow_at", "light",
    "paused_at", "sign_overdue", "reply_overdue",
)


def _age(u: float) -> float:
    """The age in seconds of the open order at quantile `u` (0 = oldest, 1 = youngest) of `AGES`."""
    for segment, (share, oldest, youngest) in enumerate(AGES):
        if u < share:
            x = u / share
            if segment == 0:
                x **= 0.5  # the long-overdue tail thins out towards 30 days
            return oldest - (oldest - youngest) * x
        u -= share
    return 0.0


def _bucket(started: int, due: int, now: int, yellow: int) -> int:
    """0 green, 1 yellow, 2 red: the light of this deadline at `now`."""
    return 2 if now >= due else 1 if now >= yellow else 0


def _permutation(n: int, rng: random.Random) -> Callable[[int], int]:
    """A cheap pseudo-random permutation of range(n) (an affine map modulo n)."""
    while True:
        a = rng.randrange(1, n) if n > 1 else 1
        if math.gcd(a, n) == 1:
            break
    b = rng.randrange(n)
    return lambda i: (a * i + b) % n


def generate(orders: int, *, now: datetime, batch: int = 20_000, seed: int = 12345,
             shuffle: bool = False, units: int = 60) -> Expected:
    """Bulk-insert `orders` open orders registered over the last 30 days, each with one lead assignment.

    The lead units are drawn evenly from `units` handling units: 10 districts and their streets.

    Orders come in registration order (ids grow with time, as in a real database; `shuffle` breaks that).
    Each gets a default policy (mostly 一般) and deadlines from its dispatch: sign, reply and close,
    working days counted as 1.4 calendar days. Where it stands follows from its age: not yet signed,
    being handled, replied (no running assignment deadline) or awaiting the citizen (paused: the sweep
    must leave it alone). Every light starts green, as if no sweep had run; with `AGES` about 60 % of
    the close deadlines are before their yellow mark, 25 % past it and 15 % past due. Secondary indexes
    of the two tables are dropped during the load and rebuilt afterwards.
    """
    from django.db import connection, transaction

    from hotline.sla.models import SlaPolicy
    from hotline.tickets.models import Assignment, Ticket

    rng = random.Random(seed)
    rnd = rng.random
    ts = _Timestamps()
    now_s = int(now.timestamp())
    pick_channel, pick_type = _chooser(rng, CHANNELS), _chooser(rng, REQUEST_TYPES)
    texts = [(f"{place}{subject}", f"市民反映{place}{subject}，已持续多日，希望尽快处理。", place)
             for place in PLACES for subject in SUBJECTS]
    cumulative = list(itertools.accumulate(share for _, share, *_rest in POLICIES))
    expected = Expected()
    buckets = {"tickets": [0, 0, 0], "assignments": [0, 0, 0]}

    with transaction.atomic():
        unit_ids = _units(units)
        policy_ids = dict(SlaPolicy.objects.values_list("name", "pk"))
        policies = [(policy_ids.get(name), *rest) for name, _share, *rest in POLICIES]
        tickets = _Table(Ticket, connection, TICKET_COLUMNS)
        assignments = _Table(Assignment, connection, ASSIGNMENT_COLUMNS)
        raw = connection.connection
        first_id = 1 + (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0)
        position = _permutation(orders, rng) if shuffle else (lambda i: i)
        indexes = _drop_indexes(raw, [Ticket._meta.db_table, Assignment._meta.db_table])

        for start in range(0, orders, batch):
            n = min(batch, orders - start)
            channels, types = pick_channel(n), pick_type(n)
            t_rows: list[tuple] = []
            a_rows: list[tuple] = []
            for i in range(n):
                pk = first_id + position(start + i)
                age = max(300, int(_age((start + i + rnd()) / orders)))
                registered = now_s - age
                dispatched = registered + int(min(300 + rnd() * 2 * HOUR, age / 2))
                policy, urgency, difficult, sign, reply, close = policies[
                    bisect.bisect(cumulative, rnd() * cumulative[-1])]
                jitter = 0.97 + 0.06 * rnd()  # weekends and holidays stretch working days differently
                sign_due = dispatched + int(sign * jitter)
                reply_due = dispatched + int(reply * jitter)
                close_due = dispatched + int(close * jitter)
                close_yellow = dispatched + int(0.8 * (close_due - dispatched))
                title, description, place = texts[int(rnd() * len(texts))]

                # Where the order stands: units sign within the sign limit (a few never do) and reply
                # from 0.75 to 1.65 of the reply limit (many close to the deadline).
                signed: int | None = dispatched + int(sign * jitter * (0.05 + 0.9 * rnd()))
                if rnd() < NEVER_SIGNED_SHARE:
                    signed = None
                replied = dispatched + int(reply * jitter * (0.75 + 0.9 * rnd()))
                paused_at = None
                if rnd() < PAUSED_SHARE and signed is not None and signed < now_s - 120:
                    status = "awaiting_citizen"
                    paused_at = signed + int(rnd() * (now_s - 60 - signed))
                elif signed is None or signed >= now_s:
                    status, signed = "dispatched", None
                elif replied >= now_s:
                    status = "in_progress"
                else:
                    status = "replied"
                running = status != "replied"
                if signed is None:
                    a_start, a_due = dispatched, sign_due
                else:
                    a_start, a_due = signed, reply_due
                a_yellow = a_start + int(0.8 * (a_due - a_start))

                if paused_at is None:
                    buckets["tickets"][_bucket(dispatched, close_due, now_s, close_yellow)] += 1
                    if running:
                        buckets["assignments"][_bucket(a_start, a_due, now_s, a_yellow)] += 1
                else:
                    expected.paused += 1
                paused = ts(paused_at) if paused_at is not None else None
                basis = "working" if policy == policies[-1][0] else "clock"
                t_rows.append((
                    pk, ts(registered + 8 * HOUR)[:10].replace("-", "") + f"{pk:07d}", f"{int(rnd() * 1e6):06d}", status, 1,
                    channels[i], types[i], urgency, difficult, title, description,
                    SURNAMES[int(rnd() * len(SURNAMES))] + "先生", f"13{int(rnd() * 1e9):09d}",
                    f"北京市{place}某街道{1 + int(rnd() * 300)}号", ts(registered), policy, ts(close_due), basis,
                    ts(dispatched), ts(close_due), ts(close_yellow), "green", paused, 0.0, ts(signed or dispatched),
                ))
                a_rows.append((
                    pk, pk, unit_ids[int(rnd() * len(unit_ids))], "lead",
                    "pending_sign" if signed is None else "signed" if running else "replied",
                    ts(dispatched), ts(signed) if signed else None, None if running else ts(replied),
                    ts(sign_due), ts(dispatched + WORKING_DAY), ts(reply_due), basis,
                    ts(a_start) if running else None, ts(a_due) if running else None,
                    ts(a_yellow) if running else None, "green" if running else "none", paused,
                    signed is not None and signed > sign_due, not running and replied > reply_due,
                ))
            raw.executemany(tickets.insert_sql, tickets.rows(t_rows))
            raw.executemany(assignments.insert_sql, assignments.rows(a_rows))

        for sql in indexes:
            raw.execute(sql)
    if not connection.in_atomic_block:  # (a test's transaction holds the tables: nothing to fold in then)
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    expected.tickets_yellow, expected.tickets_red = buckets["tickets"][1:]
    expected.assignments_yellow, expected.assignments_red = buckets["assignments"][1:]
    expected.tickets_running, expected.assignments_running = sum(buckets["tickets"]), sum(buckets["assignments"])
    return expected


def _drop_indexes(raw: Any, tables: list[str]) -> list[str]:
    """Drop the named secondary indexes of `tables` (faster bulk load); return the SQL that recreates them."""
    placeholders = ", ".join("?" * len(tables))
    rows = raw.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({placeholders})",
        tables,
    ).fetchall()
    for name, _sql in rows:
        raw.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]
