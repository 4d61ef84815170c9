"""Exports of the filtered order list (导出): streamed CSV for Excel, and XLSX written row by row.

Both read the same FilterSet over `visible_to(user)` as the page, in chunks of `CHUNK` orders with
the lead unit prefetched per chunk: a constant number of queries per chunk, never the whole table
in memory. The first and final satisfaction (首次满意度, 最终满意度: the order's first and last valid
return visit) are subqueries of the orders' own query. Units get masked phones (none, and no name, for an anonymous
caller or a 举报's reporter: `core.privacy.shows_caller`), and the title, description and address (事发地址) with the
numbers typed in them masked (`text_for`); each full number and each confidential (保密) order written is recorded
(`hotline.ops.access`); cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.core import clock
from hotline.core.privacy import caller_name_for, phone_for, shows_caller, text_for
from hotline.kpis.visits import with_first_and_final
from hotline.ops import access
from hotline.tickets.choices import Satisfaction
from hotline.tickets.models import Ticket
from hotline.workbench.queues.selectors import for_list, supervision_label

#: Orders fetched per query while exporting.
CHUNK = 2000

#: First characters that make Excel, LibreOffice or WPS treat a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Column = tuple[str, Callable[[Ticket, User], Any]]


def _lead_name(ticket: Ticket) -> str:
    leads = getattr(ticket, "lead_assignments", None) or []
    return leads[0].unit.name if leads else ""


def _caller(ticket: Ticket, user: User) -> str:
    """The caller's name as the order page shows it (`caller_name_for`): withheld from units for an anonymous
    caller or a 举报's reporter."""
    return caller_name_for(ticket, user)


def _satisfaction(value: str | None) -> str:
    """The label of a valid visit's answer; "" when the order has no valid return visit."""
    return str(Satisfaction(value).label) if value else ""


def columns() -> list[Column]:
    """The exported columns: header (translated now) and how to read the cell."""
    return [
        (_("工单编号"), lambda t, u: t.number),
        (_("状态"), lambda t, u: t.get_status_display()),
        (_("受理时间"), lambda t, u: t.registered_at),
        (_("渠道"), lambda t, u: t.get_channel_display()),
        (_("诉求类型"), lambda t, u: t.get_request_type_display()),
        (_("紧急程度"), lambda t, u: t.get_urgency_display()),
        (_("诉求分类"), lambda t, u: t.category.full_name if t.category else ""),
        (_("标题"), lambda t, u: text_for(t.title, t, u)),  # an untitled order's: its description's start
        (_("诉求内容"), lambda t, u: text_for(t.description, t, u)),
        (_("来电人"), _caller),
        (_("联系电话"), lambda t, u: phone_for(t, u) if shows_caller(t, u) else ""),
        (_("事发地址"), lambda t, u: text_for(t.address, t, u)),  # free text: a number may be dictated into it
        (_("区"), lambda t, u: t.district.name if t.district else ""),
        (_("主办单位"), lambda t, u: _lead_name(t)),
        (_("亮灯"), lambda t, u: t.get_light_display()),
        (_("当前时限"), lambda t, u: t.phase_due),
        (_("办结时限"), lambda t, u: t.close_due),
        (_("办结超期"), lambda t, u: _("是") if t.close_overdue else _("否")),
        (_("督办级别"), lambda t, u: supervision_label(t.supervision_level)),
        (_("催办次数"), lambda t, u: t.chase_count),
        (_("办结时间"), lambda t, u: t.closed_at),
        (_("首次满意度"), lambda t, u: _satisfaction(t.first_visit_satisfaction)),
        (_("最终满意度"), lambda t, u: _satisfaction(t.final_visit_satisfaction)),
    ]


def defuse(value: str) -> str:
    """Prefix a cell that starts like a formula with a single quote, so it is shown, never run."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return defuse(str(value))


def _rows(qs: Iterable[Ticket], user: User, cols: list[Column]) -> Iterator[list[Any]]:
    """The cells of each order; each confidential order written is recorded like a view on its page
    (gathered on the request and written in batches when the export has been sent, `hotline.ops.access`)."""
    for ticket in qs:
        access.order_shown(ticket, user)
        yield [read(ticket, user) for _header, read in cols]


def _ordered(qs: Any) -> Iterator[Ticket]:
    """The orders in chunks, with the lead unit prefetched per chunk (no N+1), first and final satisfaction."""
    return with_first_and_final(for_list(qs)).iterator(chunk_size=CHUNK)


class _Echo:
    """A file-like object whose `write` returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(qs: Any, user: User) -> StreamingHttpResponse:
    """The filtered orders as a streamed UTF-8 CSV with a BOM (so Excel reads the Chinese text)."""
    cols = columns()
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([defuse(h) for h, _read in cols])
        for row in _rows(_ordered(qs), user, cols):
            yield writer.writerow([_text(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def _cell(value: Any) -> Any:
    """A value openpyxl writes as data: local naive datetimes, numbers, defused and cleaned text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, int | float):
        return value
    return defuse(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def xlsx_response(qs: Any, user: User) -> FileResponse:
    """The filtered orders as an XLSX workbook written row by row (write-only) into a temporary file."""
    from openpyxl import Workbook

    cols = columns()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("工单"))
    sheet.append([h for h, _read in cols])
    for row in _rows(_ordered(qs), user, cols):
        sheet.append([_cell(v) for v in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it when sent
    book.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _filename(ext: str) -> str:
    return f"orders-{timezone.localtime(clock.now()):%Y%m%d-%H%M}.{ext}"
