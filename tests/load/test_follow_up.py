"""The production arrangement end to end: gunicorn answers, Redis queues each step, a Celery worker follows up.

Orders created through the API by several clients at once are answered with the order as registered;
afterwards every one of them gets, from the worker, its urgency assessment, duplicate-index entry,
dispatch recommendation and the caller's acceptance SMS — and nothing is queued twice or left behind.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from hotline.api.keys import create_key
from hotline.bench.followups import MISSING_FOLLOW_UP_SQL, FollowUpWorker, ScratchRedis
from hotline.bench.intake_env import EnvironmentMissing, Request, Server, run_clients
from hotline.notifications.models import Notification
from hotline.routing.models import DispatchRecommendation
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import ensure_default_policies
from hotline.triage.models import DuplicateKey, UrgencyAssessment
from tests.load.conftest import server_env

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS, EACH = 4, 6
MESSAGES = ["小区门口路灯不亮已经一周", "楼下餐馆油烟扰民，晚上十点后仍在营业", "公交站台的顶棚破损漏雨",
            "学校周边道路积水严重，孩子上学不便", "社保卡补办要多久，需要带什么材料", "工地夜间施工噪音很大"]


@pytest.fixture
def production(django_db_blocker: pytest.FixtureRequest) -> Iterator[tuple[Server, FollowUpWorker, ScratchRedis]]:
    """A scratch Redis, a Celery worker and gunicorn on the test database, tasks queued (not eager)."""
    try:
        redis = ScratchRedis().start()
    except EnvironmentMissing as exc:
        pytest.skip(str(exc))
    with tempfile.TemporaryDirectory(prefix="hotline-follow-up-") as var:
        env = server_env(Path(var), HOTLINE_REDIS_URL=redis.url, HOTLINE_CELERY_EAGER="0",
                         HOTLINE_NOTIFIER="hotline.notifications.backends.FileNotifier")
        worker = FollowUpWorker(env, concurrency=2, niceness=0, log=Path(var) / "worker.log").start()
        server = Server(env, workers=2, log=Path(var) / "gunicorn.log")
        try:
            server.start()
            yield server, worker, redis
        finally:
            server.stop()
            worker.stop()
            redis.stop()


def _missing() -> int:
    with connection.cursor() as cursor:
        cursor.execute(MISSING_FOLLOW_UP_SQL)
        return int(cursor.fetchone()[0])


def test_orders_answered_at_once_are_followed_up_by_the_worker(production) -> None:  # noqa: ANN001
    server, worker, redis = production
    ensure_default_policies()
    _, raw = create_key("并发受理", ["read", "create"])

    def order(client: int, seq: int) -> Request:
        n = client * EACH + seq
        body = {"request_type": "complaint", "description": MESSAGES[n % len(MESSAGES)],
                "caller_phone": f"1380000{n:04d}", "decision": "dispatch"}
        return Request("POST", "/api/v1/orders", body, {"Idempotency-Key": f"follow-up-{n}"})

    outcomes = run_clients(server.port, order, clients=CLIENTS, per_client=EACH,
                           headers={"Authorization": f"Bearer {raw}"}, timeout=60)

    assert sorted(o.status for o in outcomes) == [201] * CLIENTS * EACH, [(o.status, o.body) for o in outcomes]
    assert all(o.body["status"] == Status.PENDING_DISPATCH for o in outcomes)
    worker.wait_drained(_missing, lambda: redis.queue_length("hotline"), timeout=180)
    numbers = {o.body["number"] for o in outcomes}
    orders = Ticket.objects.filter(number__in=numbers)
    assert orders.count() == CLIENTS * EACH
    for model in (UrgencyAssessment, DuplicateKey, DispatchRecommendation):
        assert model.objects.filter(ticket__in=orders).count() == CLIENTS * EACH, model.__name__
    accepted = Notification.objects.filter(ticket__in=orders, template="accepted")
    assert accepted.count() == CLIENTS * EACH  # one acceptance SMS per order, none twice


def test_the_worker_follows_up_again_after_postgresql_restarts() -> None:
    """The worker keeps its database connection between tasks; a restarted PostgreSQL must not strand it."""
    from hotline.bench.intake_site import HotlineSite

    site = HotlineSite(database="postgres", workers=2, followups="worker")
    try:
        site.open()
    except EnvironmentMissing as exc:
        site.close()
        pytest.skip(str(exc))
    try:
        assert site.server is not None and site.worker is not None and site.pg is not None
        headers = {"Authorization": f"Bearer {site.key}"}
        seeded = len(site.numbers())  # the demo seed's orders (a citizen's, and the 未诉先办 ones for its themes)

        def feed(tag: str):  # noqa: ANN202
            def order(client: int, seq: int) -> Request:
                n = client * 3 + seq
                body = {"request_type": "complaint", "description": MESSAGES[n % len(MESSAGES)],
                        "caller_phone": f"1390000{n:04d}", "decision": "dispatch"}
                return Request("POST", "/api/v1/orders", body, {"Idempotency-Key": f"{tag}-{n}"}, key=f"{tag}-{n}")
            return order

        before = run_clients(site.server.port, feed("before"), clients=2, per_client=3, headers=headers, timeout=60)
        assert [o.status for o in before] == [201] * 6
        site.worker.wait_drained(site.missing_follow_ups, site.queued_messages, timeout=120)

        site.pg.restart(down_for=1.0)  # every kept connection (web and worker) is now dead

        after = run_clients(site.server.port, feed("after"), clients=2, per_client=3, headers=headers, timeout=60,
                            retry=lambda o: o.status == 0 or o.status >= 500, retry_pause=0.5, max_retries=20)
        assert sorted({o.request.key for o in after if o.status == 201}) == sorted(f"after-{n}" for n in range(6))
        site.worker.wait_drained(site.missing_follow_ups, site.queued_messages, timeout=180)
        assert len(site.numbers()) == seeded + 12  # the seed's and the twelve created here
    finally:
        site.close()
