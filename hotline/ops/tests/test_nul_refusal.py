"""A NUL character in a URL's path or query never reaches a database lookup (PostgreSQL refuses NUL in text):
`ops.middleware.NulRefusalMiddleware` answers a NUL in the path with 400, the API in its error envelope; Open311
in its own form; a NUL in a query string is handled by each page's filters (never a 500)."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.accounts.choices import Role
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STAFF_PATHS = [
    "/orders/2025%000001/",
    "/callers/138%0012345678/",
    "/orders/2025%000001/act/sign/",
]
PUBLIC_PATHS = [
    "/api/v1/orders/2025%000001",
    "/portal/track/%00/",
]
#: A NUL in the query string: the pages' filter forms ignore or refuse the value (no lookup with it).
QUERY_PATHS = ["/orders/?q=%00abc", "/orders/?phone=138%00", "/kb/?q=%00", "/incidents/?status=x%00",
               "/api/v1/orders?q=%00", "/kb/faq/?q=%00", "/callers/?q=%00"]


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_pages_answer_a_nul_without_a_500(path: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.DISPATCHER))
    answer = client.get(path)
    assert answer.status_code == 400
    assert "NUL" in answer.content.decode()


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_paths_answer_a_nul_without_a_500(path: str) -> None:
    answer = Client(raise_request_exception=False).get(path)
    assert answer.status_code == 400
    if path.startswith("/api/"):
        assert answer.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("path", QUERY_PATHS)
def test_a_nul_in_a_query_string_is_no_500(path: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=Role.DISPATCHER))
    assert client.get(path).status_code < 500
