"""`hotline evaluate --data CSV`: score the current classifier on labelled messages (it learns nothing from them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.cli import read_utf8_csv_error
from hotline.intelligence.modelfile import ModelFileError
from hotline.intelligence.text import DataFileError
from hotline.intelligence.workflow import DEFAULT_MODEL_DIR, evaluate_csv


def check_utf8(option: str, path: str) -> None:
    """Refuse a data file that exists but is not UTF-8 (e.g. saved by Excel as GBK), naming it.

    A missing file is left to the reader, which says "no such file".
    """
    problem = read_utf8_csv_error(path, what="数据文件") if Path(path).is_file() else None
    if problem:
        raise CommandError(f"{option}: {problem}")


class Command(BaseCommand):
    help = "Evaluate the classifier on a labelled CSV: per-class precision/recall/F1, confusion table, macro_f1=."

    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        """The CSV to evaluate on and the model directory."""
        parser.add_argument("--data", required=True, help="CSV with 留言主题 (may be empty), 留言详情, 一级标签")
        parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR), help="model directory")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the report; its last line is `macro_f1=0.xxxx`."""
        check_utf8("--data", options["data"])
        try:
            report = evaluate_csv(options["data"], options["model"])
        except (DataFileError, ModelFileError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.format())
