"""The queue export (导出) of a 举报 (`Ticket.identity_withheld`): a unit's file names no reporter and holds the texts
scrubbed as an anonymous order's; the centre's file holds everything; a 投诉 is unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Sex, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.tickets.tests.test_report_identity_withheld import (
    COMPANY,
    DESCRIPTION,
    MASKED,
    NAME,
    PHONE,
    SCRUBBED,
    WITHHELD,
)
from hotline.workbench.tests.test_export import _by_number, _csv_rows, _get

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _order_in_hand(cast: Cast, **draft: Any) -> Ticket:
    draft = {"request_type": RequestType.REPORT, "caller_name": NAME, "caller_sex": Sex.MALE,
             "caller_company": COMPANY, "caller_phone": PHONE, "description": DESCRIPTION} | draft
    return make_ticket(Status.IN_PROGRESS, cast=cast, **draft)


def test_a_units_export_names_no_reporter(cast: Cast) -> None:
    report = _order_in_hand(cast)
    complaint = _order_in_hand(cast, request_type=RequestType.COMPLAINT)
    rows = _by_number(_csv_rows(_get(cast.lead_handler, "orders-export-csv")))
    row = rows[report.number]
    assert (row["来电人"], row["联系电话"], row["诉求内容"]) == (WITHHELD, "", SCRUBBED)
    assert NAME not in str(row) and PHONE not in str(row)
    assert (rows[complaint.number]["来电人"], rows[complaint.number]["联系电话"]) == (NAME, MASKED)


def test_the_centres_export_holds_the_reporter(cast: Cast) -> None:
    report = _order_in_hand(cast)
    row = _by_number(_csv_rows(_get(cast.dispatcher, "orders-export-csv")))[report.number]
    assert (row["来电人"], row["联系电话"], row["诉求内容"]) == (NAME, PHONE, DESCRIPTION)
