"""docs/kpis.md carries every indicator's formula, population and exclusions word for word."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import translation

from hotline.kpis.definitions import KPIS

DOC = Path(settings.BASE_DIR) / "docs" / "kpis.md"


def test_every_definition_is_in_the_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    with translation.override("zh-hans"):
        for kpi in KPIS.values():
            assert f"`{kpi.code}`" in text
            for part in (kpi.formula, kpi.population_text, kpi.exclusions_text):
                assert str(part) in text, f"{kpi.code}: {part}"


def test_english_names_exist_in_english() -> None:
    with translation.override("en"):
        for kpi in KPIS.values():
            assert str(kpi.formula) != "" and kpi.english
            assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(kpi.name)), kpi.code
