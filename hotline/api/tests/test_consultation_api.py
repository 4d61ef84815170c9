"""会商 over the API: the desk's key consults the units, the invited units' keys answer, the desk concludes;
the order's detail shows every consultation with its opinions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import TypeAdapter

from hotline.api.keys import create_key
from hotline.api.schemas import ActionOut, OrderDetailOut
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import Action, ConsultationStatus, Stance, Status
from hotline.tickets.models import Consultation, Opinion, Ticket
from hotline.tickets.tests.factories import (
    Cast,
    HandlingUnitFactory,
    ensure_default_policies,
    make_ticket,
    stored,
)

pytestmark = pytest.mark.django_db

QUESTION = "楼道堆放杂物占用消防通道，属物业管理还是消防监管职责不清"
HELD = "该工单正在会商，请以「会商定责」派单"


@dataclass
class Desk:
    """An order waiting for dispatch, the desk's key, and a key for each of the two candidate units."""

    ticket: Ticket
    street: HandlingUnit
    department: HandlingUnit
    centre: Any
    street_key: Any
    department_key: Any


def _opinion_of(order: dict, unit: HandlingUnit) -> dict:
    """The unit's opinion in the order's first consultation (opinions come in the order the units were invited)."""
    return next(o for o in order["consultations"][0]["opinions"] if o["unit"]["code"] == unit.code)


@pytest.fixture
def desk(frozen_now, api_client) -> Desk:  # noqa: ANN001
    ensure_default_policies()
    cast = Cast.build()
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    _, centre_raw = create_key("中心派单", ["read", "act"], unit=HandlingUnitFactory(kind=UnitKind.CENTRE),
                               role="dispatcher")
    _, street_raw = create_key("街道", ["read", "act"], unit=cast.lead)
    _, department_raw = create_key("部门", ["read", "act"], unit=department)
    return Desk(ticket=make_ticket(Status.PENDING_DISPATCH, cast=cast), street=cast.lead, department=department,
                centre=api_client(centre_raw), street_key=api_client(street_raw, header="x-api-key"),
                department_key=api_client(department_raw))


def _offered(client: Any, number: str) -> set[str]:
    response = client.get(f"/orders/{number}/actions")
    assert response.status_code == 200, response.content
    return {a["action"] for a in response.json()}


def _consult(d: Desk) -> dict[str, Any]:
    response = d.centre.post(f"/orders/{d.ticket.number}/actions/consult", {
        "version": d.ticket.version, "units": [d.street.code, d.department.code], "question": QUESTION})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_desk_consults_the_units_answer_and_the_conclusion_dispatches(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    offered = _offered(d.centre, number)
    assert Action.CONSULT in offered and Action.DISPATCH in offered
    assert Action.CONCLUDE_CONSULTATION not in offered and Action.GIVE_OPINION not in offered
    # Before the consultation the units may not see the order.
    assert d.street_key.get(f"/orders/{number}").status_code == 404

    order = _consult(d)
    assert order["status"] == Status.PENDING_DISPATCH
    [consultation] = order["consultations"]
    assert consultation["status"] == ConsultationStatus.OPEN and consultation["question"] == QUESTION
    assert consultation["opinions_due"] > consultation["started_at"] and consultation["ended_at"] is None
    assert consultation["lead"] is None and consultation["conclusion"] == ""
    assert [(o["unit"]["code"], o["stance"], o["answered_at"]) for o in consultation["opinions"]] == [
        (d.street.code, "", None), (d.department.code, "", None)]
    offered = _offered(d.centre, number)
    assert Action.CONCLUDE_CONSULTATION in offered and Action.CONSULT not in offered

    # An invited unit's key sees the order and is offered its opinion only.
    seen = d.street_key.get(f"/orders/{number}")
    assert seen.status_code == 200 and seen.json()["consultations"][0]["id"] == consultation["id"]
    assert _offered(d.street_key, number) == {Action.GIVE_OPINION}
    r = d.street_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": order["version"], "stance": Stance.NOT_OURS, "basis": "街道履职清单无此项",
        "suggested_unit": d.department.code})
    assert r.status_code == 200, r.content
    street_opinion = _opinion_of(r.json(), d.street)
    assert street_opinion["unit"] == {"code": d.street.code, "name": d.street.name}
    assert (street_opinion["stance"], street_opinion["basis"], street_opinion["suggested_unit"]) == (
        Stance.NOT_OURS, "街道履职清单无此项", d.department.code)
    assert street_opinion["answered_at"] is not None and street_opinion["revised_at"] is None
    r = d.department_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": r.json()["version"], "stance": Stance.LEAD, "basis": "权责清单第12项：消防通道监管"})
    assert r.status_code == 200, r.content
    assert Opinion.objects.get(unit=d.department).author.api_key.name == "部门"  # the key's own account

    r = d.centre.post(f"/orders/{number}/actions/conclude_consultation", {
        "version": r.json()["version"], "lead": d.department.code, "assisting": [d.street.code],
        "note": "依权责清单由部门主办，街道协办"})
    assert r.status_code == 200, r.content
    order = r.json()
    assert order["status"] == Status.DISPATCHED
    assert order["lead_unit"] == {"code": d.department.code, "name": d.department.name}
    lead = next(a for a in order["assignments"] if a["role"] == "lead")
    assert lead["unit"]["code"] == d.department.code and lead["is_designated"]
    [consultation] = order["consultations"]
    assert consultation["status"] == ConsultationStatus.CONCLUDED
    assert consultation["lead"] == {"code": d.department.code, "name": d.department.name}
    assert consultation["conclusion"] == "依权责清单由部门主办，街道协办" and consultation["ended_at"] is not None
    # The designated lead signs but may not return the order: it has had its say.
    offered = _offered(d.department_key, number)
    assert Action.SIGN in offered and Action.RETURN not in offered
    timeline = d.centre.get(f"/orders/{number}/timeline").json()
    assert [e["action"] for e in timeline][-4:] == [Action.CONSULT, Action.GIVE_OPINION, Action.GIVE_OPINION,
                                                    Action.CONCLUDE_CONSULTATION]
    assert timeline[-1]["data"]["consultation"] == consultation["id"]


def test_an_opinion_may_be_revised_until_the_conclusion(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    for stance in (Stance.LEAD, Stance.ASSIST):
        r = d.street_key.post(f"/orders/{number}/actions/give_opinion", {
            "version": version, "stance": stance, "basis": "街道履职清单第3项"})
        assert r.status_code == 200, r.content
        version = r.json()["version"]
    opinion = _opinion_of(r.json(), d.street)
    assert opinion["stance"] == Stance.ASSIST and opinion["revised_at"] is not None


def test_a_unit_not_invited_may_not_give_an_opinion(desk: Desk, api_client) -> None:  # noqa: ANN001
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    before = stored(d.ticket)
    body = {"version": version, "stance": Stance.LEAD, "basis": "依据"}
    # A unit that was not asked does not see the order at all: 404, as for a missing one.
    _, raw = create_key("别的部门", ["read", "act"], unit=HandlingUnitFactory(kind=UnitKind.DEPARTMENT))
    stranger = api_client(raw)
    assert stranger.get(f"/orders/{number}").status_code == 404
    refused = stranger.post(f"/orders/{number}/actions/give_opinion", body)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    # The district above an invited street sees the order, but the street answers, not the district.
    _, raw = create_key("区", ["read", "act"], unit=d.street.parent)
    district = api_client(raw)
    assert district.get(f"/orders/{number}").status_code == 200
    assert Action.GIVE_OPINION not in _offered(district, number)
    refused = district.post(f"/orders/{number}/actions/give_opinion", body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"
    assert stored(d.ticket) == before
    assert not Opinion.objects.filter(answered_at__isnull=False).exists()


@pytest.mark.parametrize(("change", "field"), [({"stance": "maybe"}, "stance"), ({"basis": ""}, "basis"),
                                               ({"suggested_unit": "NO-SUCH-UNIT"}, "suggested_unit")])
def test_a_bad_opinion_is_400_with_the_field(desk: Desk, change: dict, field: str) -> None:
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    before = stored(d.ticket)
    r = d.street_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": version, "stance": Stance.LEAD, "basis": "街道履职清单第3项", **change})
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    details = error["details"]
    named = set(details) if isinstance(details, dict) else {str(e["loc"][-1]) for e in details}
    assert field in named
    assert stored(d.ticket) == before


def test_a_consultation_needs_two_units(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    r = d.centre.post(f"/orders/{number}/actions/consult", {
        "version": d.ticket.version, "units": [d.street.code], "question": QUESTION})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "rule_violation" and "2 至 10" in r.json()["error"]["message"]
    assert not Consultation.objects.exists()


def test_dispatch_is_held_while_the_units_are_consulted(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    before = stored(d.ticket)
    for designate in (False, True):  # 派单 and 指定派单 alike
        r = d.centre.post(f"/orders/{number}/actions/dispatch", {"version": version, "lead": d.street.code,
                                                                  "designate": designate})
        assert r.status_code == 400, r.content
        assert r.json()["error"] == {"code": "rule_violation", "message": HELD, "details": None}
    assert stored(d.ticket) == before
    r = d.centre.post(f"/orders/{number}/actions/consult", {
        "version": version, "units": [d.street.code, d.department.code], "question": QUESTION})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"  # one at a time


def test_other_units_opinions_do_not_make_an_opinion_stale(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    r = d.street_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": version, "stance": Stance.LEAD, "basis": "街道履职清单第3项"})
    assert r.status_code == 200
    # The department read the order before the street answered: its answer goes on all the same.
    r = d.department_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": version, "stance": Stance.ASSIST, "basis": "可配合"})
    assert r.status_code == 200, r.content
    assert r.json()["version"] == version + 2
    assert [o["stance"] for o in r.json()["consultations"][0]["opinions"]] == [Stance.LEAD, Stance.ASSIST]


def test_a_stale_version_is_409_and_changes_nothing(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    r = d.street_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": version, "stance": Stance.LEAD, "basis": "街道履职清单第3项"})
    assert r.status_code == 200
    before = stored(d.ticket)
    # The desk's own steps still conflict with an opinion it did not see.
    r = d.centre.post(f"/orders/{number}/actions/conclude_consultation", {
        "version": version, "lead": d.street.code, "note": "街道主办"})
    assert r.status_code == 409, r.content
    error = r.json()["error"]
    assert error["code"] == "conflict" and error["details"]["current_version"] == version + 1
    # A version ahead of the order is no version the caller saw.
    r = d.department_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": version + 5, "stance": Stance.ASSIST, "basis": "可配合"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert stored(d.ticket) == before
    assert Consultation.objects.get().status == ConsultationStatus.OPEN


def test_an_opinion_on_a_page_read_before_the_conclusion_is_409(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    r = d.centre.post(f"/orders/{number}/actions/conclude_consultation", {
        "version": version, "lead": d.street.code, "note": "街道主办"})
    assert r.status_code == 200, r.content
    before = stored(d.ticket)
    r = d.department_key.post(f"/orders/{number}/actions/give_opinion", {
        "version": version, "stance": Stance.ASSIST, "basis": "可配合"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict", r.content
    assert stored(d.ticket) == before
    assert not Opinion.objects.filter(unit=d.department, answered_at__isnull=False).exists()


def test_the_actions_list_says_which_steps_are_held(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    listed = d.centre.get(f"/orders/{number}/actions").json()
    TypeAdapter(list[ActionOut]).validate_python(listed)
    assert all(a["held"] is None for a in listed)
    _consult(d)
    listed = d.centre.get(f"/orders/{number}/actions").json()
    TypeAdapter(list[ActionOut]).validate_python(listed)
    listed = {a["action"]: a for a in listed}
    assert listed[Action.DISPATCH]["held"] == HELD  # offered by role and status, refused for now
    assert listed[Action.CONCLUDE_CONSULTATION]["held"] is None
    assert listed[Action.WITHDRAW_CONSULTATION]["held"] is None
    assert [a["held"] for a in d.street_key.get(f"/orders/{number}/actions").json()] == [None]
    schema = d.centre.get("/openapi.json").json()["components"]["schemas"]["ActionOut"]
    assert "held" in schema["properties"] and "held" in schema["required"]


def test_the_consultation_says_who_and_the_assisting_units(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    order = _consult(d)
    [open_one] = OrderDetailOut.model_validate(order).model_dump()["consultations"]
    assert open_one["started_by"] and open_one["ended_by"] is None and open_one["assisting"] == []
    r = d.centre.post(f"/orders/{number}/actions/conclude_consultation", {
        "version": order["version"], "lead": d.department.code, "assisting": [d.street.code],
        "note": "依权责清单由部门主办，街道协办"})
    assert r.status_code == 200, r.content
    [concluded] = OrderDetailOut.model_validate(r.json()).model_dump()["consultations"]
    assert concluded["assisting"] == [{"code": d.street.code, "name": d.street.name}]
    assert concluded["ended_by"] == concluded["started_by"] and "中心派单" in concluded["started_by"]  # the key's account


def test_answering_directly_withdraws_the_consultation(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    version = _consult(d)["version"]
    r = d.centre.post(f"/orders/{number}/actions/answer_directly", {"version": version, "answer": "已电话解释政策"})
    assert r.status_code == 200, r.content
    [consultation] = r.json()["consultations"]
    assert consultation["status"] == ConsultationStatus.CLOSED and consultation["lead"] is None
    assert "会商撤销" in consultation["conclusion"]


def test_only_the_detail_carries_consultations(desk: Desk) -> None:
    d, number = desk, desk.ticket.number
    _consult(d)
    [row] = d.centre.get("/orders", {"q": number}).json()["results"]
    assert row["number"] == number and "consultations" not in row
    assert d.centre.get(f"/orders/{number}").json()["consultations"][0]["question"] == QUESTION
