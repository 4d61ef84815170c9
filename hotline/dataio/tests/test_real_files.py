"""The real public data sets of ../shared/data import whole: counts add up, a re-run skips everything.

Each full file takes several seconds (10,000 Baltimore rows is the largest); the tests skip when the
shared folder is not beside the clone.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hotline.dataio.formats import SHANGHAI, baltimore_parser, nyc_parser, teddy_parser
from hotline.dataio.rows import parse_datetime
from hotline.dataio.services import import_file
from hotline.dataio.tests.conftest import shared_file, slice_csv
from hotline.sla.choices import Light
from hotline.tickets.choices import FINISHED, Status
from hotline.tickets.models import Ticket, TimelineEvent

pytestmark = pytest.mark.django_db


def records(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for row in csv.reader(fh) if any(cell.strip() for cell in row)) - 1


def _check_whole_import(path: Path, parser, source: str, *, rejected: int) -> None:  # noqa: ANN001
    result = import_file(path, parser, source=source)
    assert result.rejected == rejected, result.rejections[:5]
    assert result.imported + result.rejected + result.skipped == records(path)
    assert Ticket.objects.count() == result.imported
    assert not Ticket.objects.filter(status__in=list(FINISHED)).exclude(light=Light.NONE).exists()
    assert not Ticket.objects.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    events = TimelineEvent.objects.count()
    again = import_file(path, parser, source=source)
    assert (again.imported, again.rejected, again.skipped) == (0, rejected, result.imported + result.skipped)
    assert Ticket.objects.count() == result.imported and TimelineEvent.objects.count() == events


def test_the_whole_baltimore_sample(taxonomy: None) -> None:
    _check_whole_import(shared_file("open311/baltimore311_sample.csv"), baltimore_parser(), "baltimore", rejected=0)
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 9792  # Closed, Closed (Duplicate/Transferred)


def test_the_whole_nyc_sample() -> None:
    path = shared_file("open311/nyc311_sample.csv")
    _check_whole_import(path, nyc_parser(), "nyc", rejected=1)  # one row has status "Unspecified"
    noisy = Ticket.objects.filter(category__full_name__startswith="NYC 311（导入）/Noise - Residential/")
    assert noisy.count() == 2332 - 1  # the rejected "Unspecified" row is a residential noise complaint


def test_the_whole_teddy_replies_file(taxonomy: None) -> None:
    path = shared_file("teddy2020/messages_replies.csv")
    _check_whole_import(path, teddy_parser(), "teddy", rejected=0)
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 2816
    assert Ticket.objects.filter(replies__isnull=False).count() == 2816


def test_a_slice_of_the_labeled_teddy_messages(tmp_path: Path, taxonomy: None) -> None:
    sample = tmp_path / "labeled.csv"
    count = slice_csv(shared_file("teddy2020/messages_labeled.csv"), sample, 600, step=10)
    default = parse_datetime("2019-12-31", SHANGHAI, what="d")
    result = import_file(sample, teddy_parser(default), source="teddy")
    assert result.rejected == 0 and result.imported + result.skipped == count
    assert not Ticket.objects.filter(category__isnull=True).exists()
    assert set(Ticket.objects.values_list("category__level", flat=True)) == {1}
