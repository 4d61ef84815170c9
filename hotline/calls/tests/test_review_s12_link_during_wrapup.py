"""An order registered while the agent is still in the call's wrap-up (话后处理) is linked to that call."""

from __future__ import annotations

from datetime import timedelta

from hotline.calls.ingest import ingest
from hotline.calls.models import Call
from hotline.calls.tests.conftest import at, ev
from hotline.calls.tests.test_pop_and_links import NINE, agent, answer, pbx, register  # noqa: F401


def test_an_order_registered_in_a_wrap_up_still_under_way_is_linked(pbx, agent,  # noqa: F811
                                                                     django_capture_on_commit_callbacks) -> None:
    answer(pbx)  # answered 09:00:05
    # the call ends at 09:03 and the agent goes into wrap-up to type the order; agent.ready has not come yet
    ingest(pbx, [ev("c1e", "call.ended", at(3), call_id="c1", agent="8001"),
                 ev("w", "agent.wrapup", at(3), agent="8001")])
    assert Call.objects.get(call_id="c1").wrap_end_at is None
    ticket = register(agent, NINE + timedelta(minutes=7), django_capture_on_commit_callbacks)
    assert list(Call.objects.get(call_id="c1").orders.all()) == [ticket]


def test_a_wrap_up_begun_long_after_the_call_is_not_its_wrap_up(pbx, agent,  # noqa: F811
                                                                django_capture_on_commit_callbacks) -> None:
    """The call ended at 09:03 and the agent was ready; a wrap-up begun at 09:10 is no wrap-up of that call."""
    answer(pbx)
    ingest(pbx, [ev("c1e", "call.ended", at(3), call_id="c1", agent="8001"),
                 ev("r", "agent.ready", at(3), agent="8001"), ev("w", "agent.wrapup", at(10), agent="8001")])
    ticket = register(agent, NINE + timedelta(minutes=12), django_capture_on_commit_callbacks)
    assert not ticket.calls.exists()


def test_an_order_registered_after_the_wrap_up_ended_is_not_linked(pbx, agent,  # noqa: F811
                                                                   django_capture_on_commit_callbacks) -> None:
    answer(pbx)
    ingest(pbx, [ev("c1e", "call.ended", at(3), call_id="c1", agent="8001"),
                 ev("w", "agent.wrapup", at(3), agent="8001"), ev("r", "agent.ready", at(6), agent="8001")])
    ticket = register(agent, NINE + timedelta(minutes=7), django_capture_on_commit_callbacks)
    assert not ticket.calls.exists()


def test_a_wrap_up_begun_within_a_minute_of_the_end_is_the_calls(pbx, agent,  # noqa: F811
                                                                 django_capture_on_commit_callbacks) -> None:
    """Ready at 09:03 when the call ended, wrap-up from 09:03:50 (50 s later: the call's, derive.assign_wrapups):
    an order at 09:06, past the 120 s grace, is still linked."""
    answer(pbx)
    ingest(pbx, [ev("c1e", "call.ended", at(3), call_id="c1", agent="8001"),
                 ev("r", "agent.ready", at(3), agent="8001"), ev("w", "agent.wrapup", at(3, 50), agent="8001")])
    ticket = register(agent, NINE + timedelta(minutes=6), django_capture_on_commit_callbacks)
    assert list(ticket.calls.values_list("call_id", flat=True)) == ["c1"]
