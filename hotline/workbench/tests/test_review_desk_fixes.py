"""Review fixes on the agent's and the dispatcher's pages (rv5).

- The caller's number: ASCII digits only, at most one leading「+」, 5 to 20 digits (page and API, one form).
- A stale post of a step with OTHER words than the step just taken is a stale page (409, the text kept), not a
  double click answered 「已完成」 while the words are thrown away; the same words still are a double click.
- A double click on 指定派单 (the 派单 form with 「指定派单」 ticked, recorded as `designate`) is answered as done.
- A NUL in a query or form input reaches no database lookup (PostgreSQL refuses such a parameter: a 500).
  SQLite accepts it, so PostgreSQL's refusal is emulated with an execute wrapper raising psycopg's ValueError.
- A pasted paragraph in the category search is no 500 (words and length capped).
- 同意退单 with 协办单位 or 「指定派单」 but no new lead is refused (form and API), not silently dropped.
- `next` / the bulk page's `back` are paths on this site only ("/\\evil.example" is not).
- 直接答复 of a 举报 is refused (page, intake form and API); a confidential (保密) one is still answered by the centre.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.api.keys import create_key
from hotline.api.tests.conftest import ApiClient
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Action, Status, SupervisionKind
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, CategoryFactory, HandlingUnitFactory, make_ticket
from hotline.workbench.intake.choices import Decision
from hotline.workbench.intake.forms import IntakeCheck
from hotline.workbench.intake.selectors import normalise_phone, search_categories
from hotline.workbench.queues.bulk import clean_numbers
from hotline.workbench.tests.test_intake import URL, _media, post_data  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _act(user: Any, ticket: Ticket, action: str, data: dict[str, Any], version: int, **extra: str) -> Any:
    body: dict[str, Any] = {f"{action}-{k}": v for k, v in data.items()}
    body.update(version=str(version), **extra)
    return _client(user).post(reverse("order-act", args=[ticket.number, action]), body)


# --- The caller's number ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", [
    "١٣٨١٢٣٤١٢٣٤",  # Arabic-Indic digits
    "१३८१२३४१२३४",  # Devanagari digits
    "++13812341234", "++++13812341234", "+", "1234", "1" * 21, "138 1234 x",
])
def test_a_caller_number_that_is_not_ascii_digits_of_a_sensible_length_is_refused(cast: Cast, phone: str) -> None:
    response = _client(cast.intake).post(URL, post_data(phone=phone))
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert not Ticket.objects.exists()
    assert "phone" in IntakeCheck(post_data(phone=phone)).errors  # the API checks with the same form


@pytest.mark.parametrize(("typed", "stored"), [
    ("12345", "12345"), ("95588", "95588"), ("+86 138-1234-1234", "13812341234"), ("１３８１２３４１２３４", "13812341234"),
    ("0731-88990001", "073188990001"), ("+441632960961", "+441632960961"), ("", ""),
])
def test_a_caller_number_in_ascii_digits_is_kept_as_normalised(typed: str, stored: str) -> None:
    form = IntakeCheck(post_data(phone=typed))
    assert "phone" not in form.errors
    assert form.cleaned_data["phone"] == stored


# --- A stale post with other words is not a double click ---------------------------------------------------------


def test_a_second_different_supplement_from_the_same_page_is_refused_with_the_text_kept(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    seen = ticket.version
    assert _act(cast.intake, ticket, Action.SUPPLEMENT, {"text": "门牌号是12号"}, seen).status_code == 302
    second = _act(cast.intake, ticket, Action.SUPPLEMENT, {"text": "另外噪音每天夜里两点开始"}, seen)
    assert second.status_code == 409
    page = second.content.decode()
    assert "另外噪音每天夜里两点开始" in page and "工单已被他人处理" in page
    part = _act(cast.intake, ticket, Action.SUPPLEMENT, {"text": "12号"}, seen)  # part of the first text: new words
    assert part.status_code == 409
    notes = list(ticket.timeline.filter(action=Action.SUPPLEMENT).values_list("note", flat=True))
    assert notes == ["门牌号是12号"]


def test_the_same_supplement_posted_again_is_still_a_double_click(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    seen = ticket.version
    assert _act(cast.intake, ticket, Action.SUPPLEMENT, {"text": "门牌号是12号"}, seen).status_code == 302
    again = _act(cast.intake, ticket, Action.SUPPLEMENT, {"text": "门牌号是12号"}, seen)
    assert again.status_code == 302
    assert ticket.timeline.filter(action=Action.SUPPLEMENT).count() == 1


def test_a_second_different_supervision_from_a_stale_page_is_refused(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    seen = ticket.version
    first = {"kind": SupervisionKind.values[0], "level": "", "note": "请尽快处理"}
    assert _act(cast.supervisor, ticket, Action.SUPERVISE, first, seen).status_code == 302
    other_words = _act(cast.supervisor, ticket, Action.SUPERVISE, {**first, "note": "第二次督办：请今日答复"}, seen)
    assert other_words.status_code == 409 and "第二次督办：请今日答复" in other_words.content.decode()
    other_kind = _act(cast.supervisor, ticket, Action.SUPERVISE, {**first, "kind": SupervisionKind.values[-1]}, seen)
    assert other_kind.status_code == 409
    assert _act(cast.supervisor, ticket, Action.SUPERVISE, first, seen).status_code == 302  # the double click
    assert ticket.timeline.filter(action=Action.SUPERVISE).count() == 1


def test_a_second_dispatch_to_another_unit_from_a_stale_page_is_refused(cast: Cast) -> None:
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    seen = ticket.version
    assert _act(cast.dispatcher, ticket, Action.DISPATCH, {"lead": str(cast.lead.pk), "note": ""}, seen).status_code == 302
    moved = _act(cast.dispatcher, ticket, Action.DISPATCH, {"lead": str(other.pk), "note": ""}, seen)
    assert moved.status_code == 409
    assert list(ticket.assignments.values_list("unit", flat=True)) == [cast.lead.pk]


def test_a_double_click_on_a_designation_is_answered_as_done(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    seen = ticket.version
    data = {"lead": str(cast.lead.pk), "designate": "on", "note": ""}
    assert _act(cast.dispatcher, ticket, Action.DISPATCH, data, seen).status_code == 302
    assert ticket.timeline.filter(action=Action.DESIGNATE).count() == 1
    again = _act(cast.dispatcher, ticket, Action.DISPATCH, data, seen)
    assert again.status_code == 302  # not 409 「工单已被他人处理」
    assert ticket.assignments.count() == 1


@pytest.mark.parametrize("htmx", [True, False])
def test_a_second_different_supplement_from_the_pop_up_is_refused_with_the_text_kept(cast: Cast, htmx: bool) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812341234")
    client = _client(cast.intake)
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("intake-follow-up", args=[ticket.number, Action.SUPPLEMENT])
    seen = str(ticket.version)
    body = {"version": seen, "history_phone": "13812341234"}
    assert client.post(url, {**body, "text": "门牌号是12号"}, headers=headers).status_code == (200 if htmx else 302)
    second = client.post(url, {**body, "text": "夜里两点开始施工"}, headers=headers)
    assert second.status_code == (200 if htmx else 409)
    page = second.content.decode()
    assert "夜里两点开始施工" in page
    if htmx:  # (without htmx the first step's 「已记录」 message is only shown now, on the page shown again)
        assert "已记录" not in page
    again = client.post(url, {**body, "text": "门牌号是12号"}, headers=headers)  # the same words: a double click
    assert again.status_code == (200 if htmx else 302)
    assert list(ticket.timeline.filter(action=Action.SUPPLEMENT).values_list("note", flat=True)) == ["门牌号是12号"]


# --- NUL in the pages' inputs -----------------------------------------------------------------------------------


def _as_postgresql(execute, sql, params, many, context):  # noqa: ANN001, ANN202
    """PostgreSQL's refusal of a text parameter holding NUL, as psycopg raises it."""
    flat = [p for row in params for p in row] if many and params else list(params or [])
    if any(isinstance(p, str) and "\x00" in p for p in flat):
        raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return execute(sql, params, many, context)


@contextmanager
def postgresql_nul_rule() -> Iterator[None]:
    with connection.execute_wrapper(_as_postgresql):
        yield


@pytest.mark.parametrize(("method", "url", "data"), [
    ("get", "/work/intake/", {"phone": "13812341234\x00"}),
    ("get", "/work/intake/", {"followed": "2025\x00"}),
    ("get", "/work/intake/caller/", {"phone": "13812341234\x00"}),
    ("get", "/work/intake/categories/", {"q": "路灯\x00"}),
    ("post", "/work/bulk/", {"action": "send_to_dispatch", "numbers": ["2025\x00"]}),
])
@pytest.mark.parametrize("nul", [True, False])
def test_a_nul_in_an_agents_or_dispatchers_input_is_not_a_500(cast: Cast, method: str, url: str, data: dict,
                                                              nul: bool) -> None:
    if not nul:  # the emulation itself changes nothing without a NUL
        data = {k: [x.replace("\x00", "") for x in v] if isinstance(v, list) else v.replace("\x00", "")
                for k, v in data.items()}
    with postgresql_nul_rule():
        response = getattr(_client(cast.dispatcher), method)(url, data)
    assert response.status_code < 500


def test_a_nul_in_the_pop_ups_number_is_not_a_500(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812341234")
    with postgresql_nul_rule():
        response = _client(cast.intake).post(reverse("intake-follow-up", args=[ticket.number, Action.CHASE]),
                                             {"note": "", "version": str(ticket.version), "history_phone": "1381234\x00"})
    assert response.status_code < 500


def test_a_nul_in_the_intake_forms_number_is_a_400_not_a_500(cast: Cast) -> None:
    with postgresql_nul_rule():
        response = _client(cast.intake).post(URL, post_data(phone="13812341234\x00"))
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_the_inputs_drop_or_refuse_a_nul() -> None:
    assert normalise_phone("13812341234\x00") == ""
    assert clean_numbers(["2025\x00", " 2026 ", "2026", ""]) == ["2026"]
    assert search_categories("\x00") == []


# --- A long category search -------------------------------------------------------------------------------------


def test_a_pasted_paragraph_in_the_category_search_is_not_a_500(cast: Cast) -> None:
    words = " ".join(f"词{i}" for i in range(1500))
    response = _client(cast.intake).get(reverse("intake-categories"), {"q": words})
    assert response.status_code == 200


def test_the_category_search_reads_the_first_eight_words() -> None:
    leaf = CategoryFactory(name="路灯不亮", parent=CategoryFactory(name="市政设施", parent=CategoryFactory(name="城乡建设")))
    eight = "城乡 建设 市政 设施 路灯 不亮 城乡建设 市政设施"
    assert search_categories(f"{eight} 不存在的词") == [leaf]  # the ninth word is not read
    assert search_categories("不存在的词 路灯") == []


# --- 同意退单 without a new lead --------------------------------------------------------------------------------


@pytest.mark.parametrize("chosen", [{"assisting": "other"}, {"designate": "on"}])
def test_accepting_a_return_with_assisting_units_or_designation_but_no_lead_is_refused(cast: Cast,
                                                                                       chosen: dict) -> None:
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket = make_ticket(Status.RETURNED, cast=cast)
    data = {"lead": "", "note": "同意", **({"assisting": [str(other.pk)]} if "assisting" in chosen else chosen)}
    response = _act(cast.dispatcher, ticket, Action.ACCEPT_RETURN, data, ticket.version)
    assert response.status_code == 400
    assert "须同时选择改派主办单位" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.RETURNED


def test_accepting_a_return_without_a_lead_and_nothing_else_still_waits_for_dispatch(cast: Cast) -> None:
    ticket = make_ticket(Status.RETURNED, cast=cast)
    response = _act(cast.dispatcher, ticket, Action.ACCEPT_RETURN, {"lead": "", "note": "同意"}, ticket.version)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_the_api_refuses_accepting_a_return_with_assisting_units_but_no_lead(cast: Cast) -> None:
    other = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    ticket = make_ticket(Status.RETURNED, cast=cast)
    _, raw = create_key("中心派单", ["read", "act"], unit=HandlingUnitFactory(kind=UnitKind.CENTRE), role=Role.DISPATCHER)
    response = ApiClient(raw).post(f"/orders/{ticket.number}/actions/{Action.ACCEPT_RETURN}",
                                   {"version": ticket.version, "assisting": [other.pk], "note": "同意"})
    assert response.status_code == 400, response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.RETURNED


# --- next / back ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example/", "/\\/evil.example"])
def test_a_step_does_not_go_back_to_another_site(cast: Cast, target: str) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    response = _act(cast.intake, ticket, Action.SUPPLEMENT, {"text": "门牌号是12号"}, ticket.version, next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("order-detail", args=[ticket.number])


def test_a_step_goes_back_to_a_page_of_this_site(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    response = _act(cast.intake, ticket, Action.SUPPLEMENT, {"text": "门牌号是12号"}, ticket.version,
                    next="/work/inbox/?page=2")
    assert response["Location"] == "/work/inbox/?page=2"


def test_the_bulk_page_links_back_only_to_this_site(cast: Cast) -> None:
    client = _client(cast.dispatcher)
    body = {"action": "send_to_dispatch", "numbers": ["x"]}
    assert client.post("/work/bulk/", {**body, "next": "/\\evil.example"}).context["back"] is None
    assert client.post("/work/bulk/", {**body, "next": "/work/inbox/"}).context["back"] == "/work/inbox/"


# --- 直接答复 of a 举报 -------------------------------------------------------------------------------------------


def test_a_report_is_not_answered_directly_on_the_order_page(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, request_type=RequestType.REPORT)
    response = _act(cast.intake, ticket, Action.ANSWER_DIRECTLY, {"answer": "已记录您的举报"}, ticket.version)
    assert response.status_code == 400 and "举报件须派单" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_a_report_is_not_answered_directly_from_the_intake_form(cast: Cast) -> None:
    response = _client(cast.intake).post(URL, post_data(request_type=RequestType.REPORT, decision=Decision.ANSWER,
                                                        answer="已记录您的举报"))
    assert response.status_code == 400 and "举报件须派单" in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_confidential_report_is_still_answered_by_the_centre(cast: Cast) -> None:
    response = _client(cast.intake).post(URL, post_data(request_type=RequestType.REPORT, decision=Decision.ANSWER,
                                                        is_confidential="on", answer="已转纪检部门核查"))
    assert response.status_code == 302
    assert Ticket.objects.get().status == Status.ANSWERED


def test_the_api_refuses_answering_a_report_directly(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, request_type=RequestType.REPORT)
    _, raw = create_key("中心受理", ["read", "act"], unit=HandlingUnitFactory(kind=UnitKind.CENTRE), role=Role.INTAKE)
    response = ApiClient(raw).post(f"/orders/{ticket.number}/actions/{Action.ANSWER_DIRECTLY}",
                                   {"version": ticket.version, "answer": "已记录您的举报"})
    assert response.status_code in (400, 409), response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH



# --- The intake page's repeat hint (智能研判) ---------------------------------------------------------------------

NOISE = "楼下工地每天夜里施工噪音很大，吵得睡不着觉"


@pytest.mark.parametrize("typed", ["１３８００１３８０００", "+86 138 0013 8000", "0086-138-0013-8000"])
def test_the_repeat_hint_finds_the_caller_however_the_number_is_typed(org: Any, frozen_now: datetime, typed: str,
                                                                      django_capture_on_commit_callbacks: Any) -> None:
    """The form stores the number normalised (full-width folded, +86 dropped): the assist matches it the same way."""
    cast = Cast.build(lead=org.street_a)
    with django_capture_on_commit_callbacks(execute=True):
        earlier = make_ticket(Status.PENDING_DISPATCH, cast=cast, description=NOISE, caller_phone="13800138000",
                              district=org.district, street=org.street_a, community=org.community_a)
    html = _client(cast.intake).post(reverse("triage-intake-assist"), {
        "description": NOISE, "phone": typed, "community": org.community_a.pk, "street": org.street_a.pk,
        "district": org.district.pk}).content.decode()
    assert "疑似重复件" in html and earlier.number in html


@pytest.mark.parametrize("field", ["district", "street", "community", "category"])
@pytest.mark.parametrize("value", ["99999999999999999999999", "١", "1\x00"])
def test_the_assist_with_a_bad_id_is_not_a_500(cast: Cast, field: str, value: str) -> None:
    with postgresql_nul_rule():
        response = _client(cast.intake).post(reverse("triage-intake-assist"),
                                             {"description": NOISE, "phone": "13800138000", field: value})
    assert response.status_code == 200
