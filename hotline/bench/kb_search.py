"""Benchmark `kb-search`: knowledge-base search over 100,000 articles (target p95 < 50 ms).

`hotline bench kb-search` re-runs itself in a subprocess (`--inner`) on a fresh SQLite file in a
temporary directory (removed afterwards), so the user's database is never touched. The inner run
migrates the scratch database and builds 100,000 published articles: each combines a demo seed
article (hotline/data/kb_seed.json) with a real citizen message (hotline/data/messages_labeled.csv)
for variety; the texts are segmented once into a pool and the rows (articles, versions, FTS5 index)
are bulk-inserted with `executemany` in one transaction. Validity dates vary (about 85 % in force
today), as do kinds, owner units and the public flag.

It then times 1,000 searches, each the agent-suggestion call (`hotline.kb.selectors.search`: query
segmentation, the FTS5 bm25 query with its filters, the article fetch), with queries taken from the
real message titles of hotline/data/messages_replies.csv (other messages than the articles'). It
prints p50/p95/p99, the share of queries with a result and the public-FAQ variant; the last line is
`kb-search: p95=<ms> ms`.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hotline.bench.registry import BenchError, benchmark, rss_line
from hotline.bench.scratch import migrate_scratch, run_inner_on_scratch_sqlite

NAME = "kb-search"
DATA = Path(__file__).resolve().parent.parent / "data"
KINDS = ((0.5, "faq"), (0.3, "procedure"), (0.2, "policy"))
OWNER_UNITS = 40
PUBLIC_SHARE = 0.6
#: Validity relative to today: (share, days from, days until or None = open-ended).
VALIDITY = ((0.75, -900, None), (0.10, -400, 200), (0.10, -1200, -30), (0.05, 30, None))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles to generate (default 100,000)")
    parser.add_argument("--queries", type=int, default=1_000, help="searches to time (default 1,000)")
    parser.add_argument("--batch", type=int, default=5_000, help="rows per executemany batch")
    parser.add_argument("--seed", type=int, default=12345, help="random seed")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    return parser


@benchmark(NAME)
def kb_search(argv: Sequence[str]) -> None:
    """Knowledge-base search over 100,000 articles on a scratch SQLite database (target p95 < 50 ms)."""
    args = _parser().parse_args(list(argv))
    if args.articles < 1 or args.queries < 1 or args.batch < 1:
        raise BenchError("--articles, --queries and --batch must be positive")
    if args.inner:
        _inner(args)
    else:
        run_inner_on_scratch_sqlite(NAME, argv, prefix="hotline-bench-kb-")


# --- The text pool ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A text and its tokens (segmented once)."""

    raw: str
    tokens: str


@dataclass
class Pool:
    """Segmented seed articles (titles, bodies, answers) and real messages (titles, details)."""

    seed_titles: list[Piece]
    seed_bodies: list[Piece]
    seed_answers: list[str]
    message_titles: list[Piece]
    message_details: list[Piece]


def _messages(path: Path, limit: int) -> list[tuple[str, str]]:
    found = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            title, detail = " ".join(row["留言主题"].split()), " ".join(row["留言详情"].split())
            if title and detail:
                found.append((title, detail))
            if len(found) >= limit:
                break
    return found


def build_pool(messages: int = 2_000) -> Pool:
    """Segment the seed articles and `messages` real messages once."""
    import json

    from hotline.intelligence.segment import index_text

    seed = json.loads((DATA / "kb_seed.json").read_text(encoding="utf-8"))["articles"]
    rows = _messages(DATA / "messages_labeled.csv", messages)

    def piece(text: str) -> Piece:
        return Piece(text, index_text(text))

    return Pool(
        seed_titles=[piece(a["title"]) for a in seed],
        seed_bodies=[piece(f'{a["body"]} {a["answer"]} {a["keywords"]}') for a in seed],
        seed_answers=[a["answer"] for a in seed],
        message_titles=[piece(t) for t, _ in rows],
        message_details=[piece(d[:160]) for _, d in rows],
    )


def queries_from_replies(count: int, *, seed: int) -> list[str]:
    """Real message titles (留言主题) from the replies file: what citizens actually ask about."""
    titles = [t for t, _ in _messages(DATA / "messages_replies.csv", 10_000)]
    rng = random.Random(seed)
    return [rng.choice(titles) for _ in range(count)]


# --- Generating the articles -----------------------------------------------------------------------


def _pick(rng: random.Random, shares: Sequence[tuple]) -> tuple:
    roll, total = rng.random(), 0.0
    for row in shares:
        total += row[0]
        if roll < total:
            return row
    return shares[-1]


def generate(articles: int, *, pool: Pool, batch: int = 5_000, seed: int = 12345, today: date | None = None) -> int:
    """Bulk-insert `articles` published articles, their versions and their index rows; returns the count."""
    from django.db import connection, transaction

    from hotline.kb.index import ALL_DOCUMENTS, FOREVER, count_terms, term_set
    from hotline.kb.models import Article
    from hotline.orgs.choices import UnitKind
    from hotline.orgs.models import HandlingUnit

    rng = random.Random(seed)
    terms: Counter[str] = Counter()
    today = today or datetime.now(UTC).date()
    now = datetime.now(UTC).isoformat(sep=" ")
    with transaction.atomic():
        centre = HandlingUnit.objects.create(code="BENCH-KB", name="基准测试中心", kind=UnitKind.CENTRE)
        units = [HandlingUnit.objects.create(code=f"BENCH-KB-{i:02d}", name=f"基准单位{i}", kind=UnitKind.DEPARTMENT,
                                             parent=centre).pk for i in range(OWNER_UNITS)]
        start = (Article.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        with connection.cursor() as cursor:
            for first in range(start, start + articles, batch):
                a_rows, v_rows, f_rows = [], [], []
                for pk in range(first, min(first + batch, start + articles)):
                    s = rng.randrange(len(pool.seed_titles))
                    m = rng.randrange(len(pool.message_titles))
                    title = pool.message_titles[m] if rng.random() < 0.5 else pool.seed_titles[s]
                    body = pool.seed_bodies[s]
                    detail = pool.message_details[m]
                    kind = _pick(rng, KINDS)[1]
                    _, since, until = _pick(rng, VALIDITY)
                    valid_from = (today + timedelta(days=since + rng.randrange(30))).isoformat()
                    valid_until = (today + timedelta(days=until)).isoformat() if until is not None else None
                    public = rng.random() < PUBLIC_SHARE
                    owner = rng.choice(units)
                    a_rows.append((pk, f"KB-{pk:06d}", kind, owner, "published", public, valid_from, valid_until,
                                   pk, now, now))
                    v_rows.append((pk, pk, 1, title.raw[:200], f"{body.raw} {detail.raw}", pool.seed_answers[s],
                                   "", "", now, now))
                    f_rows.append((pk, title.tokens, f"{body.tokens} {detail.tokens}", kind, owner, int(public),
                                   valid_from, valid_until or FOREVER))
                cursor.executemany(
                    "INSERT INTO kb_article (id, code, kind, owner_unit_id, status, is_public, valid_from, valid_until, "
                    "published_version_id, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    a_rows)
                cursor.executemany(
                    "INSERT INTO kb_articleversion (id, article_id, number, title, body, answer, keywords, change_note, "
                    "created_at, published_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", v_rows)
                cursor.executemany("INSERT INTO kb_article_fts (rowid, title, body) VALUES (%s, %s, %s)",
                                   [r[:3] for r in f_rows])
                cursor.executemany(
                    "INSERT INTO kb_article_filter (article_id, kind, owner_unit_id, is_public, valid_from, "
                    "valid_until) VALUES (%s, %s, %s, %s, %s, %s)", [(r[0], *r[3:]) for r in f_rows])
                for r in f_rows:
                    terms.update(term_set(r[1], r[2]))
                terms[ALL_DOCUMENTS] += len(f_rows)
            count_terms(cursor, terms)
    return articles


def measure(queries: Sequence[str], *, public_only: bool = False) -> tuple[list[float], int]:
    """Time each search (ms) as the suggestion endpoint runs it; also count queries with a result."""
    from hotline.kb.selectors import search

    timings, answered = [], 0
    for query in queries:
        started = time.perf_counter()
        hits = search(query, public_only=public_only, limit=5)
        timings.append((time.perf_counter() - started) * 1000)
        answered += bool(hits)
    return timings, answered


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _inner(args: argparse.Namespace) -> None:
    """Migrate the scratch database, generate the articles, time the searches, print the figures."""
    db_name = migrate_scratch(NAME, require_empty=False)

    started = time.perf_counter()
    pool = build_pool()
    print(f"segmented the text pool ({len(pool.seed_titles)} seed articles, {len(pool.message_titles):,} real "
          f"messages) in {time.perf_counter() - started:.2f} s", flush=True)
    started = time.perf_counter()
    generate(args.articles, pool=pool, batch=args.batch, seed=args.seed)
    gen_s = time.perf_counter() - started
    size_mb = Path(db_name).stat().st_size / 1e6
    print(f"generated {args.articles:,} published articles (+ versions + FTS5 rows) in {gen_s:.2f} s "
          f"({args.articles / gen_s:,.0f} articles/s; database {size_mb:,.0f} MB)", flush=True)

    queries = queries_from_replies(args.queries, seed=args.seed)
    measure(queries[:20])  # warm the page cache and the statement cache
    print(f"load average before timing: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    timings, answered = measure(queries)
    p50, p95, p99 = (percentile(timings, s) for s in (0.50, 0.95, 0.99))
    print(f"agent suggestions, {len(queries):,} real message titles, top 5: p50={p50:.2f} ms p95={p95:.2f} ms "
          f"p99={p99:.2f} ms mean={statistics.fmean(timings):.2f} ms max={max(timings):.2f} ms; "
          f"{answered / len(queries):.0%} found an article", flush=True)
    public, public_answered = measure(queries[: max(1, len(queries) // 5)], public_only=True)
    print(f"public FAQ search ({len(public):,} queries): p95={percentile(public, 0.95):.2f} ms; "
          f"{public_answered / len(public):.0%} found an article", flush=True)
    print(rss_line(), flush=True)
    print(f"{NAME}: p95={p95:.2f} ms", flush=True)
