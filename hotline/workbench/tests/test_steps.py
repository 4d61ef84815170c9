"""Taking a step from the order page: stale pages, merge masters, extension decisions, reminders, panels."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.accounts.models import User
from hotline.attachments.models import Attachment
from hotline.tickets import services
from hotline.tickets.choices import Action, Decision, Status, SupervisionKind
from hotline.tickets.models import Extension, Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.workbench.forms import ApproveExtensionForm, MergeForm, SuperviseForm

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _act(user: User, ticket: Ticket, action: str, data: dict, version: int | None = None):  # noqa: ANN202
    body = {f"{action}-{k}": v for k, v in data.items()}
    body["version"] = str(ticket.version if version is None else version)
    return _client(user).post(reverse("order-act", args=[ticket.number, action]), body)


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


# --- A stale page ----------------------------------------------------------------------------------------------


def test_stale_page_gets_409_and_keeps_the_text(cast: Cast) -> None:
    """Someone replied first: the late reply is told so (409), not 「无权操作」, and keeps what was typed."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    seen = ticket.version
    colleague = UserFactory(role="unit_handler", units=[cast.lead])
    services.reply(ticket, actor=colleague, content="已处理", contacted=True, resolved=True)
    response = _act(cast.lead_handler, ticket, Action.REPLY,
                    {"content": "我写的长答复", "contacted": "1", "resolved": "1"}, version=seen)
    assert response.status_code == 409
    page = response.content.decode()
    assert "工单已被他人处理" in page and "我写的长答复" in page
    assert response.context["kept"][0].action == Action.REPLY
    assert Ticket.objects.get(pk=ticket.pk).replies.count() == 1


def test_refused_step_keeps_the_panels(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    shown = _client(cast.dispatcher).get(reverse("order-detail", args=[ticket.number])).context["panels"]
    response = _act(cast.dispatcher, ticket, Action.DISPATCH, {"lead": ""})  # invalid form
    assert response.status_code == 400
    assert [p.template for p in response.context["panels"]] == [p.template for p in shown]


# --- Merge: the master among the orders the person may see ------------------------------------------------------


def test_merge_master_must_be_visible(cast: Cast) -> None:
    secret = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)
    plain = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    # without the caller's orders (the API), never a confidential master: the same message as an unknown number
    unknown = MergeForm({"master_number": "999"})
    hidden = MergeForm({"master_number": secret.number})
    assert not unknown.is_valid() and not hidden.is_valid()
    assert hidden.errors == unknown.errors
    assert MergeForm({"master_number": plain.number}).is_valid()
    # the page passes what the actor may see: centre staff see the confidential master
    assert MergeForm({"master_number": secret.number}, orders=Ticket.objects.visible_to(cast.dispatcher)).is_valid()
    assert not MergeForm({"master_number": secret.number}, orders=Ticket.objects.none()).is_valid()


# --- Extension decisions name the request ----------------------------------------------------------------------


def test_extension_decision_names_the_request(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.request_extension(ticket, actor=cast.lead_handler, days=3, reason="需协调施工队")
    services.request_extension(ticket, actor=cast.assist_handlers[0], days=5, reason="需现场勘查")
    older, newer = Extension.objects.filter(ticket=ticket).order_by("id")
    page = _client(cast.dispatcher).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "需协调施工队" in page and "需现场勘查" in page and f'value="{newer.pk}"' in page
    ticket.refresh_from_db()
    response = _act(cast.dispatcher, ticket, Action.DENY_EXTENSION, {"extension": newer.pk, "note": "理由不足"})
    assert response.status_code == 302
    older.refresh_from_db(), newer.refresh_from_db()
    assert (older.status, newer.status) == (Decision.PENDING, Decision.REJECTED)
    ticket.refresh_from_db()
    response = _act(cast.dispatcher, ticket, Action.APPROVE_EXTENSION, {"extension": older.pk, "days": ""})
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.status == Decision.APPROVED



def test_a_one_day_extension_request_reads_well_in_english(frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS)
    services.request_extension(ticket, actor=ticket.cast.lead_handler, days=1, reason="waiting for parts")
    form = ApproveExtensionForm(prefix="x")
    with translation.override("en"):
        form.offer(list(Extension.objects.filter(ticket=ticket)))
        (_, text), = form.fields["extension"].widget.choices
    assert str(text) == f"{ticket.cast.lead} asks for 1 more working day: waiting for parts"



def test_an_unresolved_reply_without_a_reason_marks_the_reason_field(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    response = _act(cast.lead_handler, ticket, Action.REPLY,
                    {"content": "已到现场查看", "contacted": "1", "resolved": "0", "unresolved_reason": " "})
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('name="reply-unresolved_reason"') - 300:page.index('name="reply-unresolved_reason"') + 300]
    assert 'aria-invalid="true"' in field and "未解决的须说明原因" in field


# --- Reminders ignore the level --------------------------------------------------------------------------------


def test_remind_needs_no_level_on_a_higher_supervised_order(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.supervise(ticket, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE, level=3, note="市级督办")
    assert SuperviseForm({"kind": SupervisionKind.REMIND, "note": "请加快"}).is_valid()
    ticket.refresh_from_db()
    response = _act(cast.supervisor, ticket, Action.SUPERVISE,
                    {"kind": SupervisionKind.REMIND, "level": "1", "note": "请加快"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.supervision_level == 3 and ticket.supervisions.count() == 2


# --- The order page --------------------------------------------------------------------------------------------


def test_attachment_kind_is_shown_by_its_label(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    Attachment.objects.create(ticket=ticket, kind="image", original_name="现场.png", size=10, file="x.png",
                              content_type="image/png", sha256="0" * 64, uploaded_at=ticket.registered_at)
    page = _client(cast.dispatcher).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "图片 ·" in page


# --- List filters: dates out of range are ignored, never a 500 ---------------------------------------------------


@pytest.mark.parametrize("params", [{"registered_from": "0001-01-01"}, {"registered_to": "9999-12-31"}])
@pytest.mark.parametrize("page", ["orders", "orders-export-csv", "orders-export-xlsx"])
def test_extreme_dates_are_ignored(cast: Cast, params: dict, page: str) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    response = _client(cast.dispatcher).get(reverse(page), params)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if page != "orders-export-xlsx":
        assert ticket.number.encode() in body


# --- Navigation: every queue a role may open is linked ------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [
    ("supervisor", {"queue-dispatch", "queue-visits", "orders", "supervision"}),
    ("inspector", {"orders", "queue-visits", "queue-review"}),
    ("intake", {"queue-visits", "intake", "orders"}),
    ("dispatcher", {"intake", "queue-dispatch", "orders"}),
])
def test_navigation_links_the_pages_the_role_may_open(frozen_now: datetime, role: str, expected: set) -> None:
    client = _client(UserFactory(role=role))
    nav = client.get(reverse("orders")).content.decode().split('<nav', 1)[1].split("</nav>", 1)[0]
    for name in expected:
        assert f'href="{reverse(name)}"' in nav, name
        assert client.get(reverse(name)).status_code == 200, name


def test_a_second_click_on_a_step_that_succeeded_is_answered_as_the_first(cast: Cast, traveller) -> None:  # noqa: ANN001
    """派单 clicked twice: the second post finds its own dispatch of a moment ago, not someone else's work."""
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    seen = ticket.version
    client = _client(cast.dispatcher)
    body = {"version": str(seen), "dispatch-lead": str(cast.lead.pk), "dispatch-note": "派单"}
    url = reverse("order-act", args=[ticket.number, Action.DISPATCH])
    assert client.post(url, body).status_code == 302
    again = client.post(url, body, follow=True)
    assert again.redirect_chain[-1] == (reverse("order-detail", args=[ticket.number]), 302)
    page = again.content.decode()
    assert "已完成" in page and "工单已被他人处理" not in page
    assert Ticket.objects.get(pk=ticket.pk).assignments.count() == 1
    # another step, or the same one a minute later, is a stale page as before
    assert client.post(reverse("order-act", args=[ticket.number, Action.MERGE]),
                       {"version": str(seen), "merge-master_number": "x"}).status_code == 409
    traveller.shift(61)
    assert client.post(url, body).status_code == 409


def test_step_messages_read_in_english(cast: Cast) -> None:
    """The English UI says 'done' and 'someone else has acted', not 「已完成」 and 「工单已被他人处理」."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    seen = ticket.version
    client = _client(cast.lead_handler)
    client.cookies["django_language"] = "en"
    url = reverse("order-act", args=[ticket.number, Action.REPLY])
    body = {"version": str(seen), "reply-content": "已处理", "reply-contacted": "1", "reply-resolved": "1"}
    page = client.post(url, body, follow=True).content.decode()
    assert ": done" in page and "已完成" not in page
    colleague = UserFactory(role="unit_handler", units=[cast.lead])
    stale = _client(colleague)
    stale.cookies["django_language"] = "en"
    page = stale.post(url, body).content.decode()
    assert "Someone else has acted on this order" in page and "工单已被他人处理" not in page
