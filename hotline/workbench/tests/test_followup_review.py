"""Review fixes on 群众催办 / 补充诉求 in the workbench: posted versions, double clicks, statuses, the board, wording."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored
from hotline.workbench.posted import posted_version
from hotline.workbench.tests.followup_support import HTMX, PHONE, open_order_of
from hotline.workbench.tests.followup_support import client_for as _client

pytestmark = pytest.mark.django_db



@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


@pytest.fixture
def open_order(cast: Cast) -> Ticket:
    return open_order_of(cast)


def _post(user: User, ticket: Ticket, action: str, text: str, version: object, *, htmx: bool = False,
          client: Client | None = None):  # noqa: ANN202
    field = "note" if action == Action.CHASE else "text"
    data = {field: text, "history_phone": PHONE}
    if version is not None:
        data["version"] = version
    return (client or _client(user)).post(reverse("intake-follow-up", args=[ticket.number, action]), data,
                                          **(HTMX if htmx else {}))


# --- The posted version ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "parsed"), [
    ("7", 7), ("000000012", 12), ("123456789", 123456789), ("1234567890", None), ("9" * 5000, None),
    ("", None), (None, None), ("-1", None), ("+1", None), (" 1", None), ("1.0", None), ("١٢", None), ("１２", None)])
def test_posted_version_takes_only_short_ascii_digits(value: object, parsed: int | None) -> None:
    assert posted_version(value) == parsed


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "9" * 5000, "١"])
@pytest.mark.parametrize("htmx", [True, False])
def test_the_pop_up_refuses_a_post_without_a_readable_version_as_stale(cast: Cast, open_order: Ticket,
                                                                      version: object, htmx: bool) -> None:
    before = stored(open_order)
    response = _post(cast.intake, open_order, Action.CHASE, "群众来电催办，已告知进度", version, htmx=htmx)
    assert response.status_code == (200 if htmx else 409)
    text = response.content.decode()
    assert "页面已过期，请刷新后重试" in text and "群众来电催办，已告知进度" in text  # the typed text is kept
    assert stored(open_order) == before


@pytest.mark.parametrize("version", [None, "abc", "-1", "9" * 5000])
def test_the_order_page_refuses_a_post_without_a_readable_version_as_stale(cast: Cast, open_order: Ticket,
                                                                          version: object) -> None:
    before = stored(open_order)
    data = {"chase-note": "群众第三次来电"} | ({} if version is None else {"version": version})
    response = _client(cast.dispatcher).post(reverse("order-act", args=[open_order.number, Action.CHASE]), data)
    assert response.status_code == 409
    text = response.content.decode()
    assert "页面已过期，请刷新后重试" in text and "群众第三次来电" in text
    assert stored(open_order) == before


def test_the_order_page_still_refuses_a_step_not_offered_without_a_version(cast: Cast, open_order: Ticket) -> None:
    response = _client(cast.lead_handler).post(reverse("order-act", args=[open_order.number, Action.CHASE]),
                                               {"chase-note": "催办"})
    assert response.status_code == 403


# --- A double click -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False])
def test_a_second_click_in_the_pop_up_is_answered_as_the_first(cast: Cast, open_order: Ticket, htmx: bool) -> None:
    client = _client(cast.intake)
    version = str(open_order.version)
    first = _post(cast.intake, open_order, Action.CHASE, "群众询问进度", version, htmx=htmx, client=client)
    second = _post(cast.intake, open_order, Action.CHASE, "群众询问进度", version, htmx=htmx, client=client)
    assert first.status_code == second.status_code == (200 if htmx else 302)
    if htmx:
        text = second.content.decode()
        assert "已记录" in text and "工单已被他人处理" not in text
    assert Ticket.objects.get(pk=open_order.pk).chase_count == 1  # recorded once


def test_someone_elses_step_in_between_is_still_a_stale_page(cast: Cast, open_order: Ticket) -> None:
    version = str(open_order.version)
    services.chase(open_order, actor=cast.dispatcher, note="另一位坐席记录的催办")
    response = _post(cast.intake, open_order, Action.CHASE, "群众询问进度", version, htmx=True)
    assert "工单已被他人处理" in response.content.decode()
    assert Ticket.objects.get(pk=open_order.pk).chase_count == 1


def test_the_follow_up_forms_send_once_and_limit_their_text(cast: Cast, open_order: Ticket) -> None:
    pop = _client(cast.intake).get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert pop.count('hx-disabled-elt="find button"') == 2 and pop.count('hx-sync="this:drop"') == 2
    assert 'name="note" rows="2" maxlength="500"' in pop and 'name="text" rows="3" maxlength="2000"' in pop


# --- Statuses -------------------------------------------------------------------------------------------------------


def test_an_order_awaiting_its_visit_offers_the_visit_instead(cast: Cast) -> None:
    waiting = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    pop = _client(cast.intake).get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert "该工单待回访，可直接回访" in pop
    assert f'{reverse("order-detail", args=[waiting.number])}#step-return_visit' in pop
    assert reverse("intake-follow-up", args=[waiting.number, "chase"]) not in pop
    page = _client(cast.intake).get(reverse("order-detail", args=[waiting.number])).content.decode()
    assert 'id="step-return_visit"' in page
    refused = _post(cast.intake, waiting, Action.CHASE, "催办", str(waiting.version))
    assert refused.status_code == 409 and Ticket.objects.get(pk=waiting.pk).timeline.filter(action="chase").count() == 0


def test_an_order_waiting_for_the_citizen_offers_supplement_and_resume(cast: Cast) -> None:
    waiting = make_ticket(Status.AWAITING_CITIZEN, cast=cast, caller_phone=PHONE)
    client = _client(cast.intake)
    pop = client.get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert "补充并恢复办理" in pop
    for step in ("supplement_resume", "supplement", "chase"):
        assert reverse("intake-follow-up", args=[waiting.number, step]) in pop
    response = _post(cast.intake, waiting, "supplement_resume", "门牌号是 12 号", str(waiting.version), htmx=True,
                     client=client)
    assert response.status_code == 200 and "补充并恢复办理已记录" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.IN_PROGRESS
    assert list(waiting.timeline.order_by("-seq").values_list("action", flat=True)[:2]) == [Action.RESUME,
                                                                                           Action.SUPPLEMENT]


def test_supplement_and_resume_is_not_offered_where_it_cannot_be_taken(cast: Cast, open_order: Ticket) -> None:
    pop = _client(cast.intake).get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert reverse("intake-follow-up", args=[open_order.number, "supplement_resume"]) not in pop
    before = stored(open_order)
    refused = _post(cast.intake, open_order, "supplement_resume", "补充", str(open_order.version))
    assert refused.status_code == 409 and stored(open_order) == before


def test_the_pop_up_names_the_master_of_a_merged_order(cast: Cast) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    version = str(merged.version)
    services.merge(merged, actor=cast.dispatcher, master=master)
    response = _post(cast.intake, merged, Action.CHASE, "催办", version, htmx=True)
    text = response.content.decode()
    assert f"请在主工单{master.number}上" in text and "催办" in text


def test_the_supplements_hint_holds_in_every_status(cast: Cast) -> None:
    closed = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.supplement(closed, actor=cast.intake, text="补充的情况")
    page = _client(cast.intake).get(reverse("order-detail", args=[closed.number])).content.decode()
    assert "群众在登记后补充的情况，按时间先后列出" in page and "须一并回应" not in page


# --- The supervision board and the wording -------------------------------------------------------------------------


def test_the_board_counts_chased_orders_even_green_ones(cast: Cast, open_order: Ticket) -> None:
    services.chase(open_order, actor=cast.intake, note="群众来电催办")
    board = _client(cast.supervisor).get("/work/supervision/")
    rows = {row["unit_id"]: row for row in board.context["board"]}
    assert rows[cast.lead.pk]["chased"] == 1 and rows[cast.lead.pk]["red"] == 0
    text = board.content.decode()
    assert f"?lead_unit={cast.lead.pk}&amp;state=open&amp;chased=1" in text
    listed = _client(cast.supervisor).get(f"/orders/?lead_unit={cast.lead.pk}&state=open&chased=1")
    assert [t.number for t in listed.context["orders"]] == [open_order.number]


def test_the_citizens_chase_reads_chase_in_english_and_the_tag_names_the_citizens(cast: Cast,
                                                                                 open_order: Ticket) -> None:
    services.chase(open_order, actor=cast.intake, note="群众来电催办")
    pop = _client(cast.intake, "en").get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert "<summary>Chase</summary>" in pop and "Reminder" not in pop
    page = _client(cast.intake).get(reverse("order-detail", args=[open_order.number])).content.decode()
    assert "群众催办 ×1" in page
