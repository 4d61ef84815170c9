"""Exports: an Open311 (GeoReport v2) compatible CSV for the public, and a full JSON of orders for backup.

Both stream: orders are read in chunks from the database and written as they come, so memory stays flat
whatever the number of orders.

* Open311 CSV — non-confidential orders only; no caller name or phone, no staff note (only the texts
  written for the citizen, `tickets.public_text`), and phone and identity card numbers written in the
  text are masked (138****1234). As the live Open311 interface (`open311.disclosure`): coordinates on its
  0.001° grid, online requests only once the centre accepted them, a 举报 without place, unit or answer.
* JSON — everything about each order (caller included, confidential orders included) with its
  assignments, replies, return visits and full timeline: an administrator's export, never published.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import IO, Any

from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core import clock
from hotline.core.privacy import _number_spans, public_description
from hotline.core.privacy import scrub_public_text as scrub
from hotline.open311.disclosure import coarse, is_report, unreviewed_q
from hotline.open311.selectors import _agency, notices_for, responsible_lead, status_note, with_public_note
from hotline.ops import access
from hotline.portal.choices import public_status
from hotline.tickets.choices import FINISHED
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.workbench.queues.export import defuse

#: The columns of the Open311 CSV, named as the GeoReport v2 `request` fields.
OPEN311_COLUMNS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
)
#: The years a period bound may name.
BOUND_YEARS = (2000, 2100)
#: Orders read from the database per round trip.
CHUNK = 1000



def iso(moment: datetime | None) -> str:
    """ISO 8601 in the centre's time zone with its offset (the spec's w3c format), '' for none."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def parse_bound(value: str | None, *, end: bool) -> datetime | None:
    """A date (a whole day; as an upper bound it includes that day) or a date-time, in the centre's zone.

    Raises ValueError with a message for the person, in the active language (the export page's reader's; the
    default language, Chinese, for `hotline export`), when the value is not a date, or not one of `BOUND_YEARS`
    (0001-01-01 or 9999-12-31 would overflow when converted to UTC).
    """
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            moment = datetime.strptime(value.strip(), fmt).replace(tzinfo=timezone.get_default_timezone())
        except ValueError:
            continue
        if not BOUND_YEARS[0] <= moment.year <= BOUND_YEARS[1]:
            raise ValueError(_("日期「%(value)s」超出范围（年份应在 %(first)s–%(last)s 之间）")
                             % {"value": value, "first": BOUND_YEARS[0], "last": BOUND_YEARS[1]})
        return moment + timedelta(days=1) if end and fmt == "%Y-%m-%d" else moment
    raise ValueError(_("无法识别的日期「%(value)s」（例：2024-05-01 或 2024-05-01T08:00）") % {"value": value})


def orders(since: datetime | None = None, until: datetime | None = None) -> QuerySet[Ticket]:
    """Orders registered in [since, until), oldest first."""
    qs = Ticket.objects.all()
    if since is not None:
        qs = qs.filter(registered_at__gte=since)
    if until is not None:
        qs = qs.filter(registered_at__lt=until)
    return qs.order_by("registered_at", "id")


def open311_queryset(since: datetime | None = None, until: datetime | None = None) -> QuerySet[Ticket]:
    """The public orders with what one CSV row needs, in one query per chunk."""
    # The unit the live interface names (`open311.selectors.responsible_lead`): the newest lead still holding the
    # order or released by its termination, not one whose return was accepted or that a merge withdrew.
    lead = responsible_lead()
    last = TimelineEvent.objects.filter(ticket=OuterRef("pk")).order_by("-seq")
    # The newest words for the citizen (an approved extension's included, never a staff note), read as the live
    # interface reads them (`open311.selectors.with_public_note`).
    public = with_public_note(orders(since, until).filter(is_confidential=False, number__isnull=False))
    return (public.exclude(unreviewed_q())
            .select_related("category", "district", "street", "community")
            .annotate(lead_name=Subquery(lead.values("unit__name")[:1]),
                      last_at=Subquery(last.values("at")[:1])))


def open311_row(ticket: Ticket, notices: dict[int, str] | None = None) -> dict[str, Any]:
    """One order as a GeoReport v2 `request` (no caller data, phone numbers masked, coordinates on the grid);
    a 举报 by its number, status and service alone (`open311.disclosure`).

    status_notes are the live interface's (`open311.selectors.status_note`): an approved extension's notice
    (`notices`, from `notices_for` over the chunk; looked up for this order alone when not given) or `status_text`.
    """
    report = is_report(ticket)
    area = None if report else ticket.community or ticket.street or ticket.district
    if notices is None and not report:
        notices = notices_for([ticket])
    notes = public_status(ticket.status) if report else status_note(ticket, notices or {})
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in FINISHED else "open",
        "status_notes": scrub(notes, order=ticket)[:1000],
        "service_name": ticket.category.name if ticket.category else "",
        "service_code": str(ticket.category_id or ""),
        "description": public_description(ticket),
        # As the live interface: an order transferred to 110/119/120/122 (转应急) names that service.
        "agency_responsible": "" if report else _agency(ticket),
        "service_notice": "",
        "requested_datetime": iso(ticket.registered_at),
        "updated_datetime": iso(ticket.last_at or ticket.updated_at),
        "expected_datetime": iso(ticket.close_due) if ticket.status not in FINISHED else "",
        "address": "" if report else scrub(ticket.address, order=ticket),
        "address_id": area.code if area else "",
        "zipcode": "",
        "lat": "" if report else _coordinate(ticket.latitude),
        "long": "" if report else _coordinate(ticket.longitude),
        "media_url": "",
    }


def _coordinate(value: Decimal | None) -> str:
    """A published coordinate: on the Open311 grid, three decimals ('' for none)."""
    published = coarse(value)
    return "" if published is None else f"{published:.3f}"


class _Line:
    """A file-like object whose write() returns what it was given (to stream csv.writer's output)."""

    def write(self, value: str) -> str:
        return value


#: Columns holding numbers written as text (a negative longitude is no formula).
_NUMERIC = frozenset({"lat", "long"})


def open311_lines(since: datetime | None = None, until: datetime | None = None) -> Iterator[str]:
    """The Open311 CSV, line by line (header first); text cells that a spreadsheet would run as a formula are
    defused (`defuse`: citizens type the description and address)."""
    writer = csv.DictWriter(_Line(), fieldnames=OPEN311_COLUMNS)
    yield writer.writeheader()
    rows = open311_queryset(since, until).iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        notices = notices_for(chunk)  # the approved extensions' words: one query per chunk
        for ticket in chunk:
            yield writer.writerow({name: defuse(value) if isinstance(value, str) and name not in _NUMERIC else value
                                   for name, value in open311_row(ticket, notices).items()})


def write_open311_csv(out: IO[str], since: datetime | None = None, until: datetime | None = None) -> int:
    """Write the Open311 CSV; returns the number of orders written."""
    count = -1
    for line in open311_lines(since, until):
        out.write(line)
        count += 1
    return count


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(obj: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every stored field of a row, foreign keys as ids."""
    return {f.attname: _value(getattr(obj, f.attname)) for f in obj._meta.concrete_fields if f.name not in exclude}


def full_order(ticket: Ticket) -> dict[str, Any]:
    """One order with everything that happened to it (prefetched by `json_queryset`)."""
    data = record(ticket)
    data["category_name"] = ticket.category.full_name if ticket.category else ""
    imported = getattr(ticket, "imported_from", None)
    data["imported"] = ({"source": imported.source, "external_id": imported.external_id, "line": imported.line}
                        if imported else None)
    data["assignments"] = [{**record(a, ("ticket",)), "unit_name": a.unit.name} for a in ticket.assignments.all()]
    data["replies"] = [record(r, ("ticket",)) for r in ticket.replies.all()]
    data["visits"] = [record(v, ("ticket",)) for v in ticket.visits.all()]
    data["timeline"] = [record(e, ("ticket",)) for e in ticket.timeline.all()]
    return data


def json_queryset(since: datetime | None = None, until: datetime | None = None) -> QuerySet[Ticket]:
    """All orders (confidential ones too) with their related rows, fetched chunk by chunk."""
    return (orders(since, until).select_related("category", "imported_from")
            .prefetch_related("assignments__unit", "replies", "visits", "timeline"))


def json_parts(since: datetime | None = None, until: datetime | None = None, viewer: Any = None) -> Iterator[str]:
    """The full JSON export, piece by piece (one order per piece).

    Downloaded by a person (`viewer`), each full number and each confidential order in it is recorded
    like a view on a page (docs/security.md); the command line's export is the operator's own.
    """
    head = {"format": "hotline-orders", "version": 1, "exported_at": iso(clock.now()),
            "since": iso(since), "until": iso(until)}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "orders": [\n'
    first = True
    for ticket in _chunks(json_queryset(since, until)):
        data = full_order(ticket)
        if viewer is not None:
            access.phone_shown(ticket, viewer, ticket.caller_phone or _number_in_texts(data, ticket))
            access.order_shown(ticket, viewer)
        yield ("" if first else ",\n") + json.dumps(data, ensure_ascii=False)
        first = False
    yield "\n]}\n"


def _texts(value: Any) -> Iterator[str]:
    """Every text in an exported order, at any depth (its description, notes, timeline data …)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _number_in_texts(data: dict[str, Any], ticket: Ticket) -> str:
    """The first phone or identity card number written in the order's texts, found as `privacy.text_for` finds
    one for centre staff (who read it in full and have it recorded); '' for none."""
    for text in _texts(data):
        if spans := _number_spans(text, ticket):
            start, end, _masked = min(spans)
            return text[start:end]
    return ""


def write_json(out: IO[str], since: datetime | None = None, until: datetime | None = None) -> int:
    """Write the full JSON export, one order at a time; returns the number of orders written."""
    count = -2
    for part in json_parts(since, until):
        out.write(part)
        count += 1
    return count


def _chunks(qs: QuerySet[Ticket]) -> Iterator[Ticket]:
    yield from qs.iterator(chunk_size=CHUNK // 2)
