"""The request path's shortcut for queueing a follow-up (`hotline.tasks.publish`): the same message, or none."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery import signals as celery_signals

from hotline.celery import app
from hotline.tasks import publish, wiring
from hotline.tasks.tasks import after_steps, sla_sweep

STEPS = [{"ticket_id": 7, "event_id": 70, "action": "register", "from_status": "", "to_status": "registered"},
         {"ticket_id": 7, "event_id": 71, "action": "send_to_dispatch", "from_status": "registered",
          "to_status": "pending_dispatch"}]
needs_redis = pytest.mark.skipif(not os.environ.get("HOTLINE_REDIS_URL"), reason="needs Redis (HOTLINE_REDIS_URL)")


@contextmanager
def conf(**values: object) -> Iterator[None]:
    """Celery settings changed inside the block."""
    before = {name: app.conf[name] for name in values}
    app.conf.update(values)
    try:
        yield
    finally:
        app.conf.update(before)


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict]]]:
    """Tasks go to the broker (not eager); what is pushed onto a Redis list is captured instead of sent."""
    import redis

    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(redis.Redis, "lpush",
                        lambda self, key, *values: sent.extend((key, json.loads(value)) for value in values))
    publish._drop()
    with conf(task_always_eager=False):
        yield sent
    publish._drop()


def _comparable(message: dict) -> dict:
    """The message with its random ids replaced and its body decoded."""
    copy = json.loads(json.dumps(message))
    task_id = copy["headers"]["id"]
    assert copy["headers"]["root_id"] == copy["properties"]["correlation_id"] == task_id
    for where, name in (("headers", "id"), ("headers", "root_id"), ("properties", "correlation_id"),
                        ("properties", "delivery_tag")):
        copy[where][name] = "…"
    assert copy["properties"]["body_encoding"] == "base64"
    copy["body"] = json.loads(base64.b64decode(copy["body"]))
    return copy


@needs_redis
def test_the_shortcut_sends_exactly_what_apply_async_sends(broker: list) -> None:
    after_steps.apply_async(args=[STEPS], argsrepr="[2 steps: ticket 7]", kwargsrepr="{}")
    assert publish.publish(after_steps, [STEPS], argsrepr="[2 steps: ticket 7]")
    (queue_a, celery_made), (queue_b, ours) = broker
    assert queue_a == queue_b == app.conf.task_default_queue
    assert _comparable(ours) == _comparable(celery_made)
    assert _comparable(ours)["body"][0] == [STEPS] and ours["headers"]["task"] == "hotline.tasks.after_steps"
    assert ours["headers"]["id"] != celery_made["headers"]["id"]


@needs_redis
def test_a_request_queues_its_steps_through_the_shortcut(broker: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(after_steps, "apply_async", lambda *a, **kw: pytest.fail("apply_async was used"))
    with wiring.steps_batched():
        wiring.enqueue_step(STEPS[0])
        wiring.enqueue_step(STEPS[1])
    [(_queue, message)] = broker
    assert _comparable(message)["body"][0] == [STEPS]
    assert message["headers"]["argsrepr"] == "[2 steps: ticket 7 register, send_to_dispatch]"


def test_the_shortcut_stands_aside_whenever_it_would_not_send_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "_channel", lambda: pytest.fail("a channel was opened"))
    with conf(task_always_eager=False, broker_url="redis://127.0.0.1:1/0"):  # never contacted: each case says no
        assert publish.usable()  # … while this arrangement itself is one the shortcut serves
        with conf(task_always_eager=True):
            assert not publish.publish(after_steps, [STEPS], argsrepr="x")
        with conf(broker_url="amqp://guest@localhost//"):
            assert not publish.publish(after_steps, [STEPS], argsrepr="x")
        with conf(task_compression="gzip"):
            assert not publish.publish(after_steps, [STEPS], argsrepr="x")
        _refused_while_listened_to_or_inside_a_task(monkeypatch)


def _refused_while_listened_to_or_inside_a_task(monkeypatch: pytest.MonkeyPatch) -> None:
    def listener(**kwargs: object) -> None:
        pass

    celery_signals.before_task_publish.connect(listener)
    try:
        assert not publish.publish(after_steps, [STEPS], argsrepr="x")
    finally:
        celery_signals.before_task_publish.disconnect(listener)
    with monkeypatch.context() as m:
        m.setattr(type(app), "current_worker_task", property(lambda self: sla_sweep))
        assert not publish.publish(after_steps, [STEPS], argsrepr="x")


def test_a_broken_channel_is_dropped_and_the_step_still_followed_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The broker refuses the message: the error reaches `queue_steps`, which runs the receivers inline."""

    class Broken:
        def prepare_message(self, *args: object) -> dict:
            raise ConnectionError("Redis went away")

    delivered: list[dict] = []
    monkeypatch.setattr(publish, "usable", lambda: True)
    monkeypatch.setattr(publish, "_channel", lambda: Broken())
    monkeypatch.setattr(wiring, "send_step", delivered.append)
    publish._held.update(pid=os.getpid(), connection=None, channel=Broken())
    wiring.queue_steps(STEPS)
    assert delivered == STEPS and publish._held["channel"] is None
