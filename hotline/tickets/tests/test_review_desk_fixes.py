"""Review fixes (rv5) in the lifecycle services the desk's pages and the API share.

- 同意退单 with 协办单位 or 「指定派单」 but no new lead is refused (they belong to the re-dispatch).
- 并单 into a confidential (保密) master does not name it in the merged order's public note (sent to partners).
- 直接答复 of a 举报 is refused, unless the order is confidential (it never leaves the centre).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.public_text import outbound_note
from hotline.tickets.services.dispatching import CONFIDENTIAL_MERGE_NOTE
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


# --- 同意退单 without a new lead ---------------------------------------------------------------------------------


@pytest.mark.parametrize("chosen", ["assisting", "designate"])
def test_accepting_a_return_with_assisting_units_or_designation_but_no_lead_is_refused(cast: Cast,
                                                                                       chosen: str) -> None:
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket = make_ticket(Status.RETURNED, cast=cast)
    version = ticket.version
    kwargs = {"assisting": [other]} if chosen == "assisting" else {"designate": True}
    with pytest.raises(RuleViolation, match="须同时选择改派主办单位"):
        services.accept_return(ticket, actor=cast.dispatcher, note="同意", **kwargs)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == (Status.RETURNED, version)


def test_accepting_a_return_with_a_new_lead_and_its_assisting_units_dispatches_them(cast: Cast) -> None:
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    new_lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket = make_ticket(Status.RETURNED, cast=cast)
    ticket = services.accept_return(ticket, actor=cast.dispatcher, lead=new_lead, assisting=[other], designate=True)
    assert ticket.status == Status.DISPATCHED
    assert ticket.assignments.filter(unit=other).exists()
    assert ticket.assignments.get(unit=new_lead).is_designated


# --- 并单 into a confidential master --------------------------------------------------------------------------


def test_merging_into_a_confidential_master_does_not_name_it_outside_the_centre(cast: Cast) -> None:
    master = make_ticket(Status.REGISTERED, cast=cast, is_confidential=True)
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.merge(duplicate, actor=cast.dispatcher, master=master)
    event = duplicate.timeline.get(action=Action.MERGE)
    assert event.is_public
    assert master.number not in event.note and master.number not in outbound_note(event)
    assert outbound_note(event) == CONFIDENTIAL_MERGE_NOTE
    duplicate.refresh_from_db()
    assert duplicate.master_id == master.pk  # the centre still sees which order it went into


def test_a_note_naming_a_confidential_master_has_the_number_taken_out(cast: Cast) -> None:
    master = make_ticket(Status.REGISTERED, cast=cast, is_confidential=True)
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.merge(duplicate, actor=cast.dispatcher, master=master, note=f"同一小区噪音，并入{master.number}")
    event = duplicate.timeline.get(action=Action.MERGE)
    assert master.number not in outbound_note(event) and "同一小区噪音" in event.note


def test_the_one_click_merge_of_triage_does_not_name_a_confidential_master(cast: Cast) -> None:
    from hotline.triage.services import merge_into_master

    master = make_ticket(Status.REGISTERED, cast=cast, is_confidential=True)
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    merge_into_master(duplicate, master=master, actor=cast.dispatcher)
    event = duplicate.timeline.get(action=Action.MERGE)
    assert master.number not in outbound_note(event) and "智能研判提示" in event.note


def test_merging_into_an_ordinary_master_still_names_it(cast: Cast) -> None:
    master = make_ticket(Status.REGISTERED, cast=cast)
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.merge(duplicate, actor=cast.dispatcher, master=master)
    assert duplicate.timeline.get(action=Action.MERGE).note == f"并入主工单 {master.number}"


# --- 直接答复 of a 举报 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.REGISTERED, Status.PENDING_DISPATCH])
def test_a_report_is_not_answered_directly(cast: Cast, status: str) -> None:
    ticket = make_ticket(status, cast=cast, request_type=RequestType.REPORT)
    with pytest.raises(RuleViolation, match="举报件须派单"):
        services.answer_directly(ticket, actor=cast.intake, answer="已记录您的举报")
    ticket.refresh_from_db()
    assert ticket.status == status


def test_a_confidential_report_is_answered_by_the_centre(cast: Cast) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast, request_type=RequestType.REPORT, is_confidential=True)
    assert services.answer_directly(ticket, actor=cast.intake, answer="已转纪检部门核查").status == Status.ANSWERED


def test_other_request_types_are_still_answered_directly(cast: Cast) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast, request_type=RequestType.CONSULT)
    assert services.answer_directly(ticket, actor=cast.intake, answer="可在政务服务网办理").status == Status.ANSWERED
