"""Queueing a task message on the request path at a third of `apply_async`'s cost (Redis broker only).

Every web request that commits a step queues one follow-up message (`wiring.queue_steps`). Through
`apply_async` that costs ≈ 0.6 ms of CPU: option merging, routing, the publish signals, kombu's
`Producer.publish` with its retry wrapper, and a new Redis client object for each message. The message
itself is built by Celery's own protocol function (`app.amqp.as_task_v2`, ≈ 0.01 ms) and put on the queue
by kombu's own channel methods (`prepare_message`, then what `basic_publish` does for the default
exchange) with the client of a channel held per process, so the worker receives exactly what
`apply_async` would have sent (a test compares the two pushes to Redis, key and message, field by field).

`publish` says False, and the caller uses `apply_async`, whenever this shortcut would not send the same
thing: a broker other than Redis, eager tasks, another serializer or compression, a task routed to a
non-direct exchange, something listening to Celery's publish signals, or a call from inside a task
(whose message would carry the parent's ids). A broken held channel is dropped and rebuilt next time.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from celery import Task
from celery import signals as celery_signals
from kombu.utils.json import dumps

from hotline.celery import app

#: Per process (the pid guards against a channel inherited across a fork): the kombu connection and channel.
_held: dict[str, Any] = {"pid": None, "connection": None, "channel": None}
#: Per task name: the routing key of its queue on the default (direct) exchange, or None if not routable here.
_routes: dict[str, str | None] = {}


def usable() -> bool:
    """Whether the shortcut sends what `apply_async` would (checked on every call: cheap attribute reads)."""
    conf = app.conf
    return (not conf.task_always_eager and str(conf.broker_url or "").startswith(("redis://", "rediss://"))
            and conf.task_serializer == "json" and not conf.task_compression
            and not celery_signals.before_task_publish.receivers and not celery_signals.after_task_publish.receivers
            and app.current_worker_task is None)


def _route(task: Task) -> str | None:
    if task.name not in _routes:
        queue = app.amqp.router.route({}, task.name, args=(), kwargs={})["queue"]
        direct = queue.exchange is None or queue.exchange.type == "direct"
        _routes[task.name] = queue.name if direct and not queue.routing_key.startswith("#") else None
    return _routes[task.name]


def _channel() -> Any:
    if _held["pid"] != os.getpid() or _held["channel"] is None:
        connection = app.connection_for_write()
        _held.update(pid=os.getpid(), connection=connection, channel=connection.default_channel)
    return _held["channel"]


def _drop() -> None:
    connection = _held["connection"]
    _held.update(pid=None, connection=None, channel=None)
    if connection is not None:
        try:
            connection.release()
        except Exception:  # noqa: BLE001, S110 - already broken; the next call builds a new one
            pass


def message(task: Task, args: list[Any], *, argsrepr: str, task_id: str | None = None) -> tuple[bytes, dict, dict]:
    """(body, headers, properties) of the task message, as `apply_async(args=…, argsrepr=…)` builds them."""
    task_id = task_id or str(uuid.uuid4())
    built = app.amqp.as_task_v2(
        task_id, task.name, args=args, kwargs={}, argsrepr=argsrepr, kwargsrepr="{}",
        soft_time_limit=task.soft_time_limit, time_limit=task.time_limit,
        ignore_result=task.ignore_result if task.ignore_result is not None else app.conf.task_ignore_result,
    )
    properties = {**built.properties, "reply_to": app.thread_oid, "argsrepr": argsrepr, "kwargsrepr": "{}",
                  "delivery_mode": 2}
    return dumps(built.body).encode("utf-8"), built.headers, properties


def publish(task: Task, args: list[Any], *, argsrepr: str) -> bool:
    """Queue `task(*args)` for a worker; False (nothing sent) when `apply_async` must do it instead."""
    if not usable():
        return False
    routing_key = _route(task)
    if routing_key is None:
        return False
    body, headers, properties = message(task, args, argsrepr=argsrepr)
    channel = _channel()
    try:
        prepared = channel.prepare_message(body, 0, "application/json", "utf-8", headers, properties)
        # What kombu's `basic_publish` + `_put` do for the default exchange, minus a new Redis client
        # object per message: the channel's own client pushes onto the queue's list.
        channel._inplace_augment_message(prepared, "", routing_key)
        channel.client.lpush(channel._q_for_pri(routing_key, 0), dumps(prepared))
    except Exception:
        _drop()
        raise
    return True
