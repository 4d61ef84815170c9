"""A NUL character in a URL's path or query never reaches a database lookup (PostgreSQL refuses NUL in text):
`ops.middleware.NulRefusalMiddleware` answers 400, the API in its error envelope; Open311 in its own form."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.accounts.choices import Role
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STAFF_PATHS = [
    "/orders/2025%000001/",
    "/orders/?q=%00abc",
    "/orders/?phone=138%00",
    "/callers/138%0012345678/",
    "/kb/?q=%00",
    "/orders/2025%000001/timeline/",
]
PUBLIC_PATHS = [
    "/api/v1/orders/2025%000001",
    "/api/v1/orders?q=%00",
    "/kb/faq/?q=%00",
    "/portal/track/?number=%00",
]


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


def test_an_encoded_nul_free_query_passes() -> None:
    """`%0` followed by other digits is no NUL: the request goes on (here to the sign-in redirect)."""
    assert Client().get("/orders/?q=%2500").status_code == 302
