"""网上受理时限: an online request must be accepted (the centre's first decision) within the centre's limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.core import clock
from hotline.sla.choices import Light, LimitUnit
from hotline.sla.models import AcceptanceSettings
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
#: A Tuesday morning, a working day.
T0 = datetime(2025, 3, 4, 10, 0, tzinfo=SH)


def _web(cast: Cast, at: datetime = T0, **draft: object) -> Ticket:
    return make_ticket(Status.REGISTERED, cast=cast, at=at, channel=Channel.WEB, **draft)


def _reload(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_an_online_request_gets_the_default_two_hours_and_a_green_light(cast: Cast) -> None:
    ticket = _web(cast)
    assert ticket.accept_due == T0 + timedelta(hours=2)
    assert ticket.phase_due == ticket.accept_due and ticket.light == Light.GREEN
    assert ticket.accepted_at is None and ticket.close_due is None


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.TRANSFER_IN, Channel.PROACTIVE])
def test_calls_transfers_and_proactive_orders_have_no_acceptance_limit(cast: Cast, channel: str) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast, at=T0, channel=channel)
    assert ticket.accept_due is None and ticket.phase_due is None and ticket.light == Light.NONE


def test_the_sweep_turns_a_waiting_request_yellow_then_red_without_flagging_the_closing_deadline(cast: Cast) -> None:
    ticket = _web(cast)
    sweep(T0 + timedelta(minutes=90))
    assert _reload(ticket).light == Light.GREEN
    sweep(T0 + timedelta(minutes=96))
    assert _reload(ticket).light == Light.YELLOW  # 80 % of two hours
    sweep(T0 + timedelta(hours=2))
    late = _reload(ticket)
    assert late.light == Light.RED and late.close_overdue is False and late.status == Status.REGISTERED


def test_sending_to_dispatch_accepts_the_request_and_stops_its_light(cast: Cast) -> None:
    ticket = _web(cast)
    with clock.frozen(T0 + timedelta(minutes=40)):
        services.send_to_dispatch(ticket, actor=cast.intake)
    accepted = _reload(ticket)
    assert accepted.accepted_at == T0 + timedelta(minutes=40)
    assert accepted.light == Light.NONE and accepted.phase_due is None
    assert accepted.accept_due == T0 + timedelta(hours=2)  # kept for the indicator


def test_a_late_dispatch_records_the_late_acceptance_and_starts_a_clean_closing_clock(cast: Cast) -> None:
    ticket = _web(cast)
    sweep(T0 + timedelta(hours=3))
    with clock.frozen(T0 + timedelta(hours=3)):
        services.dispatch(_reload(ticket), actor=cast.dispatcher, lead=cast.lead)
    dispatched = _reload(ticket)
    assert dispatched.accepted_at == T0 + timedelta(hours=3) > dispatched.accept_due
    assert dispatched.phase_due == dispatched.close_due and dispatched.light == Light.GREEN
    assert dispatched.close_overdue is False


def test_starting_a_consultation_accepts_the_request_though_it_stays_registered(cast: Cast) -> None:
    ticket = _web(cast)
    other = HandlingUnitFactory(kind=cast.lead.kind, parent=cast.lead.parent)
    with clock.frozen(T0 + timedelta(minutes=30)):
        services.start_consultation(ticket, actor=cast.dispatcher, units=[cast.lead, other], question="谁的职责？")
    consulted = _reload(ticket)
    assert consulted.status == Status.REGISTERED and consulted.accepted_at == T0 + timedelta(minutes=30)
    assert consulted.light == Light.NONE


def test_answering_on_the_spot_at_registration_accepts_at_once(cast: Cast) -> None:
    ticket = make_ticket(Status.ANSWERED, cast=cast, at=T0, channel=Channel.WECHAT)
    assert ticket.accepted_at == T0 == ticket.registered_at and ticket.light == Light.NONE


def test_the_centre_sets_the_limit_in_working_hours(cast: Cast) -> None:
    AcceptanceSettings.objects.create(pk=1, amount=4, unit=LimitUnit.WORKING_HOURS)
    saturday_night = datetime(2025, 3, 8, 22, 0, tzinfo=SH)
    ticket = _web(cast, at=saturday_night)
    assert ticket.accept_due == datetime(2025, 3, 10, 4, 0, tzinfo=SH)  # Monday: the weekend does not count


def test_a_changed_limit_applies_to_requests_registered_afterwards(cast: Cast) -> None:
    before = _web(cast)
    AcceptanceSettings.objects.create(pk=1, amount=30, unit=LimitUnit.MINUTES)
    after = _web(cast, at=T0 + timedelta(hours=1))
    assert _reload(before).accept_due == T0 + timedelta(hours=2)
    assert after.accept_due == T0 + timedelta(hours=1, minutes=30)


def test_registering_reads_the_settings_without_writing_them(cast: Cast) -> None:
    _web(cast)
    assert not AcceptanceSettings.objects.exists()
    assert AcceptanceSettings.current().amount == 2 and AcceptanceSettings.current().unit == LimitUnit.HOURS


def test_the_setting_saved_from_a_fresh_form_is_the_one_read(cast: Cast) -> None:
    """An add form's row would take the sequence's next id (2 after a rolled-back insert); it is row 1."""
    AcceptanceSettings(amount=30, unit=LimitUnit.MINUTES).save()
    AcceptanceSettings(amount=45, unit=LimitUnit.MINUTES).save()  # a second add: the same row
    assert list(AcceptanceSettings.objects.values_list("pk", "amount")) == [(1, 45)]
    assert _web(cast).accept_due == T0 + timedelta(minutes=45)


def test_the_limit_is_read_once_per_process_for_a_while(cast: Cast, django_assert_num_queries: object) -> None:
    """Every online registration needs it: a web process reads it again only after ACCEPTANCE_MAX_AGE."""
    AcceptanceSettings.current()
    with django_assert_num_queries(0):
        assert AcceptanceSettings.current().amount == 2
    AcceptanceSettings.objects.filter(pk=1).delete()
    AcceptanceSettings.objects.create(amount=3, unit=LimitUnit.HOURS)  # saved here: this process reads it anew
    with django_assert_num_queries(1):
        assert AcceptanceSettings.current().amount == 3
    with django_assert_num_queries(0):
        assert AcceptanceSettings.current().amount == 3
