"""Text normalisation and reading message CSV files (留言主题, 留言详情, 一级标签)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TOPIC_COLUMN = "留言主题"
DETAIL_COLUMN = "留言详情"
#: Label column names accepted, in order of preference (the contest files use both spellings).
LABEL_COLUMNS = ("一级标签", "一级分类")


def normalize_whitespace(value: str | None) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join((value or "").split())


def compose(topic: str | None, detail: str | None) -> str:
    """The classifier's input text: 留言主题 + " " + 留言详情, whitespace-normalised."""
    return normalize_whitespace(f"{topic or ''} {detail or ''}")


@dataclass(frozen=True)
class MessageSet:
    """Messages read from a CSV file: composed texts, labels (empty when unlabelled) and the file's sha256."""

    texts: list[str]
    labels: list[str]
    file_sha256: str
    path: str


class DataFileError(ValueError):
    """A message CSV file is missing, unreadable or lacks the required columns."""


def _file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_messages(path: str | Path, *, require_labels: bool = True) -> MessageSet:
    """Read a message CSV (UTF-8, optional BOM); rows with no text (or, if required, no label) are skipped."""
    file = Path(path)
    if not file.is_file():
        raise DataFileError(f"no such file: {file}")
    texts: list[str] = []
    labels: list[str] = []
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if DETAIL_COLUMN not in columns:
            raise DataFileError(f"{file}: no {DETAIL_COLUMN} column (columns: {', '.join(columns)})")
        label_column = next((name for name in LABEL_COLUMNS if name in columns), None)
        if require_labels and label_column is None:
            raise DataFileError(f"{file}: no label column ({' or '.join(LABEL_COLUMNS)})")
        for row in reader:
            text = compose(row.get(TOPIC_COLUMN), row.get(DETAIL_COLUMN))
            label = normalize_whitespace(row.get(label_column)) if label_column else ""
            if not text or (require_labels and not label):
                continue
            texts.append(text)
            labels.append(label)
    if not texts:
        raise DataFileError(f"{file}: no usable rows")
    return MessageSet(texts, labels, _file_sha256(file), str(file))


def data_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """A sha256 of the (text, label) pairs in order, independent of any file format."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(json.dumps([text, label], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def dedupe(texts: Iterable[str], labels: Iterable[str]) -> tuple[list[str], list[str]]:
    """Drop repeated texts (after whitespace normalisation), keeping each text's first label."""
    seen: set[str] = set()
    out_texts: list[str] = []
    out_labels: list[str] = []
    for text, label in zip(texts, labels, strict=True):
        key = normalize_whitespace(text)
        if key in seen:
            continue
        seen.add(key)
        out_texts.append(key)
        out_labels.append(label)
    return out_texts, out_labels
