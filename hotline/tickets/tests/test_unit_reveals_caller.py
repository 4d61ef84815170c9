"""联系群众: the unit working on an order may see the caller's full number to contact them (查看完整号码), each
reveal recorded; every other reader is refused (`permissions.may_reveal_caller`). Also: the centre's texts a unit
reads on the order page apart from the timeline (审核意见, 二次回访 notes, 会商 questions) mask numbers for units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.ops.models import AccessKind, AccessRecord
from hotline.orgs.choices import UnitKind
from hotline.revisits import services as revisits
from hotline.revisits.choices import Outcome
from hotline.revisits.models import RevisitRule, SecondVisit
from hotline.tickets import services
from hotline.tickets.choices import ReturnReason, Status
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import may_reveal_caller
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket
from hotline.tickets.views import consultations_shown

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
MASKED = "139****5678"
TYPED = "请联系我13812345678，楼下夜间施工噪音"
TYPED_MASKED = "请联系我138****5678，楼下夜间施工噪音"
LATER = "群众补充：新号码 13700001111"
LATER_MASKED = "群众补充：新号码 137****1111"
BUTTON = "查看完整号码"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build(assisting=1)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: User, ticket: Ticket) -> str:
    response = _client(user).get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def _reveal(user: User, ticket: Ticket) -> Any:
    return _client(user).post(reverse("order-reveal-caller", args=[ticket.number]))


def _handled(cast: Cast, **draft: Any) -> Ticket:
    """A signed order (lead and assisting unit 办理中) with a 补充诉求 the centre's agent recorded."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, description=TYPED, **draft)
    services.supplement(ticket, actor=cast.intake, text=LATER)
    ticket.refresh_from_db()
    return ticket


def _refused(user: User, ticket: Ticket, reason: str = "只有正在办理该工单的承办单位") -> None:
    """The button is not offered, and a reveal posted anyway answers 403 with the reason, recording nothing."""
    assert BUTTON not in _page(user, ticket)
    response = _reveal(user, ticket)
    assert response.status_code == 403
    body = response.content.decode()
    assert reason in body and PHONE not in body
    assert not AccessRecord.objects.exists()


def test_the_lead_handler_reveals_the_number_once_and_it_is_recorded(cast: Cast) -> None:
    ticket = _handled(cast)
    page = _page(cast.lead_handler, ticket)
    assert BUTTON in page and "用于联系群众，查看将被记录" in page and MASKED in page and PHONE not in page
    response = _reveal(cast.lead_handler, ticket)
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")
    body = response.content.decode()
    assert PHONE in body and TYPED in body and LATER in body  # the number, and the citizen's words as written
    assert BUTTON not in body[body.index('id="h-caller"'):]  # shown: no button again on this answer
    path = reverse("order-reveal-caller", args=[ticket.number])
    assert list(AccessRecord.objects.values_list("kind", "subject", "user_id", "path")) == [
        (AccessKind.FULL_PHONE, ticket.number, cast.lead_handler.pk, path)]
    again = _page(cast.lead_handler, ticket)  # the next look at the order: masked again, nothing recorded
    assert PHONE not in again and MASKED in again and TYPED_MASKED in again and LATER_MASKED in again
    assert AccessRecord.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.timeline.count() == ticket.version  # a reveal is no step on the order


def test_an_assisting_unit_holding_the_order_may_reveal_too(cast: Cast) -> None:
    ticket = _handled(cast)
    helper = cast.assist_handlers[0]
    assert BUTTON in _page(helper, ticket)
    response = _reveal(helper, ticket)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, user_id=helper.pk).count() == 1


def test_a_unit_may_reveal_before_signing(cast: Cast) -> None:
    """待签收 is working on the order: the unit may call the citizen to understand the matter."""
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone=PHONE)
    assert may_reveal_caller(ticket, cast.lead_handler) is None
    assert _reveal(cast.lead_handler, ticket).status_code == 200


def test_a_unit_switched_off_since_keeps_contacting_the_citizens_of_the_orders_it_holds(cast: Cast) -> None:
    """停用 stops new work, not the orders in hand (docs/lifecycle.md): the unit still calls their citizens."""
    ticket = _handled(cast)
    cast.lead.is_active = False
    cast.lead.save(update_fields=["is_active"])
    assert BUTTON in _page(cast.lead_handler, ticket)
    response = _reveal(cast.lead_handler, ticket)
    assert response.status_code == 200 and PHONE in response.content.decode()
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, user_id=cast.lead_handler.pk).count() == 1


def test_a_unit_that_returned_the_order_is_refused(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone=PHONE)
    services.return_order(ticket, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")
    _refused(cast.lead_handler, ticket)


def test_after_handing_down_only_the_unit_below_may_reveal(frozen_now: datetime) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="东城区")
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="东华门街道", parent=district)
    street_handler = UserFactory(role=Role.UNIT_HANDLER, units=[street])
    cast = Cast.build(lead=district)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    services.forward(ticket, actor=cast.lead_handler, to=street, note="请街道城管科现场核实处理")
    _refused(cast.lead_handler, ticket)  # 已下派: the district no longer works on it
    assert _reveal(street_handler, ticket).status_code == 200


def test_a_district_above_the_handling_street_is_refused(cast: Cast) -> None:
    ticket = _handled(cast)
    above = UserFactory(role=Role.UNIT_ADMIN, units=[cast.lead.parent])
    assert ticket.number in _page(above, ticket)  # it sees the order of its sub-tree …
    _refused(above, ticket)  # … but does not handle it


def test_a_unit_only_consulted_is_refused(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市住建局")
    consulted = UserFactory(role=Role.UNIT_HANDLER, units=[department])
    services.start_consultation(ticket, actor=cast.dispatcher, units=[cast.lead, department],
                                question="是否属于住建职责？群众电话13812345678")
    _refused(consulted, ticket)


def test_an_anonymous_caller_is_never_revealed(cast: Cast) -> None:
    ticket = _handled(cast, is_anonymous=True)
    _refused(cast.lead_handler, ticket, "请联系热线中心转达")


def test_an_order_without_a_number_has_nothing_to_reveal(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="")
    _refused(cast.lead_handler, ticket, "该工单没有来电号码")


def test_another_units_staff_does_not_even_find_the_order(cast: Cast) -> None:
    """Outside `visible_to` an order is a 404, as if it did not exist (the house rule for every page)."""
    ticket = _handled(cast)
    stranger = UserFactory(role=Role.UNIT_HANDLER, units=[HandlingUnitFactory(kind=UnitKind.STREET)])
    assert _reveal(stranger, ticket).status_code == 404
    assert may_reveal_caller(ticket, stranger) is not None
    assert not AccessRecord.objects.exists()


def test_centre_staff_see_the_number_already_and_get_no_button(cast: Cast) -> None:
    ticket = _handled(cast)
    page = _page(cast.dispatcher, ticket)
    assert PHONE in page and BUTTON not in page
    before = AccessRecord.objects.count()  # the page's own view of the number
    response = _reveal(cast.dispatcher, ticket)
    assert response.status_code == 403 and "中心人员已可查看完整号码" in response.content.decode()
    assert AccessRecord.objects.count() == before


def test_a_get_of_the_reveal_address_is_not_allowed(cast: Cast) -> None:
    ticket = _handled(cast)
    response = _client(cast.lead_handler).get(reverse("order-reveal-caller", args=[ticket.number]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    body = response.content.decode()  # a reload or the language switch lands here: a way back, no number
    assert reverse("order-detail", args=[ticket.number]) in body and PHONE not in body
    assert not AccessRecord.objects.exists()


def test_the_centres_review_note_is_masked_for_units(cast: Cast) -> None:
    ticket = make_ticket(Status.REPLIED, cast=cast, caller_phone=PHONE)
    services.approve_reply(ticket, actor=cast.inspector, note="已电话核实，群众留号13500004444")
    unit = _page(cast.lead_handler, ticket)
    assert "13500004444" not in unit and "群众留号135****4444" in unit
    assert "群众留号13500004444" in _page(cast.inspector, ticket)


def test_second_visit_notes_are_masked_for_units(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    RevisitRule.objects.update(is_active=False)
    RevisitRule.objects.create(name="反复性投诉", request_type="complaint", keywords="噪音", delay_days=30)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.CLOSED, cast=cast, caller_phone=PHONE, description=TYPED)
    visit = SecondVisit.objects.get(ticket=ticket)
    revisits.record(visit, actor=cast.inspector, outcome=Outcome.UNREACHABLE, note="家属说打13600005555")
    unit = _page(cast.lead_handler, ticket)
    assert "二次回访" in unit and "13600005555" not in unit and "家属说打136****5555" in unit
    assert "家属说打13600005555" in _page(cast.inspector, ticket)


def test_a_consultations_question_is_read_masked_by_units(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市住建局")
    services.start_consultation(ticket, actor=cast.dispatcher, units=[cast.lead, department],
                                question="是否属于街道职责？群众电话13812345678")
    [unit] = consultations_shown(ticket, cast.lead_handler)
    assert unit.question_shown == "是否属于街道职责？群众电话138****5678"
    [centre] = consultations_shown(ticket, cast.dispatcher)
    assert centre.question_shown == "是否属于街道职责？群众电话13812345678"
    page = _page(cast.lead_handler, ticket)  # the 会商 section of the order page
    assert "群众电话138****5678" in page and "13812345678" not in page
    from hotline.api.serialize import detail_queryset, order_detail

    ticket = detail_queryset(Ticket.objects.filter(pk=ticket.pk)).get()
    assert order_detail(ticket, cast.lead_handler)["consultations"][0]["question"] == "是否属于街道职责？群众电话138****5678"
    assert order_detail(ticket, cast.dispatcher)["consultations"][0]["question"].endswith("13812345678")
