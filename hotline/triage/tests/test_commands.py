"""The triage management commands are thin wrappers: they run, print the agreed lines and report errors."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.intelligence.text import read_messages
from hotline.intelligence.workflow import DEFAULT_DATA
from hotline.triage.management.commands import classify, evaluate, train


def _write_sample(path: Path, per_class: int) -> Path:
    """A labelled CSV with `per_class` shipped messages of every class, topic column left empty."""
    messages = read_messages(DEFAULT_DATA)
    taken: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言主题", "留言详情", "一级标签"])
        for text, label in zip(messages.texts, messages.labels, strict=True):
            if taken.get(label, 0) < per_class:
                taken[label] = taken.get(label, 0) + 1
                writer.writerow(["", text, label])
    return path


def test_classify_prints_top_three() -> None:
    """Three ranked categories with confidences."""
    out = StringIO()
    call_command(classify.Command(), "公司拖欠工资三个月，也不交社保", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("1. 劳动和社会保障\t")
    assert all(0 <= float(line.split("\t")[1]) <= 1 for line in lines)


@pytest.mark.parametrize("args, message", [
    (["", ], "nothing to classify"), (["😀🔥"], "nothing to classify"), (["  ，。"], "nothing to classify"),
    (["路灯不亮", "--top", "0"], "--top must be at least 1"), (["路灯不亮", "--top", "-2"], "--top must be at least 1"),
])
def test_classify_refuses_what_it_cannot_answer(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command(classify.Command(), *args, stdout=StringIO())


def test_evaluate_ends_with_macro_f1(tmp_path: Path) -> None:
    """The report's last line is macro_f1=0.xxxx."""
    out = StringIO()
    call_command(evaluate.Command(), "--data", str(_write_sample(tmp_path / "eval.csv", 10)), stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("macro_f1=") and 0.8 < float(last.split("=")[1]) <= 1


def test_evaluate_reports_a_missing_file() -> None:
    """A clear error, not a traceback."""
    with pytest.raises(CommandError, match="no such file"):
        call_command(evaluate.Command(), "--data", "/nonexistent.csv", stdout=StringIO())


def test_train_writes_a_model(tmp_path: Path) -> None:
    """`train --data --output` writes a loadable model and prints the CV figure."""
    out = StringIO()
    data = _write_sample(tmp_path / "train.csv", 30)
    call_command(train.Command(), "--data", str(data), "--output", str(tmp_path / "model"), stdout=out)
    assert "cv_macro_f1=" in out.getvalue()
    out = StringIO()
    call_command(classify.Command(), "医院乱收费", "--model", str(tmp_path / "model"), stdout=out)
    assert len(out.getvalue().strip().splitlines()) == 3
