"""The order FilterSet, the role queues, their tabs and refusals, the supervision board and the navigation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.orgs.choices import UnitKind
from hotline.sla.sweep import sweep
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.tickets import services
from hotline.tickets.choices import Channel, Status, SupervisionKind
from hotline.tickets.models import ForwardSettings, Ticket
from hotline.tickets.tests.factories import (
    Cast,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
)
from hotline.workbench.queues.filtersets import OrderFilterSet

pytestmark = pytest.mark.django_db

PHONE = "13812341234"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _numbers(response: Any) -> set[str]:
    """The order numbers listed on a page (from the links to the order pages)."""
    return {t.number for t in response.context["orders"]}


def _filter(user: User, **params: Any) -> list[str]:
    fs = OrderFilterSet(params, user=user)
    return list(fs.filter_queryset(Ticket.objects.visible_to(user)).values_list("number", flat=True))


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


# --- FilterSet -------------------------------------------------------------------------------------


def test_filters_narrow_the_list(cast: Cast, frozen_now: datetime) -> None:
    """Each filter keeps exactly the orders that match it."""
    root = CategoryFactory(name="城乡建设")
    leaf = CategoryFactory(parent=CategoryFactory(parent=root))
    registered = make_ticket(Status.REGISTERED, cast=cast, title="社保咨询", channel=Channel.WECHAT,
                             request_type=RequestType.CONSULT, caller_phone=PHONE)
    waiting = make_ticket(Status.PENDING_DISPATCH, cast=cast, title="噪音扰民", urgency=Urgency.PRESSING,
                          category=leaf, district=cast.lead.parent)
    dispatched = make_ticket(Status.DISPATCHED, cast=cast, title="路灯不亮", description="东门的灯坏了")
    old = make_ticket(Status.DISPATCHED, cast=cast, at=frozen_now - timedelta(days=20))
    services.supervise(old, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, note="尽快", level=2)
    sweep(frozen_now)
    user = cast.dispatcher
    assert set(_filter(user, status=[Status.REGISTERED, Status.PENDING_DISPATCH])) == {registered.number,
                                                                                      waiting.number}
    assert _filter(user, request_type=RequestType.CONSULT) == [registered.number]
    assert _filter(user, channel=Channel.WECHAT) == [registered.number]
    assert _filter(user, urgency=Urgency.PRESSING) == [waiting.number]
    assert _filter(user, category=root.pk) == [waiting.number]  # a first-level category covers its leaves
    assert _filter(user, category=leaf.pk) == [waiting.number]
    assert _filter(user, district=cast.lead.parent.pk) == [waiting.number]
    assert set(_filter(user, lead_unit=cast.lead.pk)) == {dispatched.number, old.number}
    assert _filter(user, light="red") == [old.number]
    assert set(_filter(user, state="open")) == {registered.number, waiting.number, dispatched.number, old.number}
    assert _filter(user, state="finished") == []
    assert _filter(user, overdue="close") == [old.number]
    assert _filter(user, overdue="any") == [old.number]
    assert _filter(user, supervision="any") == [old.number]
    assert _filter(user, supervision="2") == [old.number]
    assert old.number not in _filter(user, supervision="none")
    day = frozen_now.date()
    assert old.number not in _filter(user, registered_from=day.isoformat())
    assert _filter(user, registered_to=(day - timedelta(days=1)).isoformat()) == [old.number]
    assert _filter(user, q="噪音") == [waiting.number]
    assert _filter(user, q="东门") == [dispatched.number]  # the description too
    assert _filter(user, q=registered.number) == [registered.number]
    assert _filter(user, q=PHONE) == [registered.number]


def test_phone_search_is_for_centre_staff_only(cast: Cast) -> None:
    """A unit cannot find an order by the caller's full number, even one it holds."""
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone=PHONE)
    assert _filter(cast.dispatcher, q=PHONE) == [ticket.number]
    assert _filter(cast.lead_handler, q=PHONE) == []
    assert _filter(cast.lead_handler, q=ticket.number) == [ticket.number]


def test_sorting_is_whitelisted(cast: Cast, frozen_now: datetime) -> None:
    """Sorting by number, registration and deadline both ways; anything else falls back to newest first."""
    first = make_ticket(Status.DISPATCHED, cast=cast, at=frozen_now - timedelta(hours=3))
    second = make_ticket(Status.REGISTERED, cast=cast, at=frozen_now - timedelta(hours=2))
    third = make_ticket(Status.DISPATCHED, cast=cast, at=frozen_now - timedelta(hours=1))
    user = cast.dispatcher
    assert _filter(user, sort="number") == [first.number, second.number, third.number]
    assert _filter(user, sort="-number") == [third.number, second.number, first.number]
    assert _filter(user, sort="registered_at") == [first.number, second.number, third.number]
    assert _filter(user) == _filter(user, sort="-registered_at") == [third.number, second.number, first.number]
    assert _filter(user, sort="phase_due") == [first.number, third.number, second.number]  # no deadline last
    assert _filter(user, sort="-phase_due") == [third.number, first.number, second.number]
    assert _filter(user, sort="title; DROP TABLE") == _filter(user)
    assert _filter(user, status="bogus", light="red") == []  # an invalid filter is ignored, the others apply


# --- Constant queries ------------------------------------------------------------------------------


@pytest.mark.parametrize(("page", "as_unit"), [
    ("orders", False), ("orders", True), ("queue-dispatch", False), ("supervision", False), ("queue-inbox", True),
])
def test_queries_do_not_grow_with_orders(cast: Cast, frozen_now: datetime, django_assert_num_queries: Any,
                                         page: str, as_unit: bool) -> None:
    """Every list runs the same number of queries for 5 orders as for 40 (no N+1), for the centre and a unit."""
    user = cast.lead_handler if as_unit else UserFactory(role=Role.ADMIN)
    status = Status.PENDING_DISPATCH if page == "queue-dispatch" else Status.DISPATCHED
    client = _client(user)
    url = reverse(page)

    def make(n: int) -> None:
        for _ in range(n):
            make_ticket(status, cast=cast, at=frozen_now - timedelta(days=20))
        sweep(frozen_now)

    make(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make(35)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["orders"]) == 40


# --- Role queues -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "allowed"), [
    ("queue-dispatch", {Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}),
    ("queue-inbox", {Role.UNIT_HANDLER, Role.UNIT_ADMIN, Role.ADMIN}),
    ("queue-review", {Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN}),
    ("queue-visits", {Role.INSPECTOR, Role.INTAKE, Role.SUPERVISOR, Role.ADMIN}),
    ("supervision", {Role.SUPERVISOR, Role.LEADER, Role.ADMIN}),
])
def test_queues_refuse_other_roles(cast: Cast, name: str, allowed: set[str]) -> None:
    """A role with no business in a queue gets 403; anonymous visitors go to the login page."""
    for role in Role:
        user = UserFactory(role=role, units=[cast.lead] if role in {Role.UNIT_HANDLER, Role.UNIT_ADMIN} else [])
        assert _client(user).get(reverse(name)).status_code == (200 if role in allowed else 403), role
    assert Client().get(reverse(name)).status_code == 302


def test_dispatch_queue_and_returned_tab(cast: Cast) -> None:
    """Waiting orders in the first tab; returned ones in 退单待审 with the unit's reason."""
    registered = make_ticket(Status.REGISTERED, cast=cast)
    waiting = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    returned = make_ticket(Status.RETURNED, cast=cast)
    make_ticket(Status.IN_PROGRESS, cast=cast)
    client = _client(cast.dispatcher)
    response = client.get(reverse("queue-dispatch"))
    assert _numbers(response) == {registered.number, waiting.number}
    body = response.content.decode()
    assert reverse("order-detail", args=[waiting.number]) in body
    assert 'value="merge"' in body and "master_number" in body  # the merge form
    response = client.get(reverse("queue-dispatch"), {"tab": "returned"})
    assert _numbers(response) == {returned.number}
    body = response.content.decode()
    assert "不属于本单位职责" in body and "该事项属于其他部门职责" in body and cast.lead.name in body
    assert [t["count"] for t in response.context["tabs"]] == [2, 0, 1]  # 待派单, 会商中, 退单待审


def test_review_and_visit_queues(cast: Cast) -> None:
    """Replies waiting for review, and approved orders waiting for the return visit (full phone for the centre)."""
    replied = make_ticket(Status.REPLIED, cast=cast)
    visiting = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    review = _client(cast.inspector).get(reverse("queue-review"))
    assert _numbers(review) == {replied.number}
    assert "已安排维修" in review.content.decode()  # the reply under review
    visits = _client(cast.inspector).get(reverse("queue-visits"))
    assert _numbers(visits) == {visiting.number}
    assert PHONE in visits.content.decode()


def test_unit_inbox_tabs(cast: Cast, frozen_now: datetime) -> None:
    """待签收 / 办理中 / 即将超期 / 已超期 / 已回复 from the unit's own assignments, with lights as dot and text."""
    other = Cast.build()
    to_sign = make_ticket(Status.DISPATCHED, cast=cast)
    doing = make_ticket(Status.IN_PROGRESS, cast=cast)
    soon = make_ticket(Status.DISPATCHED, cast=cast, at=frozen_now - timedelta(hours=20))
    late = make_ticket(Status.IN_PROGRESS, cast=cast, at=frozen_now - timedelta(days=20))
    replied = make_ticket(Status.REPLIED, cast=cast)
    closed = make_ticket(Status.CLOSED, cast=cast)
    make_ticket(Status.DISPATCHED, cast=other)  # another unit's order
    make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)  # never shown to a unit
    handed = make_ticket(Status.IN_PROGRESS, cast=cast)  # handed down to a community (下派): 已下派
    community = HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=cast.lead)
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    services.forward(handed, actor=cast.lead_handler, to=community, note="请社区网格员核实")
    sweep(frozen_now)
    client = _client(cast.lead_handler)
    expected = {
        "sign": {to_sign.number, soon.number, handed.number},  # the community's, a unit below the street
        "doing": {doing.number, late.number},
        "soon": {soon.number},
        "overdue": {late.number},
        "replied": {replied.number, closed.number},
        "forwarded": {handed.number},
        "consult": set(),
    }
    for tab, numbers in expected.items():
        response = client.get(reverse("queue-inbox"), {"tab": tab})
        assert _numbers(response) == numbers, tab
        assert {t["key"]: t["count"] for t in response.context["tabs"]} == {k: len(v) for k, v in expected.items()}
    body = client.get(reverse("queue-inbox"), {"tab": "soon"}).content.decode()
    assert 'class="light light-yellow"' in body and "黄灯" in body and "签收时限" in body
    assert 'value="sign"' in client.get(reverse("queue-inbox")).content.decode()  # bulk sign on 待签收


def test_inbox_includes_sub_units(cast: Cast) -> None:
    """A district's staff see the orders of the streets below it."""
    district_admin = UserFactory(role=Role.UNIT_ADMIN, units=[cast.lead.parent])
    ticket = make_ticket(Status.DISPATCHED, cast=cast)
    assert _numbers(_client(district_admin).get(reverse("queue-inbox"))) == {ticket.number}


def test_supervision_board_counts_link_to_the_filtered_list(cast: Cast, frozen_now: datetime) -> None:
    """Counts per lead unit in one query; each number opens the list that holds exactly those orders."""
    red = make_ticket(Status.IN_PROGRESS, cast=cast, at=frozen_now - timedelta(days=20))
    sign_late = make_ticket(Status.DISPATCHED, cast=cast, at=frozen_now - timedelta(days=1, hours=2))
    make_ticket(Status.IN_PROGRESS, cast=cast)
    make_ticket(Status.CLOSED, cast=cast, at=frozen_now - timedelta(days=20))
    sweep(frozen_now)
    client = _client(cast.supervisor)
    response = client.get(reverse("supervision"))
    board = response.context["board"]
    assert [(r["unit_id"], r["total"], r["yellow"], r["red"], r["overdue"]) for r in board] == [
        (cast.lead.pk, 3, 0, 1, 2)]
    assert _numbers(response) == {red.number}  # the red orders, with the bulk supervise form
    assert 'value="supervise"' in response.content.decode()
    lists = client.get(reverse("orders"), {"lead_unit": cast.lead.pk, "state": "open", "overdue": "any"})
    assert _numbers(lists) == {red.number, sign_late.number}
    lists = client.get(reverse("orders"), {"lead_unit": cast.lead.pk, "state": "open", "light": "red"})
    assert _numbers(lists) == {red.number}
    leader = _client(UserFactory(role=Role.LEADER)).get(reverse("supervision")).content.decode()
    assert 'value="supervise"' not in leader  # leaders watch; supervisors act


def test_supervision_board_counts_only_the_lead_units_own_lateness(frozen_now: datetime) -> None:
    """An assisting unit's late signing or the centre's own closing delay is not the lead unit's overdue."""
    cast = Cast.build(assisting=1)
    make_ticket(Status.IN_PROGRESS, cast=cast, at=frozen_now - timedelta(days=20))  # the lead's own: red, late
    assist_late = make_ticket(Status.IN_PROGRESS, cast=cast, assist_signs=False, at=frozen_now - timedelta(days=3))
    services.sign(assist_late, actor=cast.assist_handlers[0], unit=cast.assisting[0])  # days after its deadline
    centre_late = make_ticket(Status.IN_PROGRESS, cast=cast, at=frozen_now - timedelta(days=1))
    Ticket.objects.filter(pk=centre_late.pk).update(close_overdue=True)  # e.g. a slow review before a re-dispatch
    sweep(frozen_now)
    assert assist_late.assignments.get(unit=cast.assisting[0]).sign_overdue
    board = _client(cast.supervisor).get(reverse("supervision")).context["board"]
    row = next(r for r in board if r["unit_id"] == cast.lead.pk)
    assert (row["total"], row["red"], row["overdue"]) == (3, 1, 1)
    listed = _client(cast.supervisor).get(reverse("orders"), {"lead_unit": cast.lead.pk, "state": "open",
                                                               "overdue": "lead"})
    assert listed.context["page"].paginator.count == row["overdue"]  # the board's link lists what it counted


def test_htmx_gets_only_the_results(cast: Cast) -> None:
    """The htmx partial is the same list without the page around it."""
    ticket = make_ticket(Status.REGISTERED, cast=cast, title="噪音扰民")
    client = _client(cast.dispatcher)
    response = client.get(reverse("orders"), {"q": "噪音"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert ticket.number in body and "<html" not in body and 'role="search"' not in body


@pytest.mark.parametrize(("role", "links", "absent"), [
    (Role.DISPATCHER, ["queue-dispatch", "orders"], ["queue-inbox", "supervision", "queue-review"]),
    (Role.UNIT_HANDLER, ["queue-inbox", "orders"], ["queue-dispatch", "supervision"]),
    (Role.INSPECTOR, ["queue-review", "queue-visits"], ["queue-dispatch", "supervision"]),
    (Role.SUPERVISOR, ["supervision", "queue-review"], ["queue-inbox"]),
    (Role.LEADER, ["orders", "supervision"], ["queue-dispatch", "queue-review"]),
    (Role.ADMIN, ["queue-dispatch", "queue-inbox", "queue-review", "queue-visits", "supervision", "orders"], []),
])
def test_navigation_is_role_aware(cast: Cast, role: str, links: list[str], absent: list[str]) -> None:
    """Each role sees its own links; the current page is marked with aria-current."""
    user = UserFactory(role=role, units=[cast.lead] if role == Role.UNIT_HANDLER else [])
    page = links[0]
    body = _client(user).get(reverse(page)).content.decode()
    nav = body[body.index('aria-label="主导航"'):body.index("</nav>")]
    for name in links:
        assert f'href="{reverse(name)}"' in nav, name
    for name in absent:
        assert f'href="{reverse(name)}"' not in nav, name
    assert f'href="{reverse(page)}" aria-current="page"' in nav


def test_inbox_shows_only_the_units_own_assignments_and_counts_each_tab_once(frozen_now: datetime) -> None:
    """The 本单位时限 column lists the viewer's units' assignments only; the tab's count stands for the page's."""
    shared = Cast.build(assisting=1)
    ticket = make_ticket(Status.DISPATCHED, cast=shared)  # lead and assisting street both to sign
    client = _client(shared.lead_handler)
    response = client.get(reverse("queue-inbox"), {"tab": "sign"})
    assert _numbers(response) == {ticket.number}
    listed = response.context["orders"][0]
    assert [a.unit_id for a in listed.mine] == [shared.lead.pk]
    assert {a.unit_id for a in listed.tab_assignments} == {shared.lead.pk, shared.assisting[0].pk}
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("queue-inbox"), {"tab": "sign"}).context["page"]
    assert page.paginator.count == 1
    assert not [q for q in captured.captured_queries if "COUNT(*)" in q["sql"]]  # the tab count is reused
    # With a filter in use, the list is counted as filtered.
    filtered = client.get(reverse("queue-inbox"), {"tab": "sign", "light": "red"})
    assert filtered.context["page"].paginator.count == 0 and _numbers(filtered) == set()


def test_inbox_queries_do_not_grow_with_the_orders(frozen_now: datetime) -> None:
    cast = Cast.build()
    make_ticket(Status.DISPATCHED, cast=cast)
    client = _client(cast.lead_handler)
    client.get(reverse("queue-inbox"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("queue-inbox"))
    for _ in range(3):
        make_ticket(Status.DISPATCHED, cast=cast)
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(reverse("queue-inbox")).context["orders"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)
