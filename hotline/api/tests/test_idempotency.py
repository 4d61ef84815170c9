"""`Idempotency-Key` on order creation: one order per key, the first response replayed, a changed body refused."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hotline.api.keys import create_key
from hotline.api.models import IdempotencyRecord
from hotline.tickets.models import Ticket

BODY = {"request_type": "help", "description": "独居老人家中停水两天，请帮忙联系", "caller_phone": "13900001111"}


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_first_response(frozen_now, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("重试", ["read", "create"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "call-7781"})
    second = client.post("/orders", BODY, **{"Idempotency-Key": "call-7781"})
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Ticket.objects.count() == 1
    # Without a key, or with another key, a new order is made.
    assert client.post("/orders", BODY, **{"Idempotency-Key": "call-7782"}).status_code == 201
    assert client.post("/orders", BODY).status_code == 201
    assert Ticket.objects.count() == 3


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(frozen_now, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("换内容", ["create"])
    client = api_client(raw)
    assert client.post("/orders", BODY, **{"Idempotency-Key": "k1"}).status_code == 201
    response = client.post("/orders", {**BODY, "description": "另一件事"}, **{"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_caller(frozen_now, api_client) -> None:  # noqa: ANN001
    _, raw_a = create_key("甲", ["create"])
    _, raw_b = create_key("乙", ["create"])
    assert api_client(raw_a).post("/orders", BODY, **{"Idempotency-Key": "same"}).status_code == 201
    response = api_client(raw_b).post("/orders", BODY, **{"Idempotency-Key": "same"})
    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_creation_leaves_no_record_and_can_be_retried(frozen_now, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("失败", ["create"])
    client = api_client(raw)
    bad = client.post("/orders", {**BODY, "district": "NO-SUCH-UNIT"}, **{"Idempotency-Key": "k"})
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists() and not Ticket.objects.exists()
    assert client.post("/orders", BODY, **{"Idempotency-Key": "k2"}).status_code == 201


@pytest.mark.django_db
def test_an_unusable_key_is_400(api_client) -> None:  # noqa: ANN001
    _, raw = create_key("长键", ["create"])
    response = api_client(raw).post("/orders", BODY, **{"Idempotency-Key": "x" * 300})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_one_order(frozen_now) -> None:  # noqa: ANN001
    _, raw = create_key("并发", ["read", "create"])
    n = 6
    barrier = threading.Barrier(n)
    results: list[tuple[int, bytes]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = Client(headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "burst-1"})
            import json

            barrier.wait(timeout=30)
            response = client.post("/api/v1/orders", data=json.dumps(BODY), content_type="application/json")
            results.append((response.status_code, response.content))
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()

    assert not errors, errors
    assert [status for status, _ in results] == [201] * n
    assert len({body for _, body in results}) == 1
    assert Ticket.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_key_older_than_its_time_to_live_is_forgotten_and_purged(traveller, api_client) -> None:  # noqa: ANN001
    from datetime import timedelta

    from hotline.api.constants import IDEMPOTENCY_TTL
    from hotline.tasks.tasks import purge_idempotency_records

    _, raw = create_key("过期", ["create"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "old-key"}).json()
    assert client.post("/orders", BODY, **{"Idempotency-Key": "other"}).status_code == 201
    traveller.shift(IDEMPOTENCY_TTL + timedelta(minutes=1))
    again = client.post("/orders", BODY, **{"Idempotency-Key": "old-key"})
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert again.json()["number"] != first["number"] and Ticket.objects.count() == 3
    assert purge_idempotency_records.delay().get() == 1  # "other" expired; "old-key" was just used again
    assert purge_idempotency_records.delay().get() == 0
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["old-key"]


@pytest.mark.django_db
def test_a_creation_is_one_unit_without_a_savepoint_per_step(frozen_now, api_client, monkeypatch) -> None:  # noqa: ANN001
    from hotline.tickets import services
    from hotline.tickets.exceptions import RuleViolation
    from hotline.workbench.intake import services as intake
    from hotline.workbench.intake.choices import Decision

    _, raw = create_key("一个整体", ["create"])
    client = api_client(raw)
    with CaptureQueriesContext(connection) as captured:
        assert client.post("/orders", {**BODY, "decision": "dispatch"}, **{"Idempotency-Key": "u1"}).status_code == 201
    # Register, decide, record: one savepoint, the unit's own (the test runs in a transaction).
    assert sum(1 for q in captured.captured_queries if q["sql"].upper().startswith("SAVEPOINT")) == 1

    @services._core.service
    def refused_after_writing(ticket, *, actor, **_kw):  # noqa: ANN001, ANN003, ANN202
        services.send_to_dispatch.__wrapped__(ticket, actor=actor)  # writes the step and its event …
        raise RuleViolation("派单被拒")  # … then is refused

    monkeypatch.setitem(intake._STEPS, Decision.DISPATCH, refused_after_writing)
    before = Ticket.objects.count()
    refused = client.post("/orders", {**BODY, "decision": "dispatch"}, **{"Idempotency-Key": "u2"})
    assert refused.status_code == 400 and "派单被拒" in refused.content.decode()
    assert Ticket.objects.count() == before  # the registration went with the refused decision
    assert not IdempotencyRecord.objects.filter(key="u2").exists()
    monkeypatch.undo()
    assert client.post("/orders", {**BODY, "decision": "dispatch"}, **{"Idempotency-Key": "u2"}).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_the_view_of_the_callers_number_commits_with_the_order_and_not_without_it(frozen_now, api_client,  # noqa: ANN001
                                                                                  monkeypatch) -> None:
    from hotline.api import idempotency
    from hotline.ops.models import AccessKind, AccessRecord

    _, raw = create_key("留痕", ["create", "phone"])
    client = api_client(raw)
    created = client.post("/orders", BODY, **{"Idempotency-Key": "seen-1"})
    assert created.status_code == 201 and created.json()["caller_phone"] == BODY["caller_phone"]
    record = AccessRecord.objects.get()
    assert (record.kind, record.subject_type, record.subject) == (AccessKind.FULL_PHONE, "ticket",
                                                                 created.json()["number"])
    assert record.request_id == created["X-Request-ID"] and record.username.startswith("api-")

    # The unit fails after the answer was rendered: no order, no key, and no record of a view nobody had.
    monkeypatch.setattr(idempotency, "_RECORD", "INSERT INTO no_such_table VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
    assert client.post("/orders", BODY, **{"Idempotency-Key": "seen-2"}).status_code == 500
    assert Ticket.objects.count() == 1 and AccessRecord.objects.count() == 1
    assert not IdempotencyRecord.objects.filter(key="seen-2").exists()


@pytest.mark.django_db
def test_a_retry_refused_now_still_gets_the_first_answer(frozen_now, api_client, monkeypatch) -> None:  # noqa: ANN001
    """The record is written last: a retry does the work again unless that fails, and is answered with the first."""
    from hotline.api import orders
    from hotline.api.errors import ApiError

    _, raw = create_key("重试被拒", ["create"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "r-1"})
    assert first.status_code == 201

    def refuse(*args: object) -> None:
        raise ApiError(400, "validation_error", "参数校验失败")

    monkeypatch.setattr(orders, "_create", refuse)
    again = client.post("/orders", BODY, **{"Idempotency-Key": "r-1"})
    assert again.status_code == 201 and again.content == first.content and again["Idempotent-Replayed"] == "true"
    other_body = client.post("/orders", {**BODY, "description": "另一件事"}, **{"Idempotency-Key": "r-1"})
    assert other_body.status_code == 422 and other_body.json()["error"]["code"] == "idempotency_key_reused"
    fresh = client.post("/orders", BODY, **{"Idempotency-Key": "r-2"})
    assert fresh.status_code == 400  # no earlier answer to stand for it: the refusal itself
    assert Ticket.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_first_call_writes_its_record_once_with_the_answer(frozen_now, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("一条记录", ["create"])
    with CaptureQueriesContext(connection) as captured:
        created = api_client(raw).post("/orders", BODY, **{"Idempotency-Key": "once"})
    touching = [q["sql"] for q in captured.captured_queries if "api_idempotencyrecord" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    record = IdempotencyRecord.objects.get()
    assert (record.status_code, record.response_body) == (201, created.content.decode())


@pytest.mark.django_db(transaction=True)
def test_a_replay_shows_the_full_number_again_and_is_recorded_again(frozen_now, api_client, caplog) -> None:  # noqa: ANN001
    import logging

    from hotline.ops.models import AccessKind, AccessRecord

    _, raw = create_key("重放留痕", ["create", "phone"])
    client = api_client(raw)
    with caplog.at_level(logging.INFO, logger="hotline.audit"):
        first = client.post("/orders", BODY, **{"Idempotency-Key": "again-1"})
        again = client.post("/orders", BODY, **{"Idempotency-Key": "again-1"})
    assert again["Idempotent-Replayed"] == "true" and again.json()["caller_phone"] == BODY["caller_phone"]
    records = list(AccessRecord.objects.order_by("id"))
    assert [(r.kind, r.subject_type, r.subject) for r in records] == [
        (AccessKind.FULL_PHONE, "ticket", first.json()["number"])] * 2
    assert [r.request_id for r in records] == [first["X-Request-ID"], again["X-Request-ID"]]
    assert records[0].username == records[1].username and records[1].username.startswith("api-")
    # The retry's own creation was rolled back: neither a record nor a log line names its order.
    logged = [r.audit["subject"] for r in caplog.records if r.name == "hotline.audit"]
    assert logged == [first.json()["number"]] * 2
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_an_answer_with_a_masked_number_stores_no_views(frozen_now, api_client) -> None:  # noqa: ANN001
    from hotline.api import idempotency

    assert idempotency._shown_json([]) == ""
    _, raw = create_key("无号码", ["create"])
    api_client(raw).post("/orders", {k: v for k, v in BODY.items() if k != "caller_phone"},
                         **{"Idempotency-Key": "masked"})
    assert IdempotencyRecord.objects.get(key="masked").shown == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pipeline mode is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_creations_writes_travel_together_and_a_late_error_undoes_the_whole_unit(frozen_now, api_client,  # noqa: ANN001
                                                                                   monkeypatch) -> None:
    from psycopg import pq

    from hotline.core import inserts
    from hotline.ops.models import AccessRecord

    _, raw = create_key("流水线", ["create", "phone"])  # the number shown back is recorded inside the unit
    client = api_client(raw)
    modes: dict[str, pq.PipelineStatus] = {}

    def watch(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        modes[sql.split(" (")[0]] = connection.connection.pgconn.pipeline_status
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        created = client.post("/orders", {**BODY, "decision": "dispatch"}, **{"Idempotency-Key": "p-1"})
    assert created.status_code == 201
    sent_together = {sql for sql, mode in modes.items() if mode == pq.PipelineStatus.ON}
    assert sent_together == {"SELECT nextval(%s::regclass)", 'INSERT INTO "tickets_ticket"',
                             'INSERT INTO "tickets_timelineevent"', 'INSERT INTO "ops_accessrecord"',
                             "INSERT INTO api_idempotencyrecord"}
    assert all(mode == pq.PipelineStatus.OFF for sql, mode in modes.items() if sql not in sent_together)

    # The access record's INSERT waits for no answer: its error surfaces at the record's, and undoes it all.
    real = inserts._statement

    def broken(model, *args):  # noqa: ANN001, ANN002, ANN202
        sql, fields = real(model, *args)
        return (sql.replace('"ops_accessrecord"', '"no_such_table"') if model is AccessRecord else sql), fields

    monkeypatch.setattr(inserts, "_statement", broken)
    orders, views = Ticket.objects.count(), AccessRecord.objects.count()
    assert client.post("/orders", BODY, **{"Idempotency-Key": "p-2"}).status_code == 500
    assert (Ticket.objects.count(), AccessRecord.objects.count()) == (orders, views)
    assert not IdempotencyRecord.objects.filter(key="p-2").exists()
    monkeypatch.undo()
    assert client.post("/orders", BODY, **{"Idempotency-Key": "p-2"}).status_code == 201


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pipeline mode is PostgreSQL's")
@pytest.mark.django_db
def test_without_pipeline_mode_in_libpq_a_creation_sends_its_statements_one_by_one(frozen_now, api_client,  # noqa: ANN001
                                                                                    monkeypatch) -> None:
    from psycopg import pq

    from hotline.core import transactions

    monkeypatch.setattr(transactions, "_pipeline_supported", lambda: False)  # a libpq older than 14
    _, raw = create_key("无流水线", ["create"])
    modes: list[pq.PipelineStatus] = []

    def watch(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        modes.append(connection.connection.pgconn.pipeline_status)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        created = api_client(raw).post("/orders", BODY, **{"Idempotency-Key": "plain-1"})
    assert created.status_code == 201 and IdempotencyRecord.objects.filter(key="plain-1").exists()
    assert modes and set(modes) == {pq.PipelineStatus.OFF}
