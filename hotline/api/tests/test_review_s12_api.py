"""Integrator-angle review of /api/v1, /webhooks/v1 and /open311/v2 (review s12): the direct answer read masked,
a repeat call on a merged order naming its master, the page's `overdue=lead`, a replay re-reading the address,
machine-shaped 404s, the webhooks' per-field messages, visibility before scope, and the 401's challenge."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.api.keys import change_scope, create_key
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db


def _as(user, api_client):  # noqa: ANN001, ANN202
    """The API client signed in as `user` (a session, no key)."""
    client = Client()
    client.force_login(user)
    return api_client(client=client)


# 0. docs/api.md «Callers' phone numbers»: a key without `phone` reads the caller's number masked in every answer,
#    and the texts the centre typed through `core.privacy.text_for`. The direct answer (直接答复) is served raw:
#    the same words read masked on the timeline come out in full in the order's `direct_answer`.
def test_the_direct_answer_masks_the_callers_number_for_a_key_without_phone(frozen_now, api_client) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.REGISTERED, caller_phone="13812345678")
    services.answer_directly(ticket, actor=ticket.cast.intake, answer="已回电13812345678告知：请到区政务服务中心一楼办理")
    _, raw = create_key("报表系统", ["read"])
    client = api_client(raw)
    detail = client.get(f"/orders/{ticket.number}").json()
    answer_event = client.get(f"/orders/{ticket.number}/timeline").json()[-1]
    assert detail["caller_phone"] == "138****5678"
    assert "13812345678" not in answer_event["note"]  # the timeline masks it
    assert "13812345678" not in detail["direct_answer"]


# 1. docs/api.md «A citizen's repeat call»: "for a merged order (已并单) take the step on its master,
#    `master_number`: the refusal names it, whatever `version` says".
@pytest.mark.parametrize("stale", [False, True], ids=["current_version", "stale_version"])
@pytest.mark.parametrize(("action", "body"), [("chase", {"note": "群众来电催办"}), ("supplement", {"text": "又堵了"})])
def test_a_chase_on_a_merged_order_is_refused_naming_its_master(frozen_now, api_client, action, body, stale) -> None:  # noqa: ANN001
    cast = Cast.build()
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    merged = make_ticket(Status.MERGED, cast=cast, master=master)
    version = merged.version - 1 if stale else merged.version
    r = _as(cast.intake, api_client).post(f"/orders/{merged.number}/actions/{action}", {"version": version, **body})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "invalid_transition"
    assert master.number in r.json()["error"]["message"]
    assert r.json()["error"]["details"]["master_number"] == master.number
    merged.refresh_from_db()
    assert merged.version == version + (1 if stale else 0)  # nothing changed


# 2. docs/api.md: the list's query parameters "are those of /orders/ (the page)"; the page and the 督办看板's
#    overdue-per-unit links use overdue=lead (lead_late_filter).
def test_the_list_takes_the_pages_overdue_lead_filter(frozen_now, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    cast = Cast.build()
    late = make_ticket(Status.IN_PROGRESS, cast=cast)
    make_ticket(Status.IN_PROGRESS, cast=cast)
    Assignment.objects.filter(ticket=late, unit=cast.lead).update(sign_overdue=True)  # signed late
    _, raw = create_key("督办系统", ["read"])
    r = api_client(raw).get("/orders", {"lead_unit": cast.lead.code, "state": "open", "overdue": "lead"})
    assert r.status_code == 200, r.content
    assert [o["number"] for o in r.json()["results"]] == [late.number]


def test_the_lists_overdue_values_are_the_pages(api_client) -> None:  # noqa: ANN001
    """The API takes exactly the page filter's values (`OrderFilterSet`): they cannot drift apart."""
    from hotline.api.orders import page_values
    from hotline.workbench.queues.filtersets import OrderFilterSet

    offered = [str(v) for v, _label in OrderFilterSet.base_fields["overdue"].choices if v]
    assert list(page_values("overdue")) == offered and "lead" in offered
    _, raw = create_key("督办系统", ["read"])
    client = api_client(raw)
    assert all(client.get("/orders", {"overdue": value}).status_code == 200 for value in offered)
    assert client.get("/orders", {"overdue": "late"}).status_code == 400


# 3. docs/api.md «Idempotent creation»: a replay answers with what the caller may see now; a key whose `phone`
#    was withdrawn gets numbers masked. The address is masked for it by GET, not by the replay.
def test_a_replay_after_phone_is_withdrawn_masks_the_number_in_the_address(frozen_now, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    key, raw = create_key("坐席系统", ["read", "create", "phone"])
    client = api_client(raw)
    body = {"request_type": "help", "description": "停水两天", "caller_phone": "13912345678", "channel": "phone",
            "address": "幸福路3号 联系人电话13812345678"}
    first = client.post("/orders", body, **{"Idempotency-Key": "cti-0001"})
    assert first.status_code == 201
    change_scope(key, "phone", granted=False)
    read_now = client.get(f"/orders/{first.json()['number']}").json()
    assert "13812345678" not in read_now["address"]
    again = client.post("/orders", body, **{"Idempotency-Key": "cti-0001"})
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["caller_phone"] == "139****5678"  # re-read, as documented
    assert again.json()["address"] == read_now["address"]  # still 13812345678 in full


# 4. docs/webhooks.md: errors have the API's shape, 404 `not_found`; docs/open311.md: an unknown format is a 404
#    in the spec's errors form. Unknown paths under both machine interfaces get the staff's HTML 404 page.
@pytest.mark.parametrize("path", ["/webhooks/v1/subscriptions/", "/webhooks/v1/subscriptions/abc"])
def test_an_unknown_webhooks_path_is_a_json_404(path: str) -> None:
    _, raw = create_key("督办系统", ["read", "webhooks"])
    r = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/json"), r["Content-Type"]
    assert r.json()["error"]["code"] == "not_found"


def test_the_partner_pages_under_interop_keep_the_staff_404(client) -> None:  # noqa: ANN001
    """Only the machine part of /interop/ (`v1/`) answers JSON: its partner pages (对接平台) are the staff's."""
    assert not client.get("/interop/nowhere/")["Content-Type"].startswith("application/json")
    assert client.get("/interop/v1/nowhere").json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/open311/v2/services.csv", "/open311/v2/requests/202503040000001.yaml"])
def test_an_unknown_open311_format_is_not_an_html_page(path: str) -> None:
    r = Client().get(path)
    assert r.status_code == 404
    assert not r["Content-Type"].startswith("text/html"), r["Content-Type"]
    [error] = r.json()  # the spec's list of errors
    assert error["code"] == 404 and ".json" in error["description"]


# 5. docs/webhooks.md: 400 `validation_error` (`details`: per field) with the API's shape; docs/api.md's per-field
#    details are lists of messages ({"field": ["…"]}), as every /api/v1 form error is.
def test_webhook_validation_details_are_messages_per_field_like_the_api() -> None:
    _, raw = create_key("督办系统", ["read", "webhooks"])
    r = Client().post("/webhooks/v1/subscriptions", json.dumps({"name": "", "url": "notaurl"}),
                      content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "validation_error"
    details = r.json()["error"]["details"]
    assert set(details) == {"name", "url"}
    assert all(isinstance(m, str) for messages in details.values() for m in messages), details


# 6. docs/api.md «Steps», "Checks, in this order": 1. the order is visible — else 404; 2. the scope — else 403.
def test_a_step_on_another_units_order_is_404_before_the_scope_check(frozen_now, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    other = make_ticket(Status.DISPATCHED)
    mine = Cast.build()
    _, raw = create_key("街道只读", ["read"], unit=mine.lead)
    r = api_client(raw).post(f"/orders/{other.number}/actions/sign", {"version": other.version})
    assert r.status_code == 404, r.json()


# 0b. The same raw `direct_answer` reaches a handling unit: an answered order reopened (重新启用) and dispatched keeps
#     its direct answer, and the unit's key reads the caller's number in it in full (units read numbers masked).
def test_a_unit_key_reads_a_reopened_orders_direct_answer_masked(frozen_now, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    ticket = make_ticket(Status.REGISTERED, caller_phone="13812345678")
    cast = ticket.cast
    services.answer_directly(ticket, actor=cast.intake, answer="已回电13812345678告知：请到区政务服务中心一楼办理")
    services.reopen(ticket, actor=cast.inspector, reason="群众再次来电，问题未解决")
    services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead, assisting=[])
    _, raw = create_key("街道对接", ["read"], unit=cast.lead)
    detail = api_client(raw).get(f"/orders/{ticket.number}").json()
    assert detail["status"] == Status.DISPATCHED and detail["caller_phone"] == "138****5678"
    assert "13812345678" not in detail["direct_answer"]


# Opinions: the second conflict path names the current version; a refused key is challenged (RFC 6750).
def test_an_unknown_key_is_challenged_like_a_missing_one(api_client) -> None:  # noqa: ANN001
    r = api_client("hk_unknown").get("/orders")
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    assert r["WWW-Authenticate"].startswith("Bearer ")


def test_the_conflict_found_at_the_offered_check_names_the_current_version(frozen_now, api_client,  # noqa: ANN001
                                                                            monkeypatch) -> None:  # noqa: ANN001
    """Someone changed the order between the version check and the offered-steps check: 409 with both versions."""
    from hotline.api import actions

    ensure_default_policies()
    cast = Cast.build()
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    version = ticket.version

    def changed_meanwhile(order, actor):  # noqa: ANN001, ANN202
        Ticket.objects.filter(pk=order.pk).update(version=version + 1)
        return []

    monkeypatch.setattr(actions, "available_actions", changed_meanwhile)
    r = _as(cast.lead_handler, api_client).post(f"/orders/{ticket.number}/actions/sign", {"version": version})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert r.json()["error"]["details"] == {"expected_version": version, "current_version": version + 1}
