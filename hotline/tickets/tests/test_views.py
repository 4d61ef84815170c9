"""The work-order pages: sign-in, who sees what, constant queries, escaping and masked phones."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import Membership, User
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.tickets.models import Ticket
from hotline.tickets.services import TicketDraft, dispatch, register

pytestmark = pytest.mark.django_db

PHONE = "13812341234"
MASKED = "138****1234"
XSS = "<script>alert('x')</script>"


@pytest.fixture
def unit_a() -> HandlingUnit:
    return HandlingUnit.objects.create(code="A", name="市水务局", kind=UnitKind.DEPARTMENT)


@pytest.fixture
def unit_b() -> HandlingUnit:
    return HandlingUnit.objects.create(code="B", name="市城管委", kind=UnitKind.DEPARTMENT)


@pytest.fixture
def dispatcher() -> User:
    return User.objects.create_user("dispatcher", password="pw-dispatcher", role=Role.DISPATCHER,
                                    display_name="派单员小王")


def _unit_user(username: str, unit: HandlingUnit) -> User:
    user = User.objects.create_user(username, password=f"pw-{username}", role=Role.UNIT_HANDLER,
                                    display_name=username)
    Membership.objects.create(user=user, unit=unit)
    return user


@pytest.fixture
def handler_a(unit_a: HandlingUnit) -> User:
    return _unit_user("handler_a", unit_a)


@pytest.fixture
def handler_b(unit_b: HandlingUnit) -> User:
    return _unit_user("handler_b", unit_b)


def _order(actor: User, lead: HandlingUnit, *, title: str = "路灯不亮", description: str = "小区门口路灯不亮",
           phone: str = PHONE) -> Ticket:
    """Register an order and dispatch it to `lead`, through the real services."""
    ticket = register(TicketDraft(request_type=RequestType.COMPLAINT, title=title, description=description,
                                  caller_name="张三", caller_phone=phone), actor=actor)
    return dispatch(ticket, actor=actor, lead=lead)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_require_login(dispatcher: User, unit_a: HandlingUnit) -> None:
    """Anonymous visitors are sent to the login page, never shown an order."""
    ticket = _order(dispatcher, unit_a)
    client = Client()
    for url in [reverse("orders"), reverse("order-detail", args=[ticket.number])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.get("/")["Location"] == reverse("login")
    assert client.get(reverse("login")).status_code == 200


def test_home_redirects_signed_in_users_to_orders(dispatcher: User) -> None:
    """A signed-in person lands on the order list."""
    assert _client(dispatcher).get("/")["Location"] == reverse("orders")


def test_unit_staff_cannot_open_another_units_order(dispatcher: User, unit_a: HandlingUnit, handler_b: User) -> None:
    """Another unit's order is a 404, exactly like an order that does not exist."""
    ticket = _order(dispatcher, unit_a)
    client = _client(handler_b)
    forbidden = client.get(reverse("order-detail", args=[ticket.number]))
    missing = client.get(reverse("order-detail", args=["20990101" + "9999999"]))
    assert forbidden.status_code == missing.status_code == 404
    assert ticket.title not in forbidden.content.decode()
    listing = client.get(reverse("orders")).content.decode()
    assert ticket.number not in listing


def test_unit_staff_open_their_own_order(dispatcher: User, unit_a: HandlingUnit, handler_a: User) -> None:
    """The unit the order was sent to sees it in its list and can open it."""
    ticket = _order(dispatcher, unit_a)
    client = _client(handler_a)
    assert ticket.number in client.get(reverse("orders")).content.decode()
    assert client.get(reverse("order-detail", args=[ticket.number])).status_code == 200


def test_centre_staff_open_any_order(dispatcher: User, unit_a: HandlingUnit) -> None:
    """Centre staff see every order, with its units and timeline."""
    ticket = _order(dispatcher, unit_a)
    inspector = User.objects.create_user("inspector", password="pw-inspector", role=Role.INSPECTOR)
    response = _client(inspector).get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    body = response.content.decode()
    assert ticket.title in body
    assert unit_a.name in body
    assert "受理登记" in body and "派单" in body  # the timeline's actions


@pytest.mark.parametrize("as_unit", [False, True])
def test_list_queries_do_not_grow_with_orders(dispatcher: User, unit_a: HandlingUnit, handler_a: User,
                                              as_unit: bool) -> None:
    """The list page runs the same number of queries for 5 orders as for 30 (no N+1)."""
    client = _client(handler_a if as_unit else dispatcher)
    url = reverse("orders")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        _order(dispatcher, unit_a)
    few = count()
    for _ in range(25):
        _order(dispatcher, unit_a)
    many = count()
    assert few == many
    assert Ticket.objects.count() == 30


def test_list_filters_and_search(dispatcher: User, unit_a: HandlingUnit) -> None:
    """Status, light and the search box narrow the list."""
    dispatched = _order(dispatcher, unit_a, title="噪音扰民")
    registered = register(TicketDraft(request_type=RequestType.CONSULT, title="社保咨询", description="怎么办"),
                          actor=dispatcher)
    client = _client(dispatcher)
    body = client.get(reverse("orders"), {"status": "registered"}).content.decode()
    assert registered.number in body and dispatched.number not in body
    body = client.get(reverse("orders"), {"light": "green"}).content.decode()
    assert dispatched.number in body and registered.number not in body
    body = client.get(reverse("orders"), {"q": "噪音"}).content.decode()
    assert dispatched.number in body and registered.number not in body
    body = client.get(reverse("orders"), {"q": registered.number}).content.decode()
    assert registered.number in body and dispatched.number not in body


def test_user_text_is_escaped(dispatcher: User, unit_a: HandlingUnit) -> None:
    """A script in the title or description is shown as text on the list and the detail page."""
    ticket = _order(dispatcher, unit_a, title=f"标题{XSS}", description=f"内容{XSS}")
    client = _client(dispatcher)
    for url in [reverse("orders"), reverse("order-detail", args=[ticket.number])]:
        body = client.get(url).content.decode()
        assert XSS not in body
        assert "&lt;script&gt;" in body


def test_phone_is_masked_for_unit_staff(dispatcher: User, unit_a: HandlingUnit, handler_a: User) -> None:
    """Units see the caller's phone masked; the centre sees it in full."""
    ticket = _order(dispatcher, unit_a)
    url = reverse("order-detail", args=[ticket.number])
    unit_body = _client(handler_a).get(url).content.decode()
    assert MASKED in unit_body and PHONE not in unit_body
    centre_body = _client(dispatcher).get(url).content.decode()
    assert PHONE in centre_body


def test_healthz() -> None:
    """The health check answers after touching the database."""
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}


def test_admin_orders_are_read_only_and_masked(dispatcher: User, unit_a: HandlingUnit) -> None:
    """The admin lists orders with masked phones and offers no add, change or delete."""
    ticket = _order(dispatcher, unit_a)
    admin = User.objects.create_superuser("root", password="pw-root", role=Role.ADMIN)
    client = _client(admin)
    body = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert MASKED in body and PHONE not in body
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    assert client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).status_code == 200
    assert client.post(reverse("admin:tickets_ticket_delete", args=[ticket.pk])).status_code == 403
    assert client.get(reverse("admin:tickets_timelineevent_add")).status_code == 403
    for name in ["orgs_handlingunit", "accounts_user", "taxonomy_category", "sla_slapolicy",
                 "sla_calendaroverride", "tickets_timelineevent"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


def test_an_anonymous_caller_stays_anonymous_to_units_on_the_page_and_in_the_export(
        dispatcher: User, unit_a: HandlingUnit, handler_a: User) -> None:
    """No name, no number (not even masked), no company: as the API answers units."""
    ticket = register(TicketDraft(request_type=RequestType.COMPLAINT, title="", description="举报小区违建",
                                  caller_name="李四", caller_phone=PHONE, caller_company="华兴物流有限公司",
                                  is_anonymous=True), actor=dispatcher)
    dispatch(ticket, actor=dispatcher, lead=unit_a)
    unit = _client(handler_a)
    page = unit.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "李四" not in page and MASKED not in page and "华兴物流" not in page
    export = b"".join(unit.get(reverse("orders-export-csv")).streaming_content).decode("utf-8-sig")
    assert ticket.number in export and MASKED not in export and "李四" not in export
    centre = _client(dispatcher).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert PHONE in centre and "华兴物流" in centre
