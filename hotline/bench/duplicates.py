"""Benchmark `duplicates`: the candidate lookup for a new order against 1,000,000 orders of the last 30 days.

`hotline bench duplicates` re-runs itself in a subprocess (`--inner`) on a scratch SQLite database in a
temporary directory (the pattern of `sla-sweep`), migrates it and bulk-inserts synthetic orders spread
over 30 days with their rows of the duplicate index (`triage.DuplicateKey`): about a quarter of the
orders come from repeat callers, places are 3,000 communities, texts come from a pool of realistic
matters. Then it times `hotline.triage.services.lookup` — the exact function registration calls: the
caller's orders of the last 30 days, the place's orders of the last 24 hours, the rules on their
signatures — for a sample of new orders (half of them from repeat callers). The figure is the p95 in
milliseconds (target < 50 ms); p50, p99, the candidates read and SQLite's query plans are printed too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotline.bench.registry import BenchError, Figure, benchmark
from hotline.bench.scratch import migrate_scratch, run_inner_on_scratch_sqlite

NAME = "duplicates"
DAY = 86_400
PLACES = 3_000
CATEGORIES = 15
REPEAT_SHARE = 0.25  # orders from callers who call more than once
SUBJECTS = ["楼下烧烤摊油烟噪音扰民", "小区路灯不亮", "道路井盖缺失", "供暖温度不达标", "公司拖欠工资三个月",
            "占道经营影响通行", "垃圾清运不及时臭味大", "楼道堆放杂物", "停水未提前通知", "公交班次太少等车久",
            "违章搭建阳光房", "餐馆油烟直排", "物业服务差乱收费", "道路破损坑洼", "学校门口接送拥堵",
            "夜间施工噪音", "电梯经常故障困人", "排水管道堵塞污水外溢", "广场舞音响太吵", "共享单车乱停放"]
STREETS = ["定王台", "文艺路", "东屯渡", "湘湖", "桂花坪", "大托", "暮云", "先锋", "洋湖", "学士", "含浦", "西湖"]
OPENINGS = ["", "市民来电反映，", "来电人称，", "网友留言：", "再次反映："]
CLOSINGS = ["希望尽快处理。", "已经持续一个多月了，多次反映无果。", "严重影响居民休息。", "请相关部门核实。", ""]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders of the last 30 days (default 1,000,000)")
    parser.add_argument("--probes", type=int, default=1_000, help="lookups to time (default 1,000)")
    parser.add_argument("--batch", type=int, default=20_000, help="rows per executemany batch")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    return parser


@benchmark(NAME)
def duplicates(argv: Sequence[str]) -> Figure | None:
    """Duplicate/repeat candidate lookup against 1,000,000 orders of the last 30 days (target p95 < 50 ms)."""
    args = _parser().parse_args(list(argv))
    if args.orders < 1 or args.probes < 1 or args.batch < 1:
        raise BenchError("--orders, --probes and --batch must be positive")
    return _inner(args) if args.inner else run_inner_on_scratch_sqlite(NAME, argv, prefix="hotline-bench-dup-")


def _inner(args: argparse.Namespace) -> Figure:
    """Migrate the scratch database, generate the orders and their index rows, time the lookups."""
    db_name = migrate_scratch(NAME)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    pool = generate(args.orders, now=now, batch=args.batch, seed=args.seed)
    gen_s = time.perf_counter() - started
    print(f"generated {args.orders:,} orders + {args.orders:,} index rows in {gen_s:.1f} s "
          f"(database {Path(db_name).stat().st_size / 1e6:,.0f} MB)", flush=True)
    timings, found = measure(pool, now=now, probes=args.probes, seed=args.seed)
    _report(timings, found)
    _print_plans(now)
    return Figure(_percentile(timings, 95), "ms")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _report(timings: list[float], found: dict[str, int]) -> None:
    print(f"lookups: {len(timings)}; p50={statistics.median(timings):.2f} ms, p95={_percentile(timings, 95):.2f} ms, "
          f"p99={_percentile(timings, 99):.2f} ms, max={max(timings):.2f} ms; "
          f"lookups that found repeats: {found['repeats']}, clusters: {found['clusters']}", flush=True)


class Pool:
    """The synthetic population the lookups are drawn from."""

    def __init__(self, seed: int) -> None:
        from hotline.intelligence import duplicates as dup

        rng = random.Random(seed)
        self.texts: list[tuple[str, str]] = []
        for subject in SUBJECTS:
            for street in STREETS:
                for opening in OPENINGS:
                    closing = rng.choice(CLOSINGS)
                    self.texts.append((f"{street}街道{subject}", f"{opening}{street}街道某小区{subject}，{closing}"))
        self.signatures = [dup.signature(f"{title} {body}") for title, body in self.texts]
        self.repeat_phones = [f"139{i:08d}" for i in range(40_000)]
        self.rng = rng

    def caller(self) -> tuple[str, int]:
        """A caller and the text of the matter: repeat callers (REPEAT_SHARE) mostly call about their own matter."""
        text_no = int(self.rng.random() * len(self.texts))
        if self.rng.random() < REPEAT_SHARE:
            number = self.rng.randrange(len(self.repeat_phones))
            if self.rng.random() < 0.7:
                text_no = self.matter(number)
            return self.repeat_phones[number], text_no
        return f"13{self.rng.randrange(10**9):09d}", text_no

    def matter(self, number: int) -> int:
        """The matter a repeat caller keeps calling about."""
        return (number * 7919) % len(self.texts)


def generate(orders: int, *, now: datetime, batch: int = 20_000, seed: int = 12345) -> Pool:
    """Bulk-insert `orders` orders registered over the last 30 days and their duplicate-index rows."""
    from django.db import connection, transaction

    from hotline.bench.sla_sweep import _drop_indexes, _Table, _Timestamps
    from hotline.intelligence import duplicates as dup
    from hotline.tickets.models import Ticket
    from hotline.triage.models import DuplicateKey

    pool = Pool(seed)
    rng, ts = pool.rng, _Timestamps()
    now_s = int(now.timestamp())
    phone_keys: dict[str, str] = {}
    columns = ("id", "number", "query_code", "status", "version", "channel", "request_type", "urgency",
               "is_difficult", "title", "description", "caller_phone", "registered_at", "updated_at")
    with transaction.atomic():
        tickets = _Table(Ticket, connection, columns)
        keys = _Table(DuplicateKey, connection, ("ticket_id", "phone", "registered_at", "category1", "place",
                                                  "signature"))
        raw = connection.connection
        first_id = 1 + (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0)
        indexes = _drop_indexes(raw, [Ticket._meta.db_table, DuplicateKey._meta.db_table])
        for start in range(0, orders, batch):
            t_rows, k_rows = [], []
            for i in range(start, min(orders, start + batch)):
                pk = first_id + i
                at = ts(now_s - int(30 * DAY * (1 - (i + rng.random()) / orders)))
                phone, text_no = pool.caller()
                title, body = pool.texts[text_no]
                key = phone_keys.get(phone)
                if key is None:
                    key = dup.phone_key(phone)
                    if phone.startswith("139"):
                        phone_keys[phone] = key
                t_rows.append((pk, f"B{pk:012d}", "000000", "in_progress", 1, "phone", "complaint", "normal",
                               False, title, body, phone, at, at))
                k_rows.append((pk, key, at, 1 + text_no % CATEGORIES, f"c{int(rng.random() * PLACES)}",
                               pool.signatures[text_no]))
            raw.executemany(tickets.insert_sql, tickets.rows(t_rows))
            raw.executemany(keys.insert_sql, keys.rows(k_rows))
        for sql in indexes:
            raw.execute(sql)
    if not connection.in_atomic_block:  # the scratch database (a test's transaction cannot checkpoint)
        raw.execute("ANALYZE")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return pool


def measure(pool: Pool, *, now: datetime, probes: int, seed: int = 1) -> tuple[list[float], dict[str, int]]:
    """Time `lookup` for `probes` new orders; returns the times (ms) and how many found something."""
    from hotline.intelligence import duplicates as dup
    from hotline.triage.models import TriageSettings
    from hotline.triage.services import lookup

    rng = random.Random(seed)
    rules = TriageSettings.current().as_rules()
    timings: list[float] = []
    found = {"repeats": 0, "clusters": 0}
    for n in range(probes):
        if n % 2:
            number = rng.randrange(len(pool.repeat_phones))
            phone, text_no = pool.repeat_phones[number], pool.matter(number)
        else:
            phone, text_no = f"13{rng.randrange(10**9):09d}", rng.randrange(len(pool.texts))
        key = dup.Key(ticket_id=-1 - n, phone=dup.phone_key(phone), category1=1 + text_no % CATEGORIES,
                      place=f"c{rng.randrange(PLACES)}", signature=pool.signatures[text_no])
        began = time.perf_counter()
        result = lookup(key, now, rules)
        timings.append((time.perf_counter() - began) * 1000)
        found["repeats"] += bool(result.repeats)
        found["clusters"] += result.is_cluster
    return timings, found


def _print_plans(now: datetime) -> None:
    """SQLite's plan for the two candidate queries (both must be index range scans)."""
    from django.db import connection

    from hotline.triage.models import DuplicateKey

    since = now - timedelta(days=30)
    for label, qs in (("same caller", DuplicateKey.objects.filter(phone="x", registered_at__gte=since)),
                      ("same place", DuplicateKey.objects.filter(place="c1", registered_at__gte=since))):
        sql, params = qs.order_by("-registered_at").values_list("ticket_id", "signature").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            print(f"plan ({label}): " + "; ".join(str(row[-1]) for row in cursor.fetchall()), flush=True)
