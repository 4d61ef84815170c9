"""The open-data CSV (`dataio.export.open311_queryset`) and the live Open311 interface (`selectors.answerable_orders`)
name the same unit (`agency_responsible`) for the same order, by one rule (`selectors.responsible_lead`): the lead
still holding the order, or released by its termination (终止办理) itself — never one whose return (退单) was
accepted, nor one a merge (并单) withdrew."""
from __future__ import annotations

from datetime import datetime

import pytest

from hotline.dataio.export import open311_queryset, open311_row
from hotline.open311 import selectors
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _both(ticket_pk: int) -> tuple[str, str]:
    """`agency_responsible` of the order: in the live interface, in the CSV."""
    live = selectors.request_rows(selectors.public_orders().filter(pk=ticket_pk))[0]
    row = open311_row(open311_queryset().get(pk=ticket_pk))
    return live["agency_responsible"], row["agency_responsible"]


def test_terminated_order_names_the_same_agency_in_the_csv_and_the_live_interface(frozen_now: datetime) -> None:
    """A terminated order belongs to the unit that led it (docs/kpis.md): both name it."""
    ticket = make_ticket(Status.TERMINATED)
    assert _both(ticket.pk) == (ticket.cast.lead.name, ticket.cast.lead.name)


def test_open_data_csv_does_not_name_a_unit_whose_return_was_accepted(frozen_now: datetime) -> None:
    """退单 accepted (不属于本单位职责), waiting for the centre to dispatch it again: no unit answers for it now."""
    ticket = make_ticket(Status.RETURNED)
    ticket = services.accept_return(ticket, actor=ticket.cast.dispatcher, note="同意，另行派单")
    assert ticket.status == Status.PENDING_DISPATCH
    assert _both(ticket.pk) == ("", "")


def test_a_merged_order_names_no_unit_in_either(frozen_now: datetime) -> None:
    """并单: the merged order's lead was withdrawn by the merge; the master answers for the matter."""
    ticket = make_ticket(Status.MERGED)
    assert _both(ticket.pk) == ("", "")


def test_the_new_lead_after_an_accepted_return_is_named_in_both(frozen_now: datetime) -> None:
    from hotline.orgs.choices import UnitKind
    from hotline.tickets.tests.factories import HandlingUnitFactory

    ticket = make_ticket(Status.RETURNED)
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=ticket.cast.lead.parent, name="景山街道")
    services.accept_return(ticket, actor=ticket.cast.dispatcher, note="同意，改派景山街道", lead=other)
    assert _both(ticket.pk) == (other.name, other.name)
