"""`hotline bench kb-search` in a tiny configuration: the generated base is searchable and searches are timed."""

from __future__ import annotations

import pytest

from hotline.bench import registry
from hotline.bench.kb_search import build_pool, generate, measure, percentile, queries_from_replies
from hotline.kb import index
from hotline.kb.models import Article
from hotline.kb.tests.conftest import on_sqlite  # noqa: F401 - used by skipif

pytestmark = pytest.mark.django_db


def test_registered() -> None:
    assert "kb-search" in registry.benchmarks()


@pytest.mark.skipif("not on_sqlite()", reason="the benchmark runs on an SQLite scratch database")
def test_tiny_run_generates_a_searchable_base_and_times_real_queries(frozen_now) -> None:  # noqa: ANN001
    pool = build_pool(messages=60)
    generate(300, pool=pool, batch=100, seed=3, today=frozen_now.date())
    assert Article.objects.count() == 300
    assert len(index.indexed_article_ids()) == 300
    assert sum(index.term_frequencies(["公积金"]).values()) > 0
    queries = queries_from_replies(20, seed=1)
    assert len(queries) == 20 and all(queries)
    timings, answered = measure(queries)
    assert len(timings) == 20 and all(t > 0 for t in timings)
    assert answered > 0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(registry.BenchError):
        registry.benchmarks()["kb-search"].fn(["--articles", "0"])
