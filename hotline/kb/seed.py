"""Loading a knowledge base from a seed file (hotline/data/kb_seed.json), through the services, idempotently.

Each entry names its owner unit by code (the demo city's codes: DEPT-RS, UTIL-GAS, CENTRE …). An entry
whose article exists (same owner, kind and title) with the same text is skipped; a changed text becomes
a new version, unless the centre has edited the article since (its latest version is a person's): the
centre's edit is kept (`--overwrite` publishes the seed over it). Bad entries are reported with their number and reason; the good ones are loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from hotline.accounts.models import User
from hotline.kb import services
from hotline.kb.choices import ArticleStatus, Kind
from hotline.kb.exceptions import KbError, SeedError
from hotline.kb.models import Article, ArticleVersion
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit

SEED_PATH = Path(settings.BASE_DIR) / "hotline" / "data" / "kb_seed.json"
FORMAT = "hotline-kb-seed/1"


@dataclass
class SeedReport:
    """What a seed load did: created, revised, unchanged, and the rejected entries with their reasons."""

    created: int = 0
    revised: int = 0
    unchanged: int = 0
    kept: int = 0  #: articles the centre edited since the seed: its edit stays
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        kept = f"保留中心修订 {self.kept} 条，" if self.kept else ""
        return (f"新建 {self.created} 条，修订 {self.revised} 条，未变 {self.unchanged} 条，{kept}"
                f"拒绝 {len(self.rejected)} 条")


def _unit(code: str) -> HandlingUnit:
    unit = HandlingUnit.objects.filter(code=code).first()
    if unit is None and code == "CENTRE":
        unit = HandlingUnit.objects.filter(kind=UnitKind.CENTRE).order_by("path").first()
    if unit is None:
        raise SeedError(f"责任单位编码「{code}」不存在（请先加载演示单位：hotline demo）")
    return unit


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise SeedError(f"{name}「{value}」不是 YYYY-MM-DD 格式的日期") from exc


def _entry(raw: Any) -> tuple[dict[str, Any], services.ArticleText]:
    """Check one entry; the article's fields and its text."""
    if not isinstance(raw, dict):
        raise SeedError("条目不是对象")
    kind = raw.get("kind", "")
    if kind not in Kind.values:
        raise SeedError(f"类型「{kind}」无效（可选：{', '.join(Kind.values)}）")
    text = services.ArticleText(title=str(raw.get("title", "")), body=str(raw.get("body", "")),
                                answer=str(raw.get("answer", "")), keywords=str(raw.get("keywords", "")))
    try:
        text.check()
    except KbError as exc:
        raise SeedError(exc.message) from exc
    valid_from = _date(raw.get("valid_from"), "生效日期")
    if valid_from is None:
        raise SeedError("缺少生效日期 valid_from")
    fields = {"kind": kind, "owner_unit": _unit(str(raw.get("owner", ""))), "valid_from": valid_from,
              "valid_until": _date(raw.get("valid_until"), "失效日期"), "is_public": bool(raw.get("public", False))}
    return fields, text


def _existing(fields: dict[str, Any], title: str) -> Article | None:
    found = (ArticleVersion.objects.filter(article__owner_unit=fields["owner_unit"], article__kind=fields["kind"],
                                           title=title.strip()).select_related("article").order_by("-number").first())
    return found.article if found else None


def _same(version: ArticleVersion | None, text: services.ArticleText) -> bool:
    return version is not None and (version.title, version.body, version.answer, version.keywords) == (
        text.title.strip(), text.body.strip(), text.answer.strip(), text.keywords.strip())


def _centre_revised(article: Article, latest: ArticleVersion, actor: User | None) -> bool:
    """Whether the latest version is the centre's own text: made by a person (not the seed's `actor`) and
    different from the seed's latest text. A 复核 that republished the seed's words unchanged is not."""
    seeders = [None, getattr(actor, "pk", None)]
    if latest.created_by_id in seeders:
        return False
    seeded = (article.versions.filter(created_by__isnull=True) if actor is None
              else article.versions.filter(created_by=actor)).order_by("-number").first()
    return seeded is None or (latest.title, latest.body, latest.answer, latest.keywords) != (
        seeded.title, seeded.body, seeded.answer, seeded.keywords)


def load_seed(path: Path | str = SEED_PATH, *, actor: User | None = None, overwrite: bool = False) -> SeedReport:
    """Load (or refresh) the articles of a seed file; every good entry is published.

    An article the centre has edited since (its latest version made by someone else than `actor`) keeps
    the centre's text unless `overwrite`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SeedError(f"无法读取知识库种子文件 {path}：{exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("articles"), list):
        raise SeedError(f"{path} 不是知识库种子文件（format 应为 {FORMAT}）")
    report = SeedReport()
    for number, raw in enumerate(data["articles"], start=1):
        try:
            with transaction.atomic():
                _load_one(raw, actor, report, overwrite=overwrite)
        except KbError as exc:
            report.rejected.append((number, exc.message))
    return report


def _load_one(raw: Any, actor: User | None, report: SeedReport, *, overwrite: bool = False) -> None:
    fields, text = _entry(raw)
    article = _existing(fields, text.title)
    if article is None:
        services.create_article(text=text, actor=actor, publish=True, **fields)
        report.created += 1
        return
    if article.status == ArticleStatus.RETIRED:
        report.unchanged += 1  # retired on purpose by the centre: a seed does not bring it back
        return
    latest = article.latest_version
    kept = latest if latest is not None and latest.valid_from is not None else article  # a draft's own settings
    if _same(latest, text) and (kept.valid_from, kept.valid_until, kept.is_public) == (
            fields["valid_from"], fields["valid_until"], fields["is_public"]):
        if article.status != ArticleStatus.PUBLISHED:
            services.publish_article(article, actor=actor)
        report.unchanged += 1
        return
    if not overwrite and latest is not None and _centre_revised(article, latest, actor):
        report.kept += 1  # the centre revised it (a person's version): a seed refresh does not undo that
        return
    services.new_version(article, text=text, actor=actor, change_note="种子文件更新", valid_from=fields["valid_from"],
                         valid_until=fields["valid_until"], clear_until=fields["valid_until"] is None,
                         is_public=fields["is_public"])
    report.revised += 1
