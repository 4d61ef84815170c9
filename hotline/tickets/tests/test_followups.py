"""群众催办 and 补充诉求: a citizen's repeat contact recorded on the open order (services.followups)."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Status
from hotline.tickets.exceptions import ConflictError, InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import TimelineEvent
from hotline.tickets.services.followups import working_day_of
from hotline.tickets.tests.factories import SHANGHAI, Cast, UserFactory, make_ticket, stored

pytestmark = pytest.mark.django_db


def test_a_chase_counts_and_writes_one_public_event(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(t)

    services.chase(t, actor=cast.intake, note="群众来电催办，已告知正在协调施工队", expected_version=t.version)

    t.refresh_from_db()
    event = t.timeline.order_by("seq").last()
    assert (t.status, t.chase_count, t.version) == (Status.IN_PROGRESS, 1, before["version"] + 1)
    assert (event.action, event.seq, event.actor, event.is_public) == (Action.CHASE, t.version, cast.intake, True)
    assert event.data == {"channel": "phone", "count": 1, "counted": True}
    assert event.from_status == event.to_status == Status.IN_PROGRESS
    services.chase(t, actor=cast.dispatcher, note="第二次来电")
    t.refresh_from_db()
    assert t.chase_count == 2


def test_the_count_and_the_event_are_one_transaction(cast: Cast, frozen_now: datetime,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """If the timeline event cannot be written, the count is not raised either."""
    t = make_ticket(Status.DISPATCHED, cast=cast)
    before = stored(t)

    def broken(self: TimelineEvent, *args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(TimelineEvent, "save", broken)
    with pytest.raises(RuntimeError):
        services.chase(t, actor=cast.intake, note="催办")
    assert stored(t) == before


@pytest.mark.parametrize(("note", "words"), [("  ", "请填写催办内容"), ("催" * 501, "不能超过 500 个字")])
def test_a_chase_needs_a_short_note(cast: Cast, frozen_now: datetime, note: str, words: str) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(t)
    with pytest.raises(RuleViolation, match=words):
        services.chase(t, actor=cast.intake, note=note)
    assert stored(t) == before


def test_a_stale_page_is_a_conflict(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    before = stored(t)
    with pytest.raises(ConflictError):
        services.supplement(t, actor=cast.intake, text="门牌号是 12 号", expected_version=t.version - 1)
    assert stored(t) == before


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.INSPECTOR, Role.LEADER])
def test_only_call_handlers_record_them(cast: Cast, frozen_now: datetime, role: str) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    actor = cast.lead_handler if role == Role.UNIT_HANDLER else UserFactory(role=role)
    before = stored(t)
    for call in (lambda: services.chase(t, actor=actor, note="催办"),
                 lambda: services.supplement(t, actor=actor, text="补充")):
        with pytest.raises(NotPermitted):
            call()
    assert stored(t) == before


def test_a_supplement_is_not_allowed_anonymously(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    with pytest.raises(NotPermitted):
        services.supplement(t, actor=None, text="补充")


def test_a_merged_order_names_its_master(cast: Cast, frozen_now: datetime) -> None:
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    merged = make_ticket(Status.MERGED, cast=cast, master=master)
    before = stored(merged)
    with pytest.raises(InvalidTransition) as refused:
        services.chase(merged, actor=cast.intake, note="催办")
    assert master.number in refused.value.message and "当前状态为「已并单」" in refused.value.message
    assert stored(merged) == before and stored(master)["chase_count"] == 0


def test_a_proactive_order_is_refused(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast, channel=Channel.PROACTIVE)
    before = stored(t)
    for call in (lambda: services.chase(t, actor=cast.intake, note="催办"),
                 lambda: services.supplement(t, actor=cast.intake, text="补充")):
        with pytest.raises(RuleViolation, match="未诉先办"):
            call()
    assert stored(t) == before


def test_a_supplement_keeps_the_description_and_is_shown_when_clean(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    description = t.description

    services.supplement(t, actor=cast.intake, text="晚上十点以后噪音更大")

    t.refresh_from_db()
    event = t.timeline.order_by("seq").last()
    assert (t.description, t.status, t.chase_count) == (description, Status.AWAITING_CITIZEN, 0)
    assert (event.action, event.note, event.is_public) == (Action.SUPPLEMENT, "晚上十点以后噪音更大", True)


@pytest.mark.parametrize(("text", "confidential"), [("可联系 13912345678 核实", False), ("噪音更大", True)])
def test_a_supplement_stays_internal_when_it_needs_masking_or_the_order_is_confidential(
        cast: Cast, frozen_now: datetime, text: str, confidential: bool) -> None:
    # a confidential (保密) order is never dispatched: the centre handles it (待派单)
    t = make_ticket(Status.PENDING_DISPATCH if confidential else Status.IN_PROGRESS, cast=cast,
                    is_confidential=confidential)
    services.supplement(t, actor=cast.intake, text=text)
    event = t.timeline.order_by("seq").last()
    assert (event.note, event.is_public) == (text, False)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 3, day, hour, 0, tzinfo=SHANGHAI)


def test_the_portal_chases_once_per_working_day(cast: Cast) -> None:
    """Tuesday 4 March 2025 onwards: a weekend chase counts for Monday."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=_at(4, 9))
    assert working_day_of(_at(8)) == working_day_of(_at(10)) == _at(10).date()
    with time_machine.travel(_at(4), tick=False):
        services.chase(t, actor=None)
        before = stored(t)
        with pytest.raises(RuleViolation, match="本工作日已催办过"):
            services.chase(t, actor=None)
        assert stored(t) == before
        services.chase(t, actor=cast.intake, note="电话催办不受网上次数限制")
    with time_machine.travel(_at(8), tick=False):  # Saturday: Monday's working day
        services.chase(t, actor=None)
    for refused_on in (9, 10):  # Sunday, Monday
        with time_machine.travel(_at(refused_on), tick=False), pytest.raises(RuleViolation):
            services.chase(t, actor=None)
    with time_machine.travel(_at(11), tick=False):
        services.chase(t, actor=None)
    t.refresh_from_db()
    portal = list(t.timeline.filter(action=Action.CHASE, actor=None).values_list("data", "actor_label"))
    assert t.chase_count == 4 and len(portal) == 3
    assert all(data["channel"] == "portal" and label == "系统/群众" for data, label in portal)


# --- Review fixes: statuses, the count, a merged order before the version, 补充并恢复办理 -----------------------


def test_an_order_awaiting_its_return_visit_takes_neither(cast: Cast, frozen_now: datetime) -> None:
    """待回访: the unit has replied; the return visit itself answers the citizen who calls."""
    t = make_ticket(Status.AWAITING_VISIT, cast=cast)
    before = stored(t)
    for call in (lambda: services.chase(t, actor=cast.intake, note="催办"),
                 lambda: services.chase(t, actor=None),
                 lambda: services.supplement(t, actor=cast.intake, text="补充")):
        with pytest.raises(InvalidTransition):
            call()
    assert stored(t) == before


@pytest.mark.parametrize(("status", "counted"), [
    (Status.DISPATCHED, True), (Status.IN_PROGRESS, True),
    (Status.PENDING_DISPATCH, False), (Status.RETURNED, False), (Status.AWAITING_CITIZEN, False),
    (Status.REPLIED, False)])
def test_only_chases_while_a_unit_should_act_raise_the_count(cast: Cast, frozen_now: datetime, status: str,
                                                             counted: bool) -> None:
    t = make_ticket(status, cast=cast)
    services.chase(t, actor=cast.intake, note="群众来电催办")
    t.refresh_from_db()
    event = t.timeline.order_by("seq").last()
    assert (event.action, event.is_public, event.from_status) == (Action.CHASE, True, status)  # on the timeline
    assert (t.chase_count, event.data["counted"], event.data["count"]) == (int(counted), counted, int(counted))


def test_a_merged_order_names_its_master_whatever_the_version(cast: Cast, frozen_now: datetime) -> None:
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    merged = make_ticket(Status.MERGED, cast=cast, master=master)
    with pytest.raises(InvalidTransition, match=master.number):
        services.supplement(merged, actor=cast.intake, text="补充", expected_version=merged.version - 1)


def test_supplement_and_resume_takes_both_steps(cast: Cast, frozen_now: datetime) -> None:
    t = make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    services.supplement_and_resume(t, actor=cast.intake, text="门牌号是 12 号", expected_version=t.version)
    t.refresh_from_db()
    steps = list(t.timeline.order_by("-seq").values_list("action", "actor", "note")[:2])
    assert t.status == Status.IN_PROGRESS
    assert steps == [(Action.RESUME, cast.intake.pk, "群众来电补充情况，恢复办理"),
                     (Action.SUPPLEMENT, cast.intake.pk, "门牌号是 12 号")]


@pytest.mark.parametrize("case", ["not_waiting", "role", "stale"])
def test_supplement_and_resume_is_all_or_nothing(cast: Cast, frozen_now: datetime, case: str) -> None:
    t = make_ticket(Status.IN_PROGRESS if case == "not_waiting" else Status.AWAITING_CITIZEN, cast=cast)
    before = stored(t)
    actor = cast.supervisor if case == "role" else cast.intake  # 督办员 answers calls but may not resume
    version = t.version - 1 if case == "stale" else t.version
    with pytest.raises((InvalidTransition, NotPermitted, ConflictError)):
        services.supplement_and_resume(t, actor=actor, text="门牌号是 12 号", expected_version=version)
    assert stored(t) == before and t.version == before["version"]  # the instance reloaded too
    assert not TimelineEvent.objects.filter(ticket=t, action=Action.SUPPLEMENT).exists()


def test_the_migration_recounts_chases_from_the_timeline(cast: Cast, frozen_now: datetime) -> None:
    import importlib

    from django.apps import apps

    recount = importlib.import_module("hotline.tickets.migrations.0015_chase_count_counted").recount
    held, waiting = make_ticket(Status.IN_PROGRESS, cast=cast), make_ticket(Status.AWAITING_CITIZEN, cast=cast)
    for t in (held, held, waiting):
        services.chase(t, actor=cast.intake, note="催办")
    type(held).objects.filter(pk__in=[held.pk, waiting.pk]).update(chase_count=7)  # counted the old way
    recount(apps, None)
    held.refresh_from_db()
    waiting.refresh_from_db()
    assert (held.chase_count, waiting.chase_count) == (2, 0)
