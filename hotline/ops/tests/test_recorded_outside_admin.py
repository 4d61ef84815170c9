"""The admin change trail opened outside the admin site (`admin_audit.recorded_by`, `recorded_from_command_line`):
the rows saved inside are recorded by the named account or by 「命令行（<system user>）」, the request being
handled keeps its id, address and pending access records, and nothing after the block is recorded."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.ops import context
from hotline.ops.admin_audit import command_line_user, recorded_by, recorded_from_command_line
from hotline.ops.models import AdminAction, AdminChange
from hotline.tickets.tests.factories import HandlingUnitFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_outside_a_request_the_changes_inside_are_recorded_by_the_actor(frozen_now: datetime) -> None:
    actor = UserFactory(username="ops-admin")
    with recorded_by(actor):
        unit = HandlingUnitFactory(name="市水务集团")
    assert context.current() is None
    HandlingUnitFactory(name="市燃气集团")  # after the block: not recorded
    (record,) = AdminChange.objects.all()
    assert (record.action, record.model, record.object_pk) == (AdminAction.ADD, "orgs.handlingunit", str(unit.pk))
    assert (record.user_id, record.username, record.at) == (actor.pk, "ops-admin", frozen_now)
    assert len(record.request_id) == 32


def test_inside_a_request_its_id_address_and_pending_records_are_kept() -> None:
    actor = UserFactory(username="api-abcdefgh")
    request = context.RequestContext(request_id="r" * 16, ip="203.0.113.9", path="/webhooks/v1/subscriptions",
                                     method="POST")
    token = context.activate(request)
    try:
        with recorded_by(actor):
            inner = context.current()
            HandlingUnitFactory()
        assert context.current() is request and request.admin is False and request.user_id is None
    finally:
        context.deactivate(token)
    assert inner is not None and inner.pending is request.pending  # sensitive views seen inside still flushed
    record = AdminChange.objects.get()
    assert (record.request_id, record.ip, record.username) == ("r" * 16, "203.0.113.9", "api-abcdefgh")


def test_the_command_line_is_named_by_the_system_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "ops-oncall")
    with recorded_from_command_line():
        HandlingUnitFactory()
    record = AdminChange.objects.get()
    assert (record.user_id, record.username) == (None, "命令行（ops-oncall）")


def test_a_named_actor_comes_before_the_command_line() -> None:
    actor = UserFactory(username="ops-admin")
    with recorded_from_command_line(actor):
        HandlingUnitFactory()
    assert AdminChange.objects.get().username == "ops-admin"


def test_a_process_user_without_a_name_is_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def nameless() -> str:
        raise OSError("no username")

    monkeypatch.setattr("getpass.getuser", nameless)
    assert command_line_user() == "命令行"
