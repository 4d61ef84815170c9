"""What the public Open311 interface publishes about a citizen beyond names and numbers (docs/open311.md «Privacy»):
coordinates on a ~100 m grid, online requests only once the centre accepted them (网上受理), no place for a 举报."""

# ruff: noqa: S314 - parsing our own server's answers

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from hotline.core import clock
from hotline.open311.disclosure import coarse
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services
from hotline.tickets.choices import Channel, NotAcceptedReason, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

#: A flat's exact point, and a neighbour 30 m away in the same grid cell.
HOME = {"latitude": Decimal("39.915464"), "longitude": Decimal("116.403849")}
NEXT_DOOR = {"latitude": Decimal("39.915221"), "longitude": Decimal("116.404102")}


def _get(client: Client, path: str, **params: str) -> list[dict]:
    response = client.get(f"/open311/v2/{path}", params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def _listed(client: Client, **params: str) -> dict[str, dict]:
    return {r["service_request_id"]: r for r in _get(client, "requests.json", **params)}


def _updated(client: Client) -> set[str]:
    return {u["service_request_id"] for u in _get(client, "servicerequestupdates.json")}


def _one(client: Client, number: str) -> dict:
    [row] = _get(client, f"requests/{number}.json")
    return row


def _post(client: Client, key: str, service: int, **fields: str) -> dict:
    data = {"api_key": key, "service_code": str(service), "lat": "39.915464", "long": "116.403849",
            "address_string": "幸福小区3栋201室", "description": "楼上漏水，天花板一直滴水",
            "media_url": "https://example.com/ceiling.jpg"} | fields
    response = client.post("/open311/v2/requests.json", data)
    assert response.status_code == 201, response.content
    return json.loads(response.content)[0]


# --- Coordinates ------------------------------------------------------------------------------------------


def test_coordinates_are_published_on_the_grid_in_the_list_and_the_single_answer(client, frozen_now, cast):
    home = make_ticket(Status.IN_PROGRESS, cast=cast, address="幸福小区3栋", **HOME)
    neighbour = make_ticket(Status.IN_PROGRESS, cast=cast, **NEXT_DOOR)
    listed = _listed(client)
    for row in (listed[home.number], _one(client, home.number)):
        assert (row["lat"], row["long"]) == (39.915, 116.404)
    # two requests in one place stay at one point, the same in every answer
    assert (listed[neighbour.number]["lat"], listed[neighbour.number]["long"]) == (39.915, 116.404)
    root = ET.fromstring(client.get(f"/open311/v2/requests/{home.number}.xml").content)
    assert (root.find("request/lat").text, root.find("request/long").text) == ("39.915", "116.404")
    assert "39.915464" not in json.dumps(listed) and "116.403849" not in json.dumps(listed)
    # the updates carry no coordinates at all
    assert all("lat" not in u and "long" not in u for u in _get(client, "servicerequestupdates.json"))
    # the centre keeps the exact point
    home.refresh_from_db()
    assert home.latitude == HOME["latitude"]


def test_rounding_is_consistent_half_up_and_signed():
    assert coarse(Decimal("39.915500")) == coarse(Decimal("39.915999")) == 39.916
    assert coarse(Decimal("39.915499")) == coarse(Decimal("39.914500")) == 39.915
    assert coarse(Decimal("-33.868820")) == -33.869 and coarse(None) is None


def test_narrow_location_queries_cannot_pin_the_point(client, frozen_now, cast):
    """GET requests takes no location filter: asking around the exact point, however narrowly, answers the same
    list, every point on the grid."""
    home = make_ticket(Status.IN_PROGRESS, cast=cast, **HOME)
    far = make_ticket(Status.IN_PROGRESS, cast=cast, latitude=Decimal("31.230416"), longitude=Decimal("121.473701"))
    everything = _listed(client)
    for lat, long in (("39.915464", "116.403849"), ("39.9154", "116.4038"), ("39.9155", "116.4039")):
        assert _listed(client, lat=lat, long=long, radius="1") == everything
    assert set(everything) == {home.number, far.number}
    for row in everything.values():
        assert Decimal(str(row["lat"])) == Decimal(str(row["lat"])).quantize(Decimal("0.001"))
        assert Decimal(str(row["long"])) == Decimal(str(row["long"])).quantize(Decimal("0.001"))


# --- Requests not accepted yet (网上受理) -------------------------------------------------------------------


def test_an_unaccepted_request_is_not_listed_but_its_number_answers_with_its_status_only(
        client, frozen_now, cast, catalogue, app_key):
    created = _post(client, app_key, catalogue.lamp.pk)
    number = created["service_request_id"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.awaiting_acceptance
    assert number not in _listed(client) and number not in _updated(client)
    row = _one(client, number)
    assert row["status"] == "open" and row["status_notes"] == "已提交，待受理"
    assert (row["description"], row["address"], row["address_id"], row["lat"], row["long"], row["media_url"]) == (
        "", "", "", None, None, "")
    assert row["service_code"] == str(catalogue.lamp.pk)
    assert "漏水" not in json.dumps(row, ensure_ascii=False) and "幸福小区" not in json.dumps(row, ensure_ascii=False)
    # asked by its id in the list form it answers the same way; its token finds its number
    assert _get(client, "requests.json", service_request_id=number) == [row]
    assert _get(client, f"tokens/{created['token']}.json") == [
        {"service_request_id": number, "token": created["token"]}]

    with clock.frozen(clock.now() + timedelta(minutes=30)):
        services.send_to_dispatch(ticket, actor=cast.intake)  # 受理: the centre took it up
    row = _listed(client)[number]
    assert row == _one(client, number)
    assert row["description"] == "楼上漏水，天花板一直滴水" and row["address"] == "幸福小区3栋201室"
    assert (row["lat"], row["long"]) == (39.915, 116.404) and row["media_url"] == "https://example.com/ceiling.jpg"
    assert number in _updated(client)


def test_a_portal_request_waits_for_acceptance_too(client, frozen_now):
    from hotline.portal.services import submit_request, web_draft

    ticket = submit_request(web_draft(request_type=RequestType.COMPLAINT, description="隔壁装修噪音扰民，我住502",
                                      address="和平里小区2栋502", name="赵敏", phone="13700001111"))
    assert ticket.channel == Channel.WEB and ticket.awaiting_acceptance
    assert ticket.number not in _listed(client) and ticket.number not in _updated(client)
    row = _one(client, ticket.number)
    assert row["status_notes"] == "已提交，待受理" and row["description"] == row["address"] == ""


def test_a_request_refused_at_acceptance_stays_unlisted_and_tells_only_its_reason(client, frozen_now, cast):
    refused = make_ticket(Status.NOT_ACCEPTED, cast=cast, channel=Channel.WEB, description="某某欠我工资不还",
                          **HOME)
    assert number_absent(client, refused.number)
    row = _one(client, refused.number)
    assert row["status"] == "closed" and row["status_notes"] == NotAcceptedReason.LEGAL_CHANNEL.label
    assert (row["description"], row["lat"], row["address"]) == ("", None, "")
    # refused later (转派单, then 不予受理 by the dispatch desk): still not taken up, still unlisted
    taken_up = make_ticket(Status.PENDING_DISPATCH, cast=cast, channel=Channel.WEB, description="小区路灯不亮")
    with clock.frozen(clock.now() + timedelta(hours=1)):
        services.not_accept(taken_up, actor=cast.intake, reason=NotAcceptedReason.OUTSIDE_DUTY)
    assert number_absent(client, taken_up.number)
    row = _one(client, taken_up.number)
    assert (row["status"], row["status_notes"]) == ("closed", NotAcceptedReason.OUTSIDE_DUTY.label)
    assert (row["description"], row["address"]) == ("", "")
    # a phone call refused at registration was heard by an agent: listed as before
    heard = make_ticket(Status.NOT_ACCEPTED, cast=cast, channel=Channel.PHONE, description="咨询公积金")
    assert heard.number in _listed(client)


def number_absent(client: Client, number: str) -> bool:
    return number not in _listed(client) and number not in _updated(client)


def test_phone_calls_are_listed_at_once(client, frozen_now, cast):
    """A call is accepted by the agent on the line: nothing waits."""
    call = make_ticket(Status.REGISTERED, cast=cast, description="路灯不亮", **HOME)
    row = _listed(client)[call.number]
    assert row["description"] == "路灯不亮" and row["lat"] == 39.915


# --- 举报 -----------------------------------------------------------------------------------------------------


def test_a_report_of_wrongdoing_publishes_no_place_and_no_answer(client, frozen_now, cast, org):
    report = make_ticket(Status.AWAITING_VISIT, cast=cast, request_type=RequestType.REPORT,
                         description="举报幸福路12号张记餐馆使用地沟油，我是隔壁店主", address="幸福路12号张记餐馆",
                         community=org.community_a, street=org.street_a, district=org.district, **HOME)
    listed = _listed(client)[report.number]
    assert listed == _one(client, report.number)
    assert listed["description"] == "（举报内容不公开）"
    assert (listed["address"], listed["address_id"], listed["lat"], listed["long"], listed["media_url"]) == (
        "", "", None, None, "")
    assert listed["agency_responsible"] == "" and listed["status_notes"] == "已答复，待回访"
    assert listed["status"] == "open" and listed["service_request_id"] == report.number
    text = json.dumps(_get(client, "servicerequestupdates.json"), ensure_ascii=False)
    assert "路灯已修复" not in text  # the approved public reply (the factory's words) quotes the matter
    assert "办理结果已答复" in text  # told by its label
    assert "张记" not in json.dumps(listed, ensure_ascii=False) + text


def test_a_reports_token_gives_only_its_number(client, frozen_now, cast, catalogue, app_key):
    created = _post(client, app_key, catalogue.lamp.pk, **{"attribute[request_type]": "report",
                                                           "description": "举报楼下张记餐馆排污"})
    ticket = Ticket.objects.get(number=created["service_request_id"])
    with clock.frozen(clock.now() + timedelta(minutes=30)):
        services.send_to_dispatch(ticket, actor=cast.intake)
    assert _get(client, f"tokens/{created['token']}.json") == [
        {"service_request_id": ticket.number, "token": created["token"]}]
    row = _one(client, ticket.number)
    assert (row["description"], row["lat"], row["address"], row["media_url"]) == (
        "（举报内容不公开）", None, "", "")
