"""`hotline evaluate --data CSV`: score the current classifier on labelled messages (it learns nothing from them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.intelligence.modelfile import ModelFileError
from hotline.intelligence.text import DataFileError
from hotline.intelligence.workflow import DEFAULT_MODEL_DIR, evaluate_csv


class Command(BaseCommand):
    help = "Evaluate the classifier on a labelled CSV: per-class precision/recall/F1, confusion table, macro_f1=."

    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        """The CSV to evaluate on and the model directory."""
        parser.add_argument("--data", required=True, help="CSV with 留言主题 (may be empty), 留言详情, 一级标签")
        parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR), help="model directory")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the report; its last line is `macro_f1=0.xxxx`."""
        try:
            report = evaluate_csv(options["data"], options["model"])
        except (DataFileError, ModelFileError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.format())
