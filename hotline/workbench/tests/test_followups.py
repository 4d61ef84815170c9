"""群众催办 / 补充诉求 in the workbench: the order page, the intake pop-up (htmx and no JS), the unit's side, lists."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.calls.ingest import ingest
from hotline.calls.models import Agent, Call, PbxSource
from hotline.calls.tests.conftest import DAY, at, ev
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.workbench.tests.followup_support import PHONE, open_order_of
from hotline.workbench.tests.followup_support import client_for as _client

pytestmark = pytest.mark.django_db



@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


@pytest.fixture
def open_order(cast: Cast) -> Ticket:
    return open_order_of(cast)


def _follow(user: User, ticket: Ticket, action: str, text: str, *, htmx: bool = False, version: int | None = None,
            client: Client | None = None):  # noqa: ANN202
    field = "note" if action == Action.CHASE else "text"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return (client or _client(user)).post(
        reverse("intake-follow-up", args=[ticket.number, action]),
        {field: text, "history_phone": PHONE, "version": str(ticket.version if version is None else version)}, **headers)


# --- The order page and its step registry -------------------------------------------------------------


@pytest.mark.parametrize(("who", "offered"), [("intake", True), ("dispatcher", True), ("supervisor", True),
                                              ("inspector", False), ("lead_handler", False)])
def test_the_order_page_offers_both_steps_to_call_handlers(cast: Cast, open_order: Ticket, who: str,
                                                           offered: bool) -> None:
    page = _client(getattr(cast, who)).get(reverse("order-detail", args=[open_order.number]))
    actions = {spec.action for spec, _form in page.context["steps"]}
    assert ({Action.CHASE, Action.SUPPLEMENT} <= actions) is offered
    assert not {Action.CHASE, Action.SUPPLEMENT} & actions or offered


def test_a_registered_order_offers_neither(cast: Cast) -> None:
    t = make_ticket(Status.REGISTERED, cast=cast)
    page = _client(cast.intake).get(reverse("order-detail", args=[t.number]))
    assert not {Action.CHASE, Action.SUPPLEMENT} & {spec.action for spec, _f in page.context["steps"]}


def test_a_chase_from_the_order_page(cast: Cast, open_order: Ticket) -> None:
    response = _client(cast.dispatcher).post(reverse("order-act", args=[open_order.number, Action.CHASE]),
                                             {"chase-note": "群众第三次来电", "version": str(open_order.version)})
    assert response.status_code == 302
    open_order.refresh_from_db()
    assert open_order.chase_count == 1


def test_an_empty_supplement_from_the_order_page_is_refused_and_changes_nothing(cast: Cast,
                                                                                open_order: Ticket) -> None:
    response = _client(cast.intake).post(reverse("order-act", args=[open_order.number, Action.SUPPLEMENT]),
                                         {"supplement-text": "", "version": str(open_order.version)})
    assert response.status_code == 400
    assert Ticket.objects.get(pk=open_order.pk).version == open_order.version


# --- The unit's side ------------------------------------------------------------------------------------


def test_the_unit_sees_the_badge_and_the_supplement(cast: Cast, open_order: Ticket) -> None:
    services.chase(open_order, actor=cast.intake, note="群众来电催办")
    services.chase(open_order, actor=cast.intake, note="又来电")
    services.supplement(open_order, actor=cast.intake, text="积水已经漫进一楼车库")
    unit = _client(cast.lead_handler)
    inbox = unit.get("/work/inbox/?tab=doing").content.decode()
    assert "催办 ×2" in inbox
    page = unit.get(reverse("order-detail", args=[open_order.number])).content.decode()
    assert "群众补充（1）" in page and "积水已经漫进一楼车库" in page and "催办 ×2" in page
    assert page.index("群众补充（1）") < page.index("流转记录")


def test_the_english_pages(cast: Cast, open_order: Ticket) -> None:
    services.chase(open_order, actor=cast.intake, note="群众来电催办")
    services.supplement(open_order, actor=cast.intake, text="积水已经漫进一楼车库")
    client = _client(cast.lead_handler, "en")
    page = client.get(reverse("order-detail", args=[open_order.number])).content.decode()
    assert "Citizen's supplement (1)" in page and "Chased ×1" in page
    assert "Chased ×1" in client.get("/work/inbox/?tab=doing").content.decode()
    pop = _client(cast.intake, "en").get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert "Record chase" in pop and "Record supplement" in pop


# --- Lists: filter, sort, export ---------------------------------------------------------------------------


def test_the_orders_list_filters_and_sorts_by_chases(cast: Cast, open_order: Ticket) -> None:
    quiet = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.chase(open_order, actor=cast.intake, note="催办")
    client = _client(cast.supervisor)
    listed = client.get("/orders/?chased=1").context["orders"]
    assert [t.number for t in listed] == [open_order.number]
    ranked = [t.number for t in client.get("/orders/?sort=-chase_count").context["orders"]]
    assert ranked.index(open_order.number) < ranked.index(quiet.number)
    wrong = client.get("/orders/?chased=many")
    assert wrong.status_code == 200 and wrong.context["fs"].errors
    board = client.get("/work/supervision/?chased=1&sort=-chase_count")
    assert board.status_code == 200


def test_the_export_has_a_chase_column(cast: Cast, open_order: Ticket) -> None:
    services.chase(open_order, actor=cast.intake, note="催办")
    body = b"".join(_client(cast.supervisor).get("/orders/export.csv?chased=1").streaming_content).decode("utf-8-sig")
    header, row = body.splitlines()[:2]
    columns = header.split(",")
    assert "催办次数" in columns and row.split(",")[columns.index("催办次数")] == "1"


# --- The intake pop-up ---------------------------------------------------------------------------------------


def test_the_pop_up_offers_chase_and_supplement_on_open_orders(cast: Cast, open_order: Ticket) -> None:
    closed = make_ticket(Status.CLOSED, cast=cast, caller_phone=PHONE)
    pop = _client(cast.intake).get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert reverse("intake-follow-up", args=[open_order.number, "chase"]) in pop
    assert reverse("intake-follow-up", args=[open_order.number, "supplement"]) in pop
    assert reverse("intake-follow-up", args=[closed.number, "chase"]) not in pop
    assert 'hx-post="' in pop and 'method="post"' in pop  # htmx, and a plain form without JS


def test_the_chase_without_js_comes_back_to_the_page_with_the_progress(cast: Cast, open_order: Ticket) -> None:
    client = _client(cast.intake)
    before = Ticket.objects.count()
    response = _follow(cast.intake, open_order, Action.CHASE, "群众询问进度，已告知", client=client)
    assert response.status_code == 302 and f"followed={open_order.number}" in response["Location"]
    page = client.get(response["Location"])
    text = page.content.decode()
    assert f"工单 {open_order.number} 的办理进度（可告知群众）" in text
    assert cast.lead.name in text and "承办单位已接收" in text  # the lead unit, the latest public step
    assert "已记录" in text  # the message
    assert Ticket.objects.count() == before  # nothing registered
    assert Ticket.objects.get(pk=open_order.pk).chase_count == 1


def test_the_chase_with_htmx_swaps_the_pop_up(cast: Cast, open_order: Ticket) -> None:
    response = _follow(cast.intake, open_order, Action.CHASE, "群众询问进度", htmx=True)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "workbench/intake/_caller.html"
    text = response.content.decode()
    assert "的办理进度（可告知群众）" in text and "催办 ×1" in text


def test_a_supplement_from_the_pop_up(cast: Cast, open_order: Ticket) -> None:
    response = _follow(cast.intake, open_order, Action.SUPPLEMENT, "车库也进水了", htmx=True)
    assert response.status_code == 200
    event = open_order.timeline.order_by("seq").last()
    assert (event.action, event.note) == (Action.SUPPLEMENT, "车库也进水了")


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_follow_up_keeps_the_text_and_says_why(cast: Cast, open_order: Ticket, htmx: bool) -> None:
    typed = "这段话很长" * 101  # over the 500 characters of a chase
    response = _follow(cast.intake, open_order, Action.CHASE, typed, htmx=htmx)
    assert response.status_code == (200 if htmx else 400)  # htmx swaps only a 2xx answer
    text = response.content.decode()
    assert typed in text and "500" in text and 'role="alert"' in text
    stale = _follow(cast.intake, open_order, Action.CHASE, "催办", htmx=htmx, version=open_order.version - 1)
    assert stale.status_code == (200 if htmx else 409) and "工单已被他人处理" in stale.content.decode()
    assert Ticket.objects.get(pk=open_order.pk).chase_count == 0


def test_a_finished_order_is_refused_in_the_pop_up(cast: Cast) -> None:
    closed = make_ticket(Status.CLOSED, cast=cast, caller_phone=PHONE)
    response = _follow(cast.intake, closed, Action.CHASE, "催办")
    assert response.status_code == 409 and "当前不能「群众催办」" in response.content.decode()
    assert Ticket.objects.get(pk=closed.pk).chase_count == 0


def test_only_intake_roles_reach_the_pop_up_step(cast: Cast, open_order: Ticket) -> None:
    assert _follow(cast.lead_handler, open_order, Action.CHASE, "催办").status_code == 403
    response = _client(cast.intake).post(reverse("intake-follow-up", args=[open_order.number, "reply"]), {})
    assert response.status_code == 404


def test_a_chase_during_a_call_is_linked_to_the_call(cast: Cast, open_order: Ticket) -> None:
    Agent.objects.create(extension="8001", user=cast.intake)
    pbx = PbxSource.objects.create(key="pbx", name="pbx", secret="x")
    ingest(pbx, [ev("c1q", "call.queued", at(0), call_id="c1", caller=PHONE),
                 ev("c1a", "call.answered", at(0, 5), call_id="c1", agent="8001")])
    with time_machine.travel(DAY + timedelta(hours=9, minutes=2), tick=False):
        assert _follow(cast.intake, open_order, Action.CHASE, "群众来电催办").status_code == 302
    assert list(Call.objects.get(call_id="c1").orders.all()) == [open_order]


def test_a_unit_handler_cannot_take_the_steps_over_the_api_either(cast: Cast, open_order: Ticket) -> None:
    client = _client(UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead]))
    response = client.post(f"/api/v1/orders/{open_order.number}/actions/chase",
                           {"version": open_order.version, "note": "催办"}, content_type="application/json")
    assert response.status_code == 403
