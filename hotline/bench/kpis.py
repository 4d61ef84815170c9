"""Benchmark `kpis`: one month's indicators and unit ranking computed straight from the orders.

`hotline bench kpis [--orders N]` re-runs itself in a subprocess (`--inner`) on a fresh SQLite file in a
temporary directory (as `sla-sweep` does), migrates it, creates a city (16 districts × 12 streets, 40
city departments, 10 utilities, 20 level-1 × 5 level-2 categories) and bulk-inserts one month of N
synthetic orders with their lead assignments, approved replies, return visits and some send-backs
(`generate`; realistic shares: 15 % answered directly, 3 % merged, 75 % closed, the rest open; 6 %
signed late, 10 % replied late). It then times, `--repeat` times each, every indicator of the month
for the whole city (`engine.all_figures`), the same for one district's sub-tree, and the monthly
ranking of every unit (`assessment.assess`), and prints p50 and max. The last line is the p50 of the
slowest of the three, in seconds. No rollups: every figure is one SQL query over the order tables.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from hotline.bench.registry import BenchError, Figure, benchmark
from hotline.bench.scratch import migrate_scratch, run_inner_on_scratch_sqlite

NAME = "kpis"
BATCH = 5_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}")
    parser.add_argument("--orders", type=int, default=50_000, help="orders in the month (default 50,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each measurement (default 3)")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    return parser


@benchmark(NAME)
def kpis(argv: Sequence[str]) -> Figure | None:
    """A month's indicators and unit ranking straight from N orders on a scratch SQLite database."""
    args = _parser().parse_args(list(argv))
    if args.orders < 1 or args.repeat < 1:
        raise BenchError("--orders and --repeat must be positive")
    if not args.inner:
        run_inner_on_scratch_sqlite(NAME, argv, prefix="hotline-bench-kpis-")
        return None
    return _inner(args)


def _city() -> dict[str, Any]:
    from hotline.accounts.choices import Role
    from hotline.accounts.models import User
    from hotline.orgs.choices import UnitKind
    from hotline.orgs.models import HandlingUnit
    from hotline.taxonomy.models import Category

    centre = HandlingUnit.objects.create(code="C", name="热线中心", kind=UnitKind.CENTRE)
    districts, leads = [], []
    for d in range(16):
        district = HandlingUnit.objects.create(code=f"D{d}", name=f"第{d + 1}区", kind=UnitKind.DISTRICT,
                                               parent=centre)
        districts.append(district)
        leads.append(district)
        leads += [HandlingUnit.objects.create(code=f"D{d}S{s}", name=f"第{d + 1}区第{s + 1}街道",
                                              kind=UnitKind.STREET, parent=district) for s in range(12)]
    leads += [HandlingUnit.objects.create(code=f"B{i}", name=f"市直部门{i + 1}", kind=UnitKind.DEPARTMENT,
                                          parent=centre) for i in range(40)]
    leads += [HandlingUnit.objects.create(code=f"G{i}", name=f"公用企业{i + 1}", kind=UnitKind.UTILITY,
                                          parent=centre) for i in range(10)]
    categories = []
    for i in range(20):
        top = Category.objects.create(name=f"一级{i}", level=1, full_name=f"一级{i}")
        categories += [Category.objects.create(name=f"二级{j}", parent=top, level=2, full_name=f"一级{i}/二级{j}")
                       for j in range(5)]
    user = User.objects.create(username="bench", role=Role.INSPECTOR)
    return {"districts": districts, "leads": leads, "categories": categories, "user": user}


def generate(city: dict[str, Any], *, orders: int, month_start: Any, seed: int) -> dict[str, int]:
    """Bulk-insert one month of orders with their assignments, replies, visits and send-backs."""
    from hotline.tickets.choices import (
        Action,
        AssignmentRole,
        AssignmentStatus,
        Decision,
        Satisfaction,
        Status,
    )
    from hotline.tickets.models import Assignment, Reply, ReturnVisit, Ticket, TimelineEvent

    rng = random.Random(seed)
    seconds = 30 * 86_400
    channels = ["phone"] * 62 + ["wechat"] * 14 + ["web"] * 10 + ["app"] * 8 + ["mailbox"] * 4 + ["sms"] * 2
    types = ["complaint"] * 38 + ["help"] * 27 + ["consult"] * 18 + ["report"] * 9 + ["suggestion"] * 7 + ["praise"]
    made = {"orders": 0, "assignments": 0, "replies": 0, "visits": 0, "events": 0}
    user = city["user"]
    for first in range(0, orders, BATCH):
        tickets, plans = [], []
        for n in range(first, min(orders, first + BATCH)):
            at = month_start + timedelta(seconds=rng.randrange(seconds))
            roll = rng.random()
            status = (Status.ANSWERED if roll < 0.15 else Status.MERGED if roll < 0.18
                      else Status.CLOSED if roll < 0.93 else Status.IN_PROGRESS)
            district = rng.choice(city["districts"])
            tickets.append(Ticket(
                number=f"B{n:012d}", query_code="000000", status=status, channel=rng.choice(channels),
                request_type=rng.choice(types), category=rng.choice(city["categories"]), title="路灯不亮",
                description="小区门口路灯不亮", caller_phone=f"139{rng.randrange(10**7, 10**8)}",
                district=district, registered_at=at, closed_at=at + timedelta(days=8) if status == Status.CLOSED
                else None))
            plans.append((status, at))
        Ticket.objects.bulk_create(tickets)
        assignments, after = [], []
        for ticket, (status, at) in zip(tickets, plans, strict=True):
            if status not in (Status.CLOSED, Status.IN_PROGRESS):
                continue
            dispatched = at + timedelta(minutes=20)
            signed = dispatched + timedelta(hours=rng.uniform(1, 26) if rng.random() < 0.94 else rng.uniform(25, 60))
            reply_due = dispatched + timedelta(days=7)
            replied = (dispatched + timedelta(days=rng.uniform(1, 6.9) if rng.random() < 0.9 else rng.uniform(7, 12))
                       if status == Status.CLOSED else None)
            assignments.append(Assignment(
                ticket=ticket, unit=rng.choice(city["leads"]), role=AssignmentRole.LEAD,
                status=AssignmentStatus.COMPLETED if replied else AssignmentStatus.SIGNED, dispatched_at=dispatched,
                signed_at=signed, sign_due=dispatched + timedelta(days=1), return_due=dispatched + timedelta(days=1),
                reply_due=reply_due, reply_basis="working", replied_at=replied,
                ended_at=replied + timedelta(days=1, hours=2) if replied else None,
                sign_overdue=signed > dispatched + timedelta(days=1),
                reply_overdue=bool(replied and replied > reply_due),
                extension_count=1 if rng.random() < 0.06 else 0))
            after.append(replied)
        Assignment.objects.bulk_create(assignments)
        replies, visits, events = [], [], []
        for assignment, replied in zip(assignments, after, strict=True):
            if replied is None:
                continue
            replies.append(Reply(ticket_id=assignment.ticket_id, assignment=assignment, author=user,
                                 created_at=replied, content="已处理", contacted=rng.random() < 0.97,
                                 resolved=True, review_status=Decision.APPROVED,
                                 reviewed_at=replied + timedelta(hours=1)))
            satisfied = rng.random()
            visits.append(ReturnVisit(
                ticket_id=assignment.ticket_id, created_at=replied + timedelta(days=1), contacted=True,
                resolved=rng.random() < 0.96,
                satisfaction=Satisfaction.SATISFIED if satisfied < 0.9 else Satisfaction.BASICALLY
                if satisfied < 0.97 else Satisfaction.UNSATISFIED))
            if rng.random() < 0.08:
                events.append(TimelineEvent(ticket_id=assignment.ticket_id, seq=1, at=replied - timedelta(hours=5),
                                            actor_label="质检员", action=Action.SEND_BACK,
                                            from_status=Status.REPLIED, to_status=Status.IN_PROGRESS))
        Reply.objects.bulk_create(replies)
        ReturnVisit.objects.bulk_create(visits)
        TimelineEvent.objects.bulk_create(events)
        for key, rows in (("orders", tickets), ("assignments", assignments), ("replies", replies),
                          ("visits", visits), ("events", events)):
            made[key] += len(rows)
    return made


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Median and max wall-clock seconds, and median CPU seconds (SQLite runs in this process)."""
    runs, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(runs), max(runs), statistics.median(cpu)


def _inner(args: argparse.Namespace) -> Figure:
    from django.db import connection

    from hotline.kpis import engine
    from hotline.kpis.assessment import assess
    from hotline.kpis.cuts import Cut
    from hotline.kpis.periods import last_full_month

    db_name = migrate_scratch(NAME, require_empty=False)
    city = _city()
    period = last_full_month()
    started = time.perf_counter()
    made = generate(city, orders=args.orders, month_start=period.start, seed=args.seed)
    print(f"generated {', '.join(f'{v:,} {k}' for k, v in made.items())} in {time.perf_counter() - started:.1f} s "
          f"(database {Path(db_name).stat().st_size / 1e6:,.0f} MB)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    district = Cut(unit=city["districts"][0])
    measures = {
        "all indicators, city": lambda: engine.all_figures(engine.context(period)),
        "all indicators, one district's sub-tree": lambda: engine.all_figures(engine.context(period), district),
        "ranking of every unit": lambda: assess(period),
    }
    worst = 0.0
    for label, fn in measures.items():
        p50, top, cpu_p50 = _timed(fn, args.repeat)
        worst = max(worst, p50)
        print(f"{label}: p50 {p50:.2f} s, max {top:.2f} s (CPU p50 {cpu_p50:.2f} s) over {args.orders:,} orders",
              flush=True)
    return Figure(worst, "s")
