"""The order list over the API takes the page's 待审批 filter (`pending`) and refuses an unknown parameter."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.api.keys import create_key
from hotline.tickets import services
from hotline.tickets.choices import Status, TerminationReason
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_pending_filters_like_the_page(frozen_now: datetime, cast: Cast, api_client) -> None:  # noqa: ANN001
    waiting = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.apply_termination(waiting, actor=cast.lead_handler, reason_code=TerminationReason.WITHDRAWN,
                               reason="群众来电撤回")
    extension = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.request_extension(extension, actor=cast.lead_handler, days=3, reason="需协调")
    make_ticket(Status.IN_PROGRESS, cast=cast)  # nothing asked
    client = api_client(create_key("读取", ["read"])[1])

    def numbers(pending: str) -> set[str]:
        answer = client.get("/orders", {"pending": pending})
        assert answer.status_code == 200, answer.content
        return {o["number"] for o in answer.json()["results"]}

    assert numbers("termination") == {waiting.number}
    assert numbers("extension") == {extension.number}
    assert numbers("any") == {waiting.number, extension.number}
    assert numbers("appeal") == set() and numbers("unreasonable") == set()
    assert client.get("/orders").json()["count"] == 3


def test_a_bad_pending_value_or_an_unknown_parameter_is_refused(cast: Cast, api_client) -> None:  # noqa: ANN001
    make_ticket(Status.IN_PROGRESS, cast=cast)
    client = api_client(create_key("读取", ["read"])[1])
    for params in ({"pending": "nope"}, {"pendng": "termination"}):
        answer = client.get("/orders", params)
        assert answer.status_code == 400, (params, answer.content)
        assert answer.json()["error"]["code"] == "validation_error"
    details = client.get("/orders", {"pendng": "termination"}, **{"Accept-Language": "en"}).json()["error"]["details"]
    assert details == {"pendng": ["Unknown query parameter “pendng”"]}
