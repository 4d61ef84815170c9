"""Review of the machine interfaces: what events say about the caller, who may hear them, where the server
sends them (no loopback, intranet or cloud-metadata targets unless the centre allows its intranet), and
bodies the subscription API cannot read."""

from __future__ import annotations

import json

import pytest

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks import deliverer, services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.events import payload
from hotline.webhooks.forms import SubscriptionForm
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db

URL = "/webhooks/v1/subscriptions"


def _post(client, raw: str, body: object):  # noqa: ANN001, ANN202
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")


# --- What an event says ------------------------------------------------------------------------------


def test_the_title_goes_out_with_the_callers_number_and_name_masked(frozen_now) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_name="王建国", caller_phone="13912345678",
                         title="我叫王建国，电话13912345678，幸福小区3栋楼下污水外溢",  # typed by an agent
                         description="我叫王建国，电话13912345678，幸福小区3栋楼下污水外溢两天了")
    assert "13912345678" in ticket.title
    body = payload(ticket.timeline.order_by("seq").last(), "order.dispatched")
    sent = json.dumps(body, ensure_ascii=False)
    assert "13912345678" not in sent and "王建国" not in sent
    assert "幸福小区3栋楼下污水外溢" in body["order"]["title"]  # the rest of the title is kept


# --- Who may hear ---------------------------------------------------------------------------------------


def test_creating_a_subscription_needs_the_read_scope(client) -> None:  # noqa: ANN001
    raw = create_key("数据平台推送", ["webhooks"])[1]
    refused = _post(client, raw, {"name": "all", "url": "https://hooks.example.org/in"})
    assert refused.status_code == 403 and refused.json() == {"error": {
        "code": "insufficient_scope", "message": "该密钥没有「read」权限范围", "details": {"required_scope": "read"}}}
    assert not Subscription.objects.exists()
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200  # still lists its own
    reader = create_key("督办系统", ["webhooks", "read"])[1]
    assert _post(client, reader, {"name": "all", "url": "https://hooks.example.org/in"}).status_code == 201


def test_a_key_without_read_scope_hears_nothing(frozen_now) -> None:
    blind_key, _raw = create_key("数据平台推送", ["webhooks"])  # e.g. subscribed before the scope was required
    reading_key, _raw = create_key("督办系统", ["webhooks", "read"])
    blind = Subscription.objects.create(name="blind", url="https://hooks.example.org/a", owner=blind_key.user)
    heard = Subscription.objects.create(name="heard", url="https://hooks.example.org/b", owner=reading_key.user)
    ticket = make_ticket(Status.DISPATCHED, title="幸福小区下水道堵塞")
    for event in ticket.timeline.order_by("seq"):
        services.enqueue_event(event.pk)
    assert not Delivery.objects.filter(subscription=blind).exists()
    assert Delivery.objects.filter(subscription=heard).count() == ticket.timeline.count()


# --- Where the server sends -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:5432/", "http://localhost:6379/",
    "http://10.0.0.5/admin", "http://172.16.0.1/", "http://192.168.1.1/", "http://[::1]:8000/metrics",
    "http://[fd00::1]/", "http://0.0.0.0:8000/", "http://224.0.0.1/", "http://[::ffff:127.0.0.1]/",
])
def test_the_api_refuses_targets_on_the_centres_own_network(client, url: str) -> None:  # noqa: ANN001
    raw = create_key("区督办系统", ["read", "webhooks"])[1]
    answer = _post(client, raw, {"name": "probe", "url": url})
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and list(error["details"]) == ["url"]
    assert "内网" in error["details"]["url"][0]
    assert not Subscription.objects.exists()


def test_the_refusal_in_english(client) -> None:  # noqa: ANN001
    raw = create_key("区督办系统", ["read", "webhooks"])[1]
    answer = client.post(URL, json.dumps({"name": "probe", "url": "http://169.254.169.254/"}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}",
                         HTTP_ACCEPT_LANGUAGE="en")
    message = answer.json()["error"]["details"]["url"][0]
    assert "169.254.169.254" in message and "内网" not in message


def test_the_admin_form_refuses_them_too() -> None:
    form = SubscriptionForm({"name": "meta", "url": "http://169.254.169.254/", "secret": "whsec_x",
                             "is_active": True})
    assert not form.is_valid() and "url" in form.errors


def test_a_centre_may_allow_its_intranet_but_never_link_local(client, settings) -> None:  # noqa: ANN001
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = True
    raw = create_key("区督办系统", ["read", "webhooks"])[1]
    assert _post(client, raw, {"name": "intranet", "url": "http://10.0.0.5/hook"}).status_code == 201
    assert _post(client, raw, {"name": "meta", "url": "http://169.254.169.254/"}).status_code == 400


def test_a_name_that_resolves_to_the_intranet_later_is_not_sent_to(client, monkeypatch, frozen_now) -> None:  # noqa: ANN001
    raw = create_key("区督办系统", ["read", "webhooks"])[1]
    made = _post(client, raw, {"name": "hook", "url": "http://hooks.example.org/in"})
    assert made.status_code == 201  # resolved to a public address when it was set
    subscription = Subscription.objects.get(pk=made.json()["id"])
    delivery = services.enqueue(subscription, event_id="evt_dns", event_type="order.created", payload={"x": 1})
    monkeypatch.setattr("hotline.core.targets.resolve", lambda host, port=None: ["169.254.169.254"])
    posted: list[str] = []
    monkeypatch.setattr(deliverer, "post", lambda url, *args, **kwargs: posted.append(url))
    assert deliverer.deliver_due() == 1
    assert posted == []
    delivery.refresh_from_db()
    [log] = delivery.attempt_log.all()
    assert log.status_code is None and log.error.startswith(deliverer.REFUSED)
    assert "hooks.example.org (169.254.169.254)" in log.error and "link-local" in log.error
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at > delivery.created_at  # retried


def test_a_loopback_target_is_refused_at_delivery_and_nothing_arrives(frozen_now) -> None:
    with receiver() as endpoint:  # on 127.0.0.1, entered before the check existed (or by hand in the database)
        subscription = Subscription.objects.create(name="old", url=endpoint.url)
        delivery = services.enqueue(subscription, event_id="evt_lo", event_type="order.created", payload={"x": 1})
        assert deliverer.deliver_due() == 1
        assert endpoint.received == []
    [log] = delivery.attempt_log.all()
    assert log.error.startswith(deliverer.REFUSED) and "loopback" in log.error


def test_with_the_intranet_allowed_the_local_server_gets_it(frozen_now, allow_private) -> None:  # noqa: ANN001
    with receiver() as endpoint:
        subscription = Subscription.objects.create(name="local", url=endpoint.url)
        delivery = services.enqueue(subscription, event_id="evt_ok", event_type="order.created", payload={"x": 1})
        assert deliverer.deliver_due() == 1
        assert len(endpoint.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


# --- Bodies the API cannot read ------------------------------------------------------------------------


def test_deeply_nested_json_is_a_400_not_a_500(client) -> None:  # noqa: ANN001
    raw = create_key("订阅方", ["webhooks", "read"])[1]
    client.raise_request_exception = False
    answer = _post(client, raw, '{"a":' * 3000 + "1" + "}" * 3000)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"
