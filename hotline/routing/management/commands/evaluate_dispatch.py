"""`hotline evaluate-dispatch`: how often the dispatch recommendation agreed with the final decision."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.core import cli
from hotline.routing.evaluation import CorrectionsError, evaluate, read_training_base, write_corrections


def _date(value: str) -> datetime:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - made aware just below
    except ValueError as exc:
        raise CommandError(f"--since: expected YYYY-MM-DD, got {value!r}") from exc
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = "Agreement of dispatch recommendations with final decisions (top-1, top-3); export corrections."

    def add_arguments(self, parser: CommandParser) -> None:
        """--since, --export-corrections, --training-base."""
        parser.add_argument("--since", help="only recommendations made on or after this day (YYYY-MM-DD)")
        parser.add_argument("--export-corrections", metavar="CSV",
                            help="write orders whose recommendation was corrected as training rows")
        parser.add_argument("--training-base", metavar="CSV",
                            help="with --export-corrections: put this labelled CSV's rows first "
                                 "(e.g. hotline/data/messages_labeled.csv), ready for `hotline train --data`")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the figures; the last line is `agreement=0.xx`."""
        since = _date(options["since"]) if options["since"] else None
        target, base = options["export_corrections"], options["training_base"]
        base_rows = None
        if base is not None and target is None:
            raise CommandError("--training-base is only used with --export-corrections FILE.csv")
        if target is not None:  # check the files before any work, so a bad one never truncates the output
            cli.check_output_path(target, option="--export-corrections")
        if base is not None:
            text = cli.read_utf8_text(base, what="训练数据文件（--training-base）")
            try:
                base_rows = read_training_base(text, base)
            except CorrectionsError as exc:
                raise CommandError(str(exc)) from exc
        report = evaluate(since)
        out = self.stdout.write
        out(f"orders with a recommendation and a final decision: {report.orders}")
        out(f"top-1 agreement: {report.top1}/{report.orders} = {report.agreement:.3f}")
        out(f"top-3 agreement: {report.top3}/{report.orders} = {report.top3_agreement:.3f}")
        if report.auto:
            out(f"auto-dispatched: {report.auto}, of which agreed: {report.auto_agreed} "
                f"({report.auto_agreed / report.auto:.3f})")
        for band, (n, agreed) in report.bands.items():
            if n:
                out(f"confidence {band}: {n} orders, top-1 agreement {agreed / n:.3f}")
        for (rule, final), n in report.rule_misses.most_common(5):
            out(f"catalogue entry to review: {rule} — finally handled by {final} in {n} orders")
        if target is not None:
            from hotline.intelligence.workflow import load_model

            try:
                classes = set(load_model().classes)
            except Exception:  # noqa: BLE001 - without a model every label is kept
                classes = None
            try:
                with cli.atomic_output(target, option="--export-corrections", private=True) as handle:  # raw texts
                    written, skipped = write_corrections(report, handle, classes=classes, base_rows=base_rows)
            except OSError as exc:
                raise CommandError(f"--export-corrections: cannot write {target}: {exc.strerror or exc}") from exc
            out(f"corrections written to {target}: {written} rows"
                + (f" (after the {len(base_rows or [])} rows of {base})" if base else "")
                + f"; skipped {skipped} without a known label")
        out(f"agreement={report.agreement:.2f}")
