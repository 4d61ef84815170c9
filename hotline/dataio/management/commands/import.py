"""`hotline import FILE --format teddy|baltimore|nyc|mapped [--mapping M.json] [--report R.csv]`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.dataio import formats
from hotline.dataio.mapping import MappingError, load_mapping, mapped_parser
from hotline.dataio.readers import FileError
from hotline.dataio.report import default_report_path, write_report
from hotline.dataio.rows import RowError, parse_datetime
from hotline.dataio.services import ImportResult, import_file
from hotline.taxonomy.models import Category


def check_report_path(report: Path) -> None:
    """CommandError unless the report can be written there (a file in an existing, writable folder)."""
    if report.is_dir():
        raise CommandError(f"--report 应为文件，而 {report} 是文件夹")
    folder = report.parent
    if not folder.is_dir():
        raise CommandError(f"--report 的文件夹不存在：{folder}")
    if not os.access(folder, os.W_OK) or (report.exists() and not os.access(report, os.W_OK)):
        raise CommandError(f"--report 无法写入：{report}")


ID_COLUMNS = {"teddy": "留言编号", "baltimore": "ServiceRequestNum", "nyc": "unique_key"}


class Command(BaseCommand):
    help = ("Import historical orders from a CSV or Excel file; rejected rows go to a report. "
            "Prints `imported=N rejected=M skipped=K` last.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument("--format", required=True, choices=["teddy", "baltimore", "nyc", "mapped"])
        parser.add_argument("--mapping", help="the JSON mapping file (format `mapped`)")
        parser.add_argument("--report", help="where to write rejected rows (default: FILE.rejected.csv)")
        parser.add_argument("--default-date", help="teddy files without 留言时间: the date to register them at "
                                                   "(e.g. 2019-12-31)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        fmt = options["format"]
        if options["report"]:
            check_report_path(Path(options["report"]))  # before anything is imported
        parse, source, id_column = self._parser(fmt, options)

        def raw_id(cells: dict) -> str:
            return str(cells.get(id_column, "") or "").strip()

        def progress(result: ImportResult) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(result.summary)

        try:
            result = import_file(path, parse, source=source, raw_id=raw_id, on_progress=progress)
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        if result.rejected:
            try:
                report = write_report(result.rejections, options["report"] or default_report_path(path))
            except OSError as exc:  # e.g. the input's folder is read-only: the import itself is done
                self.stderr.write(f"拒收报告无法写入（{exc.strerror or exc}），请用 --report 指定可写的位置")
                for r in result.rejections[:5]:
                    self.stdout.write(f"  line {r.line}: {r.reason}")
                self.stdout.write(result.summary)
                return
            if result.run:
                result.run.report_path = str(report)
                result.run.save(update_fields=["report_path"])
            self.stdout.write(f"rejected rows: {report}")
            for r in result.rejections[:5]:
                self.stdout.write(f"  line {r.line}: {r.reason}")
        self.stdout.write(result.summary)

    def _parser(self, fmt: str, options: dict) -> tuple[Callable, str, str]:
        if fmt == "mapped":
            if not options["mapping"]:
                raise CommandError("--format mapped 须同时指定映射文件 --mapping FILE.json")
            try:
                mapping = load_mapping(options["mapping"])
            except MappingError as exc:
                raise CommandError(str(exc)) from exc
            known = set(Category.objects.filter(is_active=True).values_list("full_name", flat=True))
            return mapped_parser(mapping, known), mapping.source, mapping.columns["external_id"]
        if fmt == "teddy":
            default = None
            if options["default_date"]:
                try:
                    default = parse_datetime(options["default_date"], formats.SHANGHAI, what="--default-date")
                except RowError as exc:
                    raise CommandError(str(exc)) from exc
            return formats.teddy_parser(default), "teddy", ID_COLUMNS[fmt]
        parser = formats.baltimore_parser() if fmt == "baltimore" else formats.nyc_parser()
        return parser, fmt, ID_COLUMNS[fmt]
