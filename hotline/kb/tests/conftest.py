"""Fixtures of the knowledge-base tests: the demo city's units, the seed, one-off articles."""

from __future__ import annotations

from datetime import date

import pytest

from hotline.kb import services
from hotline.kb.choices import Kind
from hotline.kb.models import Article
from hotline.orgs.models import HandlingUnit


@pytest.fixture
def city(db: None):  # noqa: ANN201
    """The demo city's units (codes DEPT-RS, UTIL-GAS, CENTRE …), as the seed file expects."""
    from hotline.demo.orgs import build_units

    return build_units()


@pytest.fixture
def seeded(city, frozen_now):  # noqa: ANN001, ANN201
    """The demo knowledge base, loaded at the frozen moment (2025-03-04)."""
    from hotline.kb.seed import load_seed

    report = load_seed()
    assert not report.rejected
    return report


def make_article(unit: HandlingUnit, title: str, *, answer: str = "请按指引办理。", body: str = "", kind: str = Kind.FAQ,
                 public: bool = True, valid_from: date = date(2024, 1, 1), valid_until: date | None = None,
                 publish: bool = True, keywords: str = "") -> Article:
    """One article through the real services."""
    text = services.ArticleText(title=title, body=body or f"{title}的详细说明。", answer=answer, keywords=keywords)
    return services.create_article(kind=kind, owner_unit=unit, text=text, valid_from=valid_from,
                                   valid_until=valid_until, is_public=public, actor=None, publish=publish)


def on_sqlite() -> bool:
    """The benchmark builds an SQLite scratch database; its generator writes SQLite's tables."""
    from django.db import connection

    return connection.vendor == "sqlite"
