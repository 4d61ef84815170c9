"""Evaluating a model on labelled messages: per-class precision/recall/F1, confusion table, macro-F1."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hotline.intelligence.calibration import expected_calibration_error
from hotline.intelligence.classifier import Model


@dataclass(frozen=True)
class ClassScore:
    """Precision, recall, F1 and support of one class."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Report:
    """The outcome of `evaluate`: per-class scores, confusion matrix (rows true, columns predicted), macro-F1."""

    labels: tuple[str, ...]
    per_class: tuple[ClassScore, ...]
    confusion: tuple[tuple[int, ...], ...]
    macro_f1: float
    accuracy: float
    n: int
    ece: float
    unknown_labels: tuple[str, ...]
    #: How many evaluated messages occur verbatim in the model's training data, and macro-F1 without them.
    seen_in_training: int = 0
    macro_f1_unseen: float | None = None

    def format(self) -> str:
        """A plain-text report ending with the line `macro_f1=0.xxxx`."""
        name_width = max(_width(label) for label in self.labels) + 2
        lines = [f"{self.n} messages, accuracy {self.accuracy:.4f}, expected calibration error {self.ece:.4f}"]
        if self.seen_in_training == self.n:
            lines.append(f"all {self.n} messages occur verbatim in the training data: "
                         "this measures memorisation, not accuracy on unseen messages")
        elif self.seen_in_training:
            lines.append(f"{self.seen_in_training} of {self.n} messages occur verbatim in the training data "
                         f"(scores on them are optimistic); macro-F1 on the other {self.n - self.seen_in_training}: "
                         f"{self.macro_f1_unseen:.4f}")
        if self.unknown_labels:
            lines.append(f"labels the model does not know (always counted wrong): {', '.join(self.unknown_labels)}")
        lines.append("")
        lines.append(f"{_pad('class', name_width)}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for score in self.per_class:
            lines.append(f"{_pad(score.label, name_width)}{score.precision:>10.4f}{score.recall:>10.4f}"
                         f"{score.f1:>10.4f}{score.support:>10d}")
        lines.append("")
        lines.append("confusion (rows: true class, columns: predicted class by number)")
        header = _pad("", name_width + 4) + "".join(f"{i:>6d}" for i in range(len(self.labels)))
        lines.append(header)
        for i, (label, row) in enumerate(zip(self.labels, self.confusion, strict=True)):
            lines.append(f"{i:>2d}  {_pad(label, name_width)}" + "".join(f"{v:>6d}" for v in row))
        lines.append("")
        lines.append(f"macro_f1={self.macro_f1:.4f}")
        return "\n".join(lines)


def _width(text: str) -> int:
    """Display width in a terminal (East Asian wide characters count twice)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """Left-align text to a display width."""
    return text + " " * max(0, width - _width(text))


def _scores(truth: np.ndarray, guess: np.ndarray, size: int) -> tuple[np.ndarray, list[tuple[float, float, float, int]]]:
    """Confusion matrix and (precision, recall, F1, support) per label index."""
    confusion = np.zeros((size, size), dtype=np.int64)
    np.add.at(confusion, (truth, guess), 1)
    rows = []
    for i in range(size):
        tp = int(confusion[i, i])
        predicted_count = int(confusion[:, i].sum())
        support = int(confusion[i].sum())
        precision = tp / predicted_count if predicted_count else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((precision, recall, f1, support))
    return confusion, rows


def _macro(confusion: np.ndarray, rows: list[tuple[float, float, float, int]]) -> float:
    """Macro-F1 over labels that occur in the data or in the predictions (as scikit-learn does)."""
    present = [row[2] for i, row in enumerate(rows) if row[3] or confusion[:, i].sum()]
    return float(np.mean(present)) if present else 0.0


def evaluate(model: Model, texts: Sequence[str], labels: Sequence[str]) -> Report:
    """Score the model's top-1 predictions against true labels (the model learns nothing from them)."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    if not texts:
        raise ValueError("nothing to evaluate")
    probabilities = model.predict_proba(list(texts))
    unknown = tuple(sorted(set(labels) - set(model.classes)))
    all_labels = tuple(model.classes) + unknown
    index = {label: i for i, label in enumerate(all_labels)}
    truth = np.array([index[label] for label in labels])
    guess = probabilities.argmax(axis=1)
    confusion, rows = _scores(truth, guess, len(all_labels))
    seen = model.seen_in_training(list(texts))
    unseen_f1 = None
    if seen.any() and not seen.all():
        unseen_confusion, unseen_rows = _scores(truth[~seen], guess[~seen], len(all_labels))
        unseen_f1 = _macro(unseen_confusion, unseen_rows)
    known = truth < len(model.classes)
    ece = expected_calibration_error(probabilities[known], truth[known]) if known.any() else 0.0
    return Report(
        labels=all_labels,
        per_class=tuple(ClassScore(label, *row) for label, row in zip(all_labels, rows, strict=True)),
        confusion=tuple(tuple(int(v) for v in row) for row in confusion),
        macro_f1=_macro(confusion, rows),
        accuracy=float(np.trace(confusion) / len(labels)),
        n=len(labels),
        ece=ece,
        unknown_labels=unknown,
        seen_in_training=int(seen.sum()),
        macro_f1_unseen=unseen_f1,
    )
