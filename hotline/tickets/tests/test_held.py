"""`services.held`: the first decision taken in the transaction that registered the order skips the re-read."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import InvalidTransition
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast

pytestmark = pytest.mark.django_db


def _draft() -> services.TicketDraft:
    return services.TicketDraft(request_type="complaint", title="", description="楼下餐馆油烟扰民",
                                caller_phone="13800001111")


def _reads_ticket(sql: str) -> bool:
    return sql.startswith("SELECT") and 'FROM "tickets_ticket"' in sql


def test_a_step_on_an_order_registered_in_the_same_transaction_does_not_read_it_again(frozen_now) -> None:  # noqa: ANN001
    cast = Cast.build()
    with transaction.atomic():
        ticket = services.register(_draft(), actor=cast.intake)
        with services.held(ticket), CaptureQueriesContext(connection) as held_step:
            services.send_to_dispatch(ticket, actor=cast.intake)
    assert not any(_reads_ticket(q["sql"]) for q in held_step.captured_queries)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.version) == (Status.PENDING_DISPATCH, 2) == (ticket.status, ticket.version)
    assert list(stored.timeline.values_list("action", flat=True)) == [Action.REGISTER, Action.SEND_TO_DISPATCH]
    # Outside `held`, a step locks and re-reads the order as always.
    with transaction.atomic(), CaptureQueriesContext(connection) as normal_step:
        services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    assert any(_reads_ticket(q["sql"]) for q in normal_step.captured_queries)


def test_held_still_applies_the_transition_table_and_leaves_a_refused_order_as_it_was(frozen_now) -> None:  # noqa: ANN001
    cast = Cast.build()
    with transaction.atomic():
        ticket = services.register(_draft(), actor=cast.intake)
        with services.held(ticket):
            services.send_to_dispatch(ticket, actor=cast.intake)
            with pytest.raises(InvalidTransition):
                services.send_to_dispatch(ticket, actor=cast.intake)  # already waiting for dispatch
        assert (ticket.status, ticket.version) == (Status.PENDING_DISPATCH, 2)
    assert Ticket.objects.get(pk=ticket.pk).timeline.count() == 2


def test_held_needs_a_registered_order() -> None:
    with pytest.raises(RuntimeError), services.held(Ticket()):
        pass
