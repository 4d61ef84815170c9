"""`hotline train`: train the message category classifier and install it (default data: the shipped messages).

`hotline train --from-db` trains on the centre's own finished orders instead (see docs/classifier.md,
"Training from the centre's own orders").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from hotline.intelligence.modelfile import ModelFileError
from hotline.intelligence.text import DataFileError
from hotline.intelligence.workflow import DEFAULT_DATA
from hotline.triage.management.commands.evaluate import check_utf8
from hotline.triage.training import (
    DEFAULT_MIN_PER_CLASS,
    TrainingRefused,
    TrainingResult,
    model_dir,
    train_from_db,
    train_from_file,
)


def _date(value: str) -> date:
    """A YYYY-MM-DD date for --since."""
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"--since: {value!r} is not a date (YYYY-MM-DD)")
    return parsed


class Command(BaseCommand):
    help = ("Train the category classifier (5-fold duplicate-aware CV, calibration) on labelled messages or, "
            "with --from-db, on the centre's finished orders, and install it atomically (previous model kept).")

    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        """Data source, output directory, options of --from-db, seed."""
        parser.add_argument("--data", default=str(DEFAULT_DATA),
                            help="labelled CSV (留言主题, 留言详情, 一级标签); default: the shipped messages. "
                                 "With --from-db it names the messages --also-shipped adds and the classes")
        parser.add_argument("--output", default="",
                            help="model directory to write (default: HOTLINE_MODEL_DIR, else the shipped model)")
        parser.add_argument("--unlabeled", action="append", default=[], metavar="CSV",
                            help="unlabelled messages for self-training (repeatable; off by default, see docs)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--from-db", action="store_true",
                            help="train on finished orders (closed / answered) labelled by their final category")
        parser.add_argument("--since", default="", metavar="YYYY-MM-DD",
                            help="with --from-db: only orders finished on or after this day")
        parser.add_argument("--min-per-class", type=int, default=DEFAULT_MIN_PER_CLASS, metavar="N",
                            help=f"with --from-db: leave out classes with fewer rows (default {DEFAULT_MIN_PER_CLASS})")
        parser.add_argument("--also-shipped", action="store_true",
                            help="with --from-db: add the labelled messages of --data (repeated texts dropped)")
        parser.add_argument("--include-confidential", action="store_true",
                            help="with --from-db: also learn from confidential (保密) orders")
        parser.add_argument("--allow-fewer-classes", action="store_true",
                            help="with --from-db: replace a model even if the new one knows fewer classes")

    def handle(self, *args: Any, **options: Any) -> None:
        """Train, install, and print the cross-validated figures."""
        output = options["output"] or str(model_dir())
        if not options["from_db"]:
            for name in ("since", "also_shipped", "include_confidential", "allow_fewer_classes"):
                if options[name]:
                    raise CommandError(f"--{name.replace('_', '-')} needs --from-db")
        elif options["unlabeled"]:
            raise CommandError("--unlabeled cannot be combined with --from-db")
        check_utf8("--data", options["data"])
        for path in options["unlabeled"]:
            check_utf8("--unlabeled", path)
        try:
            if options["from_db"]:
                result = train_from_db(
                    output, since=_date(options["since"]) if options["since"] else None,
                    min_per_class=options["min_per_class"], also_shipped=options["also_shipped"],
                    shipped_data=options["data"], include_confidential=options["include_confidential"],
                    allow_fewer_classes=options["allow_fewer_classes"], seed=options["seed"], log=self.stdout.write,
                )
            else:
                result = train_from_file(options["data"], output, unlabeled_files=options["unlabeled"],
                                         seed=options["seed"], log=self.stdout.write)
        except (DataFileError, ModelFileError, TrainingRefused, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self._report(result)

    def _report(self, result: TrainingResult) -> None:
        """Where the model went, its version and its cross-validated macro-F1 (last line, as before)."""
        model = result.model
        if result.backup is not None:
            self.stdout.write(f"previous model kept at {result.backup}")
        self.stdout.write(f"version {model.metadata['version']}")
        cv = model.metadata["cross_validation"]
        self.stdout.write(
            f"saved {result.output} ({len(model.classes)} classes, {model.metadata['training_seconds']} s); "
            f"cv_macro_f1={cv['macro_f1_mean']:.4f}±{cv['macro_f1_std']:.4f}"
        )
