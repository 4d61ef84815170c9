"""`hotline import FILE --format teddy|baltimore|nyc|mapped [--mapping M.json] [--report R.csv]`.

A file without a column every row needs is refused as a whole before anything is imported."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.dataio import formats
from hotline.dataio.mapping import MappingError, load_mapping, mapped_parser
from hotline.dataio.readers import FileError, read_rows
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
#: How many leading records are looked at for the file's columns (a broken record does not show them all).
PEEK_ROWS = 100


def check_columns(path: Path, required: Iterable[tuple[str, ...]], hints: dict[str, str] | None = None) -> None:
    """CommandError when the file lacks a column every row needs: one file-level error, not a report in
    which every row is rejected for the same reason. Also refuses an unreadable or empty file up front.
    `hints`: what to do about a missing column (by its name)."""
    try:
        first = next((row for row in islice(read_rows(path), PEEK_ROWS) if not row.error), None)
    except FileError as exc:
        raise CommandError(f"{exc}：{path}" if str(path) not in str(exc) else str(exc)) from exc
    if first is None:  # no records (or only broken ones, which the report will list)
        return
    missing = formats.missing_columns(first.cells, required)
    if missing:
        hint = "".join(f"；{text}" for column, text in (hints or {}).items() if column in missing)
        raise CommandError(f"文件缺少列：{'、'.join(missing)}（文件中的列：{', '.join(first.cells) or '无'}）{hint}：{path}")


class Command(BaseCommand):
    help = ("Import historical orders from a CSV or Excel file; rejected rows and warnings (values left out, "
            "shortened or replaced) go to a report. Prints `imported=N rejected=M skipped=K` last.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .csv or .xlsx file")
        parser.add_argument("--format", required=True, choices=["teddy", "baltimore", "nyc", "mapped"])
        parser.add_argument("--mapping", help="the JSON mapping file (format `mapped`)")
        parser.add_argument("--report", help="where to write rejected rows and warnings (default: FILE.rejected.csv)")
        parser.add_argument("--default-date", help="teddy files without 留言时间: the date to register them at "
                                                   "(e.g. 2019-12-31)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        fmt = options["format"]
        if options["mapping"] is not None and fmt != "mapped":
            raise CommandError(f"--mapping 只用于 --format mapped（现为 --format {fmt}）")
        if options["default_date"] is not None and fmt != "teddy":
            raise CommandError(f"--default-date 只用于 --format teddy（现为 --format {fmt}）")
        if options["report"] is not None:
            if not options["report"].strip():
                raise CommandError("--report 为空：应为拒收报告的文件路径")
            check_report_path(Path(options["report"]))  # before anything is imported
        parse, source, id_column, required = self._parser(fmt, options)
        check_columns(path, required, {"留言时间": "没有留言时间的文件请用 --default-date 指定受理日期"})  # before anything is recorded

        def raw_id(cells: dict) -> str:
            return str(cells.get(id_column, "") or "").strip()

        def progress(result: ImportResult) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(result.summary)

        try:
            result = import_file(path, parse, source=source, raw_id=raw_id, on_progress=progress)
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        if result.rejected or result.warnings:
            try:
                report = write_report(result.rejections, options["report"] or default_report_path(path),
                                      result.warnings)
            except OSError as exc:  # e.g. the input's folder is read-only: the import itself is done
                self.stderr.write(f"拒收报告无法写入（{exc.strerror or exc}），请用 --report 指定可写的位置")
                self._examples(result)
                self.stdout.write(result.summary_zh)
                self.stdout.write(result.summary)
                return
            if result.run:
                result.run.report_path = str(report)
                result.run.save(update_fields=["report_path"])
            self.stdout.write(f"{'rejected rows' if result.rejected else 'warnings'}: {report}")
            self._examples(result)
        self.stdout.write(result.summary_zh)
        self.stdout.write(result.summary)

    def _examples(self, result: ImportResult) -> None:
        """The first rejected rows and the first warnings, with their lines (the report lists them all)."""
        for r in result.rejections[:5]:
            self.stdout.write(f"  line {r.line}: {r.reason}")
        for w in result.warnings[:5]:
            self.stdout.write(f"  warning line {w.line} {w.column}「{w.value}」: {w.reason}")
        if len(result.warnings) > 5:
            self.stdout.write(f"  … {len(result.warnings) - 5} more warnings in the report")

    def _parser(self, fmt: str, options: dict) -> tuple[Callable, str, str, list[tuple[str, ...]]]:
        """The row parser, the source name, the id column and the columns the file must have."""
        if fmt == "mapped":
            if not options["mapping"]:
                raise CommandError("--format mapped 须同时指定映射文件 --mapping FILE.json")
            try:
                mapping = load_mapping(options["mapping"])
            except MappingError as exc:
                raise CommandError(str(exc)) from exc
            known = set(Category.objects.filter(is_active=True).values_list("full_name", flat=True))
            # Every column the mapping names: a missing optional one would silently drop that field.
            named = [(column,) for column in dict.fromkeys(mapping.columns.values())]
            return mapped_parser(mapping, known), mapping.source, mapping.columns["external_id"], named
        required = list(formats.REQUIRED_COLUMNS[fmt])
        if fmt == "teddy":
            default = None
            if options["default_date"] is not None:
                try:
                    default = parse_datetime(options["default_date"], formats.SHANGHAI, what="--default-date")
                except RowError as exc:
                    raise CommandError(str(exc)) from exc
                required.remove(("留言时间",))
            return formats.teddy_parser(default), "teddy", ID_COLUMNS[fmt], required
        parser = formats.baltimore_parser() if fmt == "baltimore" else formats.nyc_parser()
        return parser, fmt, ID_COLUMNS[fmt], required
