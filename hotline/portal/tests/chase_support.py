"""Shared steps of the portal's 催办 tests: a caller, tracking an order, chasing it (Post/Redirect/Get followed)."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from hotline.tickets.models import Ticket

#: The citizen on the orders the tests chase.
CALLER = {"caller_name": "赵先生", "caller_phone": "13912345678"}


def track(client: Client, ticket: Ticket) -> str:
    """The tracking page of `ticket`, opened with its number and query code."""
    return client.post(reverse("portal:track"), {"number": ticket.number, "query_code": ticket.query_code},
                       follow=True).content.decode()


def chase(client: Client, ticket: Ticket, code: str | None = None) -> HttpResponse:
    """The chase post, and the result page it redirects to (Post/Redirect/Get)."""
    response = client.post(reverse("portal:chase"), {"number": ticket.number,
                                                     "query_code": ticket.query_code if code is None else code})
    if response.status_code == 302 and response["Location"] == reverse("portal:tracked"):
        return client.get(response["Location"])
    return response
