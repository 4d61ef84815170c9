"""`hotline train`: train the message category classifier and save it (default: the shipped model)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.intelligence.modelfile import ModelFileError
from hotline.intelligence.text import DataFileError
from hotline.intelligence.workflow import DEFAULT_DATA, DEFAULT_MODEL_DIR, train_from_csv


class Command(BaseCommand):
    help = "Train the category classifier on labelled messages (5-fold duplicate-aware CV, calibration) and save it."

    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        """Data, output directory, optional unlabelled files, seed."""
        parser.add_argument("--data", default=str(DEFAULT_DATA),
                            help="labelled CSV (留言主题, 留言详情, 一级标签); default: the shipped messages")
        parser.add_argument("--output", default=str(DEFAULT_MODEL_DIR), help="model directory to write")
        parser.add_argument("--unlabeled", action="append", default=[], metavar="CSV",
                            help="unlabelled messages for self-training (repeatable; off by default, see docs)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--from-db", action="store_true", help="train from reviewed work orders (not yet)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Train, save, and print the cross-validated figures."""
        if options["from_db"]:
            raise CommandError("--from-db: not available yet")
        try:
            model = train_from_csv(options["data"], options["output"], unlabeled_files=options["unlabeled"],
                                   seed=options["seed"], log=self.stdout.write)
        except (DataFileError, ModelFileError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        cv = model.metadata["cross_validation"]
        self.stdout.write(
            f"saved {options['output']} ({len(model.classes)} classes, {model.metadata['training_seconds']} s); "
            f"cv_macro_f1={cv['macro_f1_mean']:.4f}±{cv['macro_f1_std']:.4f}"
        )
