"""The demo's archive of last year (往年工单): when its orders lie, how they are written, and its seasons."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from hotline.dataio.models import ImportedRecord
from hotline.demo.messages import load_messages
from hotline.demo.orders import TZ
from hotline.demo.seasons import ARCHIVE_FROM_DAYS, ARCHIVE_SOURCE, ARCHIVE_TO_DAYS, plan_archive
from hotline.intelligence.seasonal import KeyCounts, assess, past_years, warnings_of
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket


@pytest.fixture(scope="module")
def messages() -> list:
    return load_messages()


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_the_coming_30_days_warn_of_two_to_six_problems(messages, month):
    """From the archive alone, on the 1st and the 16th of every month: 2–6 categories warn."""
    for day in (1, 16):
        now = datetime(2026, month, day, 10, tzinfo=TZ)
        today = now.date()
        plan = plan_archive(now, 12345, messages)
        years = past_years(today, 30, first_day=min(p[1] for p in plan), today=today)
        assert len(years) == 1
        window, base = Counter(), Counter()
        for season, when, _where, _title, _text in plan:
            window[season.category] += years[0].window_start <= when < years[0].window_end
            base[season.category] += years[0].base_start <= when < years[0].base_end
        found = warnings_of(assess(years, [KeyCounts(c, [window[c]], [base[c]]) for c in base]))
        assert 2 <= len(found) <= 6, (today, [a.key for a in found])


def test_archive_days_stay_out_of_the_live_demo(messages):
    now = datetime(2025, 3, 4, 10, tzinfo=TZ)
    days = [p[1] for p in plan_archive(now, 12345, messages, scale=0.2)]
    assert min(days) >= (now - timedelta(days=ARCHIVE_FROM_DAYS)).date()
    assert max(days) < (now - timedelta(days=ARCHIVE_TO_DAYS)).date()


@pytest.mark.django_db
def test_the_demo_writes_the_archive_once_as_closed_imported_orders(settings, frozen_now):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", orders=60, call_days=0, stdout=None)
    archived = Ticket.objects.filter(pk__in=ImportedRecord.objects.filter(source=ARCHIVE_SOURCE).values("ticket"))
    assert archived.count() > 20
    assert set(archived.values_list("status", flat=True)) == {Status.CLOSED}
    assert not archived.filter(district__isnull=True).exists()
    assert not archived.filter(registered_at__gte=frozen_now - timedelta(days=90)).exists()
    assert not archived.filter(closed_at__gte=frozen_now - timedelta(days=90)).exists()
    before = Ticket.objects.count()
    call_command("demo", orders=60, call_days=0, stdout=None)
    assert Ticket.objects.count() == before
