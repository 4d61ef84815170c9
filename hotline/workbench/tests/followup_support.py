"""Shared set-up of the repeat-call tests (群众催办, 补充诉求): the caller's number, the htmx header, a client."""

from __future__ import annotations

from django.test import Client

from hotline.accounts.models import User
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

#: The caller whose open order is chased.
PHONE = "13812341234"
#: What htmx sends with its requests.
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user: User, language: str = "zh-hans") -> Client:
    """A client signed in as `user`, asking for pages in `language`."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def open_order_of(cast: Cast) -> Ticket:
    """An order a unit is handling (办理中), from PHONE."""
    return make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
