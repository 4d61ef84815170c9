"""Loading real department replies (往期答复) into the similar-replies index, idempotently.

The file has the columns 留言编号, 留言主题, 留言详情, 答复意见 (答复时间 optional), as in
hotline/data/messages_replies.csv. Rows already loaded (same 留言编号) are skipped; rows with no
number, no request text or a reply shorter than `MIN_REPLY` characters are rejected with their line.
The rows are other citizens' messages: their phone numbers, identity card numbers and names are masked
(`hotline.core.privacy.scrub_public_text`) before anything is stored or indexed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from hotline.core.cli import UTF8_HINT
from hotline.core.privacy import scrub_public_text
from hotline.kb import index
from hotline.kb.exceptions import SeedError
from hotline.kb.models import ReplyExample

REPLIES_PATH = Path(settings.BASE_DIR) / "hotline" / "data" / "messages_replies.csv"
REQUIRED = ("留言编号", "留言主题", "留言详情", "答复意见")
#: Shorter replies say nothing a unit could learn from ("已转相关部门").
MIN_REPLY = 30
BATCH = 500


@dataclass
class ReplyReport:
    """What a load did: rows added, rows already there, rejected rows (line, reason)."""

    added: int = 0
    existing: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"新增 {self.added} 条，已有 {self.existing} 条，拒绝 {len(self.rejected)} 条"


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _scrubbed(value: str | None) -> str:
    """A citizen's text as it may be kept: whitespace folded, numbers and names masked."""
    return _clean(scrub_public_text(_clean(value)))


def load_replies(path: Path | str = REPLIES_PATH, *, limit: int | None = None) -> ReplyReport:
    """Read the replies file and index every new usable row (one transaction)."""
    file = Path(path)
    if not file.is_file():
        raise SeedError(f"找不到答复文件 {file}")
    report = ReplyReport()
    try:
        return _load(file, report, limit)
    except UnicodeDecodeError as error:  # the transaction is rolled back: nothing of the file is kept
        raise SeedError(f"答复文件不是 UTF-8 编码：{file}（{UTF8_HINT}）") from error


def _load(file: Path, report: ReplyReport, limit: int | None) -> ReplyReport:
    """Read the rows in one transaction, saving in batches."""
    known = set(ReplyExample.objects.values_list("source_no", flat=True))
    pending: list[ReplyExample] = []
    with file.open(encoding="utf-8-sig", newline="") as handle, transaction.atomic():
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise SeedError(f"{file}: 缺少列 {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            number = _clean(row.get("留言编号")).removesuffix(".0")
            topic, detail, reply = (_scrubbed(row.get(c)) for c in ("留言主题", "留言详情", "答复意见"))
            if not number:
                report.rejected.append((line, "缺少留言编号"))
            elif not (topic or detail):
                report.rejected.append((line, "缺少留言主题和详情"))
            elif len(reply) < MIN_REPLY:
                report.rejected.append((line, f"答复意见不足 {MIN_REPLY} 字"))
            elif number in known:
                report.existing += 1
            else:
                known.add(number)
                pending.append(ReplyExample(source_no=number, topic=topic[:300], detail=detail, reply=reply,
                                            replied_on=_clean(row.get("答复时间"))[:32]))
                if len(pending) >= BATCH:
                    report.added += _save(pending)
                    pending = []
            if limit is not None and report.added + len(pending) >= limit:
                break
        report.added += _save(pending)
    return report


def _save(examples: list[ReplyExample]) -> int:
    """Store a batch and put it in the index."""
    if not examples:
        return 0
    ReplyExample.objects.bulk_create(examples)
    saved = ReplyExample.objects.filter(source_no__in=[e.source_no for e in examples])
    return index.put_replies((e.pk, e.topic, e.detail) for e in saved)


def reindex_replies() -> int:
    """Rebuild the past-reply index from the stored rows."""
    index.clear_replies()
    total = 0
    rows = ReplyExample.objects.order_by("pk").values_list("pk", "topic", "detail")
    batch: list[tuple[int, str, str]] = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            total += index.put_replies(batch)
            batch = []
    return total + index.put_replies(batch)
