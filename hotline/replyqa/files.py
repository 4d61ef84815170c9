"""Reading a file of messages and replies (留言 + 答复意见) and scoring the checks against weak labels."""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.hotspots.contest import parse_time
from hotline.intelligence.hotspots import normalize

LOCAL = ZoneInfo("Asia/Shanghai")
REQUIRED = ("留言详情", "答复意见")
LABEL = "可解释性"


class ReplyFileError(ValueError):
    """The file is missing, unreadable or lacks a required column."""


@dataclass(frozen=True)
class ReplyRow:
    """One message and its reply as read from the file (times in Beijing time, None when absent)."""

    line: int
    title: str
    request: str
    reply: str
    requested_at: datetime | None
    replied_at: datetime | None
    label: int | None


@dataclass
class ReplyFile:
    """The rows read, the rejected lines (line, reason) and whether the file has weak labels."""

    rows: list[ReplyRow]
    rejected: list[tuple[int, str]] = field(default_factory=list)
    has_labels: bool = False


def _moment(value: str | None) -> datetime | None:
    if not (value or "").strip():
        return None
    return parse_time(value or "").replace(tzinfo=LOCAL)


def read_replies(path: str | Path) -> ReplyFile:
    """Read messages_replies.csv or replies_weak_labels_explainability.csv; bad rows are rejected with a reason."""
    file = Path(path)
    if not file.is_file():
        raise ReplyFileError(f"文件不存在: {file}")
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise ReplyFileError(f"{file}: 缺少列 {'、'.join(missing)}（现有列: {'、'.join(columns) or '无'}）")
        result = ReplyFile(rows=[], has_labels=LABEL in columns)
        for row in reader:
            line = reader.line_num
            try:
                requested_at, replied_at = _moment(row.get("留言时间")), _moment(row.get("答复时间"))
                raw = (row.get(LABEL) or "").strip()
                if raw not in ("", "0", "1"):
                    raise ValueError(f"{LABEL} 只能是 0 或 1，而不是 {raw!r}")
            except ValueError as error:
                result.rejected.append((line, str(error)))
                continue
            request = normalize(row.get("留言详情"))
            if not request:
                result.rejected.append((line, "留言详情为空"))
                continue
            result.rows.append(ReplyRow(line, normalize(row.get("留言主题")), request, row.get("答复意见") or "",
                                        requested_at, replied_at, int(raw) if raw else None))
    return result


@dataclass(frozen=True)
class Agreement:
    """How often our judgement (relevant and complete → 1) matches the weak label, with Cohen's kappa."""

    n: int
    accuracy: float
    kappa: float
    confusion: dict[tuple[int, int], int]  # (label, ours) → count

    @property
    def recall_unexplained(self) -> float:
        """Of the replies labelled 0, the share we also judged not relevant or not complete."""
        zeros = self.confusion.get((0, 0), 0) + self.confusion.get((0, 1), 0)
        return self.confusion.get((0, 0), 0) / zeros if zeros else math.nan

    @property
    def precision_unexplained(self) -> float:
        """Of the replies we judged 0, the share labelled 0."""
        ours = self.confusion.get((0, 0), 0) + self.confusion.get((1, 0), 0)
        return self.confusion.get((0, 0), 0) / ours if ours else math.nan


def agreement(pairs: list[tuple[int, int]]) -> Agreement:
    """Agreement of (label, ours) pairs: accuracy, Cohen's kappa and the confusion counts."""
    n = len(pairs)
    confusion = Counter(pairs)
    if n == 0:
        return Agreement(0, math.nan, math.nan, {})
    observed = (confusion[(0, 0)] + confusion[(1, 1)]) / n
    label_1 = (confusion[(1, 0)] + confusion[(1, 1)]) / n
    ours_1 = (confusion[(0, 1)] + confusion[(1, 1)]) / n
    expected = label_1 * ours_1 + (1 - label_1) * (1 - ours_1)
    kappa = (observed - expected) / (1 - expected) if expected < 1 else math.nan
    return Agreement(n, observed, kappa, dict(confusion))
