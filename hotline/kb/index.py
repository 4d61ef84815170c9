"""The knowledge base's full-text index, inside the database's own engine.

* SQLite: FTS5 virtual tables (`kb_article_fts`, `kb_reply_fts`) holding jieba tokens joined by
  spaces (the unicode61 tokenizer splits on those spaces), ranked by bm25 with the title weighted
  4:1; the filter columns (kind, owner unit, public flag, validity dates) are in a narrow table
  `kb_article_filter` joined on the rowid, so filtering never reads the large FTS content rows.
* PostgreSQL: `kb_article_search` / `kb_reply_search` with a tsvector column built with the 'simple'
  configuration from the same tokens (title weight A, text weight B) under a GIN index, ranked by
  the sum of each term's ts_rank weighted by its rarity (idf); the filter columns sit beside it.

Both keep `kb_index_term` (term → number of indexed articles holding it, whatever their filters). A
search keeps the query's rarest terms within a match budget (`choose_terms`), which bounds the work on
100,000 articles; when those terms find nothing the filters let through, it tries the next rarest
(`MATCH_ATTEMPTS` index queries at most).
Only published articles are indexed. Writers are called by the services in the same transaction as
the change (`put_articles`, `drop_articles`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from hotline.intelligence import segment
from hotline.kb.constants import MATCH_BUDGET, MAX_MATCH_TERMS, QUERY_MAX_CHARS, QUERY_TERMS, RANK_CAP

#: The row of `kb_index_term` that counts the indexed articles themselves (no token is empty).
ALL_DOCUMENTS = ""
#: A day after any real validity date: an article with no end date is stored as valid until then.
FOREVER = "9999-12-31"
#: Index queries one search makes at most: when the rarest terms find nothing the filters let through
#: (they are held only by internal, expired or other-kind articles), the next rarest are tried.
MATCH_ATTEMPTS = 3

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_article_fts USING fts5(title, body, tokenize='unicode61')",
    "CREATE TABLE IF NOT EXISTS kb_article_filter (article_id integer PRIMARY KEY, kind varchar(16) NOT NULL, "
    "owner_unit_id integer NOT NULL, is_public integer NOT NULL, valid_from varchar(10) NOT NULL, "
    "valid_until varchar(10) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kb_index_term (term varchar(100) PRIMARY KEY, docs integer NOT NULL) WITHOUT ROWID",
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_reply_fts USING fts5(title, body, tokenize='unicode61')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS kb_article_fts", "DROP TABLE IF EXISTS kb_article_filter",
               "DROP TABLE IF EXISTS kb_index_term", "DROP TABLE IF EXISTS kb_reply_fts"]
POSTGRES_CREATE = [
    "CREATE TABLE IF NOT EXISTS kb_article_search (article_id bigint PRIMARY KEY, "
    "kind varchar(16) NOT NULL, owner_unit_id bigint NOT NULL, is_public boolean NOT NULL, "
    "valid_from date NOT NULL, valid_until date NOT NULL, tokens text NOT NULL, document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS kb_article_search_document ON kb_article_search USING GIN (document)",
    "CREATE TABLE IF NOT EXISTS kb_index_term (term varchar(100) PRIMARY KEY, docs integer NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kb_reply_search (reply_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS kb_reply_search_document ON kb_reply_search USING GIN (document)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS kb_article_search", "DROP TABLE IF EXISTS kb_index_term",
                 "DROP TABLE IF EXISTS kb_reply_search"]


def create_sql(vendor: str) -> list[str]:
    """The statements that create the index tables on this database vendor."""
    if vendor == "sqlite":
        return SQLITE_CREATE
    if vendor == "postgresql":
        return POSTGRES_CREATE
    raise NotImplementedError(f"knowledge-base search supports SQLite and PostgreSQL, not {vendor}")


def drop_sql(vendor: str) -> list[str]:
    """The statements that drop the index tables."""
    return SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP


def _pg() -> bool:
    return connection.vendor == "postgresql"


# --- Articles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedArticle:
    """What the index stores for one published article."""

    article_id: int
    title: str
    text: str  # body, answer and keywords
    kind: str
    owner_unit_id: int
    is_public: bool
    valid_from: date
    valid_until: date | None

    def row(self) -> tuple:
        """(id, title tokens, text tokens, kind, owner, public, from, until) as stored."""
        return (self.article_id, segment.index_text(self.title), segment.index_text(self.text), self.kind,
                self.owner_unit_id, int(self.is_public), self.valid_from.isoformat(),
                self.valid_until.isoformat() if self.valid_until else FOREVER)


def term_set(*token_texts: str) -> set[str]:
    """The distinct terms of some token texts (what document frequencies count)."""
    return {term for text in token_texts for term in text.split()}


def count_terms(cursor: Any, counts: Counter[str]) -> None:
    """Add to (or, with negative counts, take from) the document frequency of each term."""
    rows = [(term[:100], n) for term, n in counts.items() if n]
    if rows:
        cursor.executemany(
            "INSERT INTO kb_index_term (term, docs) VALUES (%s, %s) "
            "ON CONFLICT (term) DO UPDATE SET docs = kb_index_term.docs + excluded.docs", rows)


def _old_terms(cursor: Any, article_ids: Sequence[int]) -> tuple[set[int], Counter[str]]:
    """The articles already in the index among these, and the terms they were counted with."""
    found: set[int] = set()
    counts: Counter[str] = Counter()
    for start in range(0, len(article_ids), 500):
        chunk = list(article_ids[start:start + 500])
        marks = ", ".join(["%s"] * len(chunk))
        if _pg():
            cursor.execute(f"SELECT article_id, tokens, '' FROM kb_article_search WHERE article_id IN ({marks})",  # noqa: S608
                           chunk)
        else:
            cursor.execute(f"SELECT rowid, title, body FROM kb_article_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608
        for pk, title, body in cursor.fetchall():
            found.add(pk)
            counts.update(term_set(title, body))
    return found, counts


def put_articles(entries: Iterable[IndexedArticle]) -> int:
    """Insert or replace articles in the index and keep the terms' document frequencies; returns how many."""
    rows = [entry.row() for entry in entries]
    if not rows:
        return 0
    with connection.cursor() as cursor:
        present, old = _old_terms(cursor, [r[0] for r in rows])
        new: Counter[str] = Counter()
        for r in rows:
            new.update(term_set(r[1], r[2]))
        new.subtract(old)
        new[ALL_DOCUMENTS] = len({r[0] for r in rows} - present)
        if _pg():
            cursor.executemany(
                "INSERT INTO kb_article_search (article_id, tokens, document, kind, owner_unit_id, is_public, "
                "valid_from, valid_until) VALUES (%s, %s, setweight(to_tsvector('simple', %s), 'A') || "
                "setweight(to_tsvector('simple', %s), 'B'), %s, %s, %s, %s, %s) ON CONFLICT (article_id) DO UPDATE "
                "SET tokens = EXCLUDED.tokens, document = EXCLUDED.document, kind = EXCLUDED.kind, "
                "owner_unit_id = EXCLUDED.owner_unit_id, is_public = EXCLUDED.is_public, "
                "valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until",
                [(r[0], f"{r[1]} {r[2]}", r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in rows])
        else:
            ids = [(r[0],) for r in rows]
            cursor.executemany("DELETE FROM kb_article_fts WHERE rowid = %s", ids)
            cursor.executemany("DELETE FROM kb_article_filter WHERE article_id = %s", ids)
            cursor.executemany("INSERT INTO kb_article_fts (rowid, title, body) VALUES (%s, %s, %s)",
                               [r[:3] for r in rows])
            cursor.executemany(
                "INSERT INTO kb_article_filter (article_id, kind, owner_unit_id, is_public, valid_from, valid_until) "
                "VALUES (%s, %s, %s, %s, %s, %s)", [(r[0], *r[3:]) for r in rows])
        count_terms(cursor, new)
    return len(rows)


def drop_articles(article_ids: Sequence[int]) -> None:
    """Take articles out of the index (retired, or no longer published)."""
    if not article_ids:
        return
    with connection.cursor() as cursor:
        present, old = _old_terms(cursor, list(article_ids))
        old[ALL_DOCUMENTS] = len(present)
        ids = [(i,) for i in article_ids]
        if _pg():
            cursor.executemany("DELETE FROM kb_article_search WHERE article_id = %s", ids)
        else:
            cursor.executemany("DELETE FROM kb_article_fts WHERE rowid = %s", ids)
            cursor.executemany("DELETE FROM kb_article_filter WHERE article_id = %s", ids)
        count_terms(cursor, Counter({term: -n for term, n in old.items()}))


def clear_articles() -> None:
    """Empty the article index (before a full rebuild)."""
    with connection.cursor() as cursor:
        for table in (["kb_article_search"] if _pg() else ["kb_article_fts", "kb_article_filter"]):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute("DELETE FROM kb_index_term")


def indexed_article_ids() -> set[int]:
    """The ids of every article in the index (for checks and tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id FROM kb_article_search" if _pg() else "SELECT rowid FROM kb_article_fts")
        return {row[0] for row in cursor.fetchall()}


def term_frequencies(terms: Sequence[str]) -> dict[str, int]:
    """How many indexed articles hold each term (terms held by none are left out).

    The answer also holds `ALL_DOCUMENTS` (the number of indexed articles) when there are any.
    """
    if not terms:
        return {}
    asked = [*terms, ALL_DOCUMENTS]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, docs FROM kb_index_term WHERE term IN ({', '.join(['%s'] * len(asked))}) "  # noqa: S608
                       "AND docs > 0", asked)
        return dict(cursor.fetchall())


def choose_terms(terms: Sequence[str], frequencies: dict[str, int]) -> list[str]:
    """The rarest terms first, as many as fit the match budget (always at least one if any is indexed).

    Rare terms say the most about what is asked (bm25 weighs them most); common ones would make the
    engine rank tens of thousands of articles for little change at the top.
    """
    known = sorted((t for t in terms if frequencies.get(t)), key=lambda t: (frequencies[t], terms.index(t)))
    chosen: list[str] = []
    total = 0
    for term in known:
        if chosen and (len(chosen) >= MAX_MATCH_TERMS or total + frequencies[term] > MATCH_BUDGET):
            break
        chosen.append(term)
        total += frequencies[term]
    return chosen


def idf(documents: int, total: int) -> float:
    """A term's inverse document frequency as bm25 computes it (rarer terms weigh more), for PostgreSQL."""
    return math.log(1 + (max(total, documents) - documents + 0.5) / (documents + 0.5))


@dataclass(frozen=True)
class Filters:
    """What a search is restricted to, besides being published: the day, public only, kinds, owner units."""

    day: date
    public_only: bool = False
    kinds: tuple[str, ...] = ()
    owner_unit_ids: tuple[int, ...] = ()


def terms_of(query: str) -> list[str]:
    """The query's search terms, segmented as the documents were."""
    return segment.query_terms((query or "")[:QUERY_MAX_CHARS], limit=QUERY_TERMS)


def _where(filters: Filters, prefix: str) -> tuple[str, list[Any]]:
    day = filters.day.isoformat()
    where, params = [f"{prefix}valid_from <= %s AND {prefix}valid_until >= %s"], [day, day]
    if filters.public_only:
        where.append(f"{prefix}is_public = %s")
        params.append(True if _pg() else 1)
    if filters.kinds:
        where.append(f"{prefix}kind IN ({', '.join(['%s'] * len(filters.kinds))})")
        params += list(filters.kinds)
    if filters.owner_unit_ids:
        where.append(f"{prefix}owner_unit_id IN ({', '.join(['%s'] * len(filters.owner_unit_ids))})")
        params += list(filters.owner_unit_ids)
    return " AND ".join(where), params


def search_articles(query: str, filters: Filters, *, limit: int = 10, offset: int = 0) -> list[tuple[int, float]]:
    """(article id, score) of the best matches, best first; the score is higher for a better match.

    The term counts cover every indexed article (internal guides, articles out of force, every kind
    and owner), so the rarest terms `choose_terms` keeps may be held only by articles the filters then
    exclude (a word of an internal guide, of an expired rule). When the chosen terms find no article
    the filters let through, they are dropped and the next rarest are searched, at most
    `MATCH_ATTEMPTS` times in all; each attempt stays within the match budget.

    When even the rarest term is held by more than `RANK_CAP` articles, the matches are returned
    unranked (newest first) rather than ranking a large share of the knowledge base.
    """
    remaining = terms_of(query)
    frequencies = term_frequencies(remaining)
    for _attempt in range(MATCH_ATTEMPTS):
        terms = choose_terms(remaining, frequencies)
        if not terms:
            return []
        found = _match(terms, frequencies, filters, limit=limit, offset=offset)
        # a page past the last one is empty, but the terms did find articles: it is the end, not a miss
        if found or (offset and _match(terms, frequencies, filters, limit=1, offset=0)):
            return found
        remaining = [t for t in remaining if t not in terms]
    return []


def _match(terms: Sequence[str], frequencies: dict[str, int], filters: Filters, *, limit: int,
           offset: int) -> list[tuple[int, float]]:
    """One index query: the articles the filters let through that hold any of the terms, best first."""
    ranked = sum(frequencies[t] for t in terms) <= RANK_CAP
    with connection.cursor() as cursor:
        if _pg():
            where, params = _where(filters, "")
            order = "score DESC, article_id" if ranked else "article_id DESC"
            # ts_rank knows no rarity: weigh each term's rank by its inverse document frequency (as bm25 does)
            score = " + ".join(["%s * ts_rank(document, to_tsquery('simple', %s))"] * len(terms))
            total = frequencies.get(ALL_DOCUMENTS, 0)
            weights = [value for t in terms for value in (idf(frequencies[t], total), segment.tsquery([t]))]
            cursor.execute(
                f"SELECT article_id, {score} AS score FROM kb_article_search, "  # noqa: S608
                f"to_tsquery('simple', %s) q WHERE document @@ q AND {where} ORDER BY {order} LIMIT %s OFFSET %s",
                [*weights, segment.tsquery(terms), *params, limit, offset])
            return [(row[0], float(row[1])) for row in cursor.fetchall()]
        where, params = _where(filters, "x.")
        order = "score, f.rowid" if ranked else "f.rowid DESC"
        cursor.execute(
            "SELECT f.rowid, bm25(kb_article_fts, 4.0, 1.0) AS score FROM kb_article_fts f "  # noqa: S608
            f"JOIN kb_article_filter x ON x.article_id = f.rowid WHERE kb_article_fts MATCH %s AND {where} "
            f"ORDER BY {order} LIMIT %s OFFSET %s",
            [segment.fts5_query(terms), *params, limit, offset])
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]


# --- Past replies ----------------------------------------------------------------------------------


def put_replies(rows: Iterable[tuple[int, str, str]]) -> int:
    """Index past replies: (reply id, request title, request text); returns how many."""
    prepared = [(pk, segment.index_text(title), segment.index_text(text)) for pk, title, text in rows]
    if not prepared:
        return 0
    with connection.cursor() as cursor:
        if _pg():
            cursor.executemany(
                "INSERT INTO kb_reply_search (reply_id, document) VALUES (%s, setweight(to_tsvector('simple', %s), "
                "'A') || setweight(to_tsvector('simple', %s), 'B')) ON CONFLICT (reply_id) DO UPDATE "
                "SET document = EXCLUDED.document", prepared)
        else:
            cursor.executemany("DELETE FROM kb_reply_fts WHERE rowid = %s", [(r[0],) for r in prepared])
            cursor.executemany("INSERT INTO kb_reply_fts (rowid, title, body) VALUES (%s, %s, %s)", prepared)
    return len(prepared)


def clear_replies() -> None:
    """Empty the past-reply index."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kb_reply_search" if _pg() else "DELETE FROM kb_reply_fts")


def search_replies(query: str, *, limit: int = 3) -> list[tuple[int, float]]:
    """(reply id, score) of the past replies whose request is most like the query, best first."""
    terms = terms_of(query)
    if not terms:
        return []
    with connection.cursor() as cursor:
        if _pg():
            cursor.execute(
                "SELECT reply_id, ts_rank(document, q) AS score FROM kb_reply_search, to_tsquery('simple', %s) q "
                "WHERE document @@ q ORDER BY score DESC, reply_id LIMIT %s", [segment.tsquery(terms), limit])
            return [(row[0], float(row[1])) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT rowid, bm25(kb_reply_fts, 3.0, 1.0) AS score FROM kb_reply_fts WHERE kb_reply_fts MATCH %s "
            "ORDER BY score, rowid LIMIT %s", [segment.fts5_query(terms), limit])
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]
