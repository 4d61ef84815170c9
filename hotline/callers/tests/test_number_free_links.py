"""No address the application renders to a caller's profile carries the caller's number (browser history, the
proxy's access log, Referer headers): the order page, the intake pop-up, the list and the profile page link by
the profile's id, by the order's number or post the number; the old /callers/<phone>/ redirects to the id; the
permissions and the full-number access records are those of the page by number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.callers.services import update_profile
from hotline.callers.tests.conftest import PHONE
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import UserFactory, make_ticket

pytestmark = pytest.mark.django_db

OLD = reverse("caller-profile", args=[PHONE])
OPEN, SAVE = reverse("caller-open"), reverse("caller-save")
MASKED = "138****5678"
ADDRESS = re.compile(r'\b(?:href|action|hx-post|hx-get|hx-put|src|data-url|formaction)="([^"]*)"')


def _login(client: Client, role: str) -> User:
    user = UserFactory(role=role)
    client.force_login(user)
    return user


def _html(response: Any) -> str:
    return response.content.decode()


def _addresses(html: str) -> list[str]:
    """Every address the page renders (links, form targets, htmx requests)."""
    return ADDRESS.findall(html)


def _no_number_in_addresses(html: str) -> None:
    found = [a for a in _addresses(html) if PHONE in a or PHONE in a.replace("-", "").replace("%20", "")]
    assert not found, found


def _by_id(profile: CallerProfile) -> str:
    return reverse("caller-profile-id", args=[profile.pk])


@pytest.fixture
def order(tags: dict[str, CallerTag]) -> Ticket:
    """An order of the caller, who has no profile yet."""
    return make_ticket(Status.ANSWERED, caller_phone=PHONE, title="咨询养老金发放")


@pytest.fixture
def profile(order: Ticket) -> CallerProfile:
    """The caller is 老年人 and 恶意骚扰 (sensitive), with a note."""
    return update_profile(PHONE, tags=["老年人", "恶意骚扰"], note="耳背，请大声慢讲",
                          actor=UserFactory(role=Role.SUPERVISOR))


def _full_phone_records() -> list[tuple[str, str]]:
    return list(AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).values_list("subject_type", "subject"))


# --- the pages link without the number ---------------------------------------------------------------------


def test_the_order_page_links_to_the_profile_by_its_id(client: Client, profile: CallerProfile, order: Ticket) -> None:
    _login(client, Role.DISPATCHER)
    html = _html(client.get(reverse("order-detail", args=[order.number])))
    assert PHONE in html and "耳背" in html  # the order page shows the number (recorded) and the profile
    assert f'href="{_by_id(profile)}"' in html
    _no_number_in_addresses(html)


def test_the_order_page_of_a_caller_without_a_profile_links_by_the_order(client: Client, order: Ticket) -> None:
    _login(client, Role.INTAKE)
    html = _html(client.get(reverse("order-detail", args=[order.number])))
    link = reverse("caller-order", args=[order.number])
    assert f'href="{link}"' in html
    _no_number_in_addresses(html)
    before = _full_phone_records()  # the order page's own record of its number
    page = client.get(link)
    assert page.status_code == 200 and PHONE in _html(page) and "咨询养老金发放" in _html(page)
    assert len(_full_phone_records()) == len(before) + 1  # as the page by number records it
    assert _full_phone_records().count(("phone", MASKED)) == before.count(("phone", MASKED)) + 1
    _no_number_in_addresses(_html(page))
    assert f'action="{SAVE}"' in _html(page) and not CallerProfile.objects.exists()


def test_the_order_address_goes_to_the_id_once_there_is_a_profile(client: Client, profile: CallerProfile,
                                                                   order: Ticket) -> None:
    _login(client, Role.LEADER)
    response = client.get(reverse("caller-order", args=[order.number]))
    assert response.status_code == 302 and response["Location"] == _by_id(profile)
    assert not AccessRecord.objects.exists()  # nothing shown yet


def test_the_order_address_of_an_unknown_order_or_one_without_a_whole_number_is_a_404(
        client: Client, tags: dict[str, CallerTag]) -> None:
    _login(client, Role.INTAKE)
    partial = make_ticket(Status.ANSWERED, caller_phone="13812")
    assert client.get(reverse("caller-order", args=["209900000000000"])).status_code == 404
    assert client.get(reverse("caller-order", args=[partial.number])).status_code == 404
    assert not AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).exists()


def test_the_intake_pop_up_links_by_id_or_posts_the_number(client: Client, order: Ticket) -> None:
    agent = _login(client, Role.INTAKE)
    html = _html(client.get(reverse("intake-caller"), {"phone": PHONE}))  # no profile yet
    assert f'action="{OPEN}"' in html and f'name="phone" value="{PHONE}"' in html
    assert f'action="{SAVE}"' in html and f'hx-post="{SAVE}"' in html
    _no_number_in_addresses(html)
    opened = client.post(OPEN, {"phone": "138 1234 5678"})  # the pop-up's link of a number without a profile
    assert opened.status_code == 200 and PHONE in _html(opened) and "咨询养老金发放" in _html(opened)
    _no_number_in_addresses(_html(opened))
    update_profile(PHONE, tags=["老年人"], note="", actor=agent)
    html = _html(client.get(reverse("intake-caller"), {"phone": PHONE}))
    assert f'href="{_by_id(CallerProfile.objects.get())}"' in html and f'action="{OPEN}"' not in html
    _no_number_in_addresses(html)
    assert client.post(OPEN, {"phone": PHONE})["Location"] == _by_id(CallerProfile.objects.get())


def test_the_intake_page_with_a_number_links_without_it(client: Client, profile: CallerProfile) -> None:
    _login(client, Role.INTAKE)
    html = _html(client.get(reverse("intake"), {"phone": PHONE}))
    assert "耳背" in html
    _no_number_in_addresses(html)


def test_the_list_and_the_profile_page_link_without_the_number(client: Client, profile: CallerProfile) -> None:
    _login(client, Role.SUPERVISOR)
    listing = _html(client.get(reverse("caller-list"), {"tag": ["老年人"]}))
    assert MASKED in listing and f'href="{_by_id(profile)}"' in listing
    _no_number_in_addresses(listing)
    page = _html(client.get(_by_id(profile)))
    assert PHONE in page and f'action="{SAVE}"' in page
    _no_number_in_addresses(page)


def test_saving_from_the_number_free_form_comes_back_by_id(client: Client, order: Ticket) -> None:
    _login(client, Role.DISPATCHER)
    response = client.post(SAVE, {"phone": PHONE, "tags": ["老年人"], "note": "耳背", "version": "0"})
    profile = CallerProfile.objects.get()
    assert response.status_code == 302 and response["Location"] == _by_id(profile)
    assert [t.name for t in profile.tags.all()] == ["老年人"] and profile.note == "耳背"
    htmx = client.post(SAVE, {"phone": PHONE, "tags": [], "note": "耳背", "version": "1"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and "来电人档案已保存" in _html(htmx)
    _no_number_in_addresses(_html(htmx))
    nothing = client.post(SAVE, {"phone": "13812", "tags": [], "note": "", "version": "0"})
    assert nothing.status_code == 404


# --- the old address ---------------------------------------------------------------------------------------


def test_the_old_address_redirects_to_the_id_and_the_page_records_the_view(client: Client,
                                                                           profile: CallerProfile) -> None:
    agent = _login(client, Role.INTAKE)
    for typed in (PHONE, "+86 138-1234-5678"):
        response = client.get(reverse("caller-profile", args=[typed]))
        assert response.status_code == 302 and response["Location"] == _by_id(profile)
    assert not AccessRecord.objects.exists()  # a redirect shows no number
    page = client.get(OLD, follow=True)
    assert page.status_code == 200 and PHONE in _html(page)
    record = AccessRecord.objects.get()
    assert (record.kind, record.subject_type, record.subject, record.user_id) == (
        AccessKind.FULL_PHONE, "phone", MASKED, agent.pk)


def test_the_old_address_without_a_profile_shows_the_page_as_before(client: Client, order: Ticket) -> None:
    _login(client, Role.INTAKE)
    response = client.get(OLD)
    assert response.status_code == 200 and PHONE in _html(response)
    assert _full_phone_records() == [("phone", MASKED)]
    _no_number_in_addresses(_html(response))


def test_a_profile_that_shows_an_inspector_nothing_is_not_redirected(client: Client, order: Ticket) -> None:
    update_profile(PHONE, tags=["恶意骚扰"], note="", actor=UserFactory(role=Role.SUPERVISOR))
    _login(client, Role.INSPECTOR)
    response = client.get(OLD)  # a redirect would tell them a profile exists; its id is a 404 to them
    assert response.status_code == 200 and "恶意骚扰" not in _html(response)
    html = _html(client.get(reverse("order-detail", args=[order.number])))
    assert f'href="{reverse("caller-order", args=[order.number])}"' in html
    _no_number_in_addresses(html)


def test_the_old_address_still_saves_a_post(client: Client, profile: CallerProfile) -> None:
    _login(client, Role.DISPATCHER)
    response = client.post(OLD, {"tags": ["老年人"], "note": "", "version": "1"})
    assert response.status_code == 302 and response["Location"] == _by_id(profile)
    assert CallerProfileChange.objects.count() == 2


# --- permissions unchanged -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_unit_staff_get_a_403_at_every_address(client: Client, profile: CallerProfile, order: Ticket,
                                               role: str) -> None:
    _login(client, role)
    posted = {"phone": PHONE, "tags": ["老年人"], "note": "x", "version": "1"}
    for response in (client.get(OLD), client.post(OLD, posted)):
        assert response.status_code == 403 and "耳背" not in _html(response)
    for response in (client.get(_by_id(profile)), client.get(reverse("caller-order", args=[order.number])),
                     client.post(OPEN, posted), client.post(SAVE, posted), client.get(OPEN), client.get(SAVE)):
        assert response.status_code == 403
        assert "耳背" not in _html(response) and PHONE not in _html(response)
    assert CallerProfileChange.objects.count() == 1
    assert not AccessRecord.objects.exists()


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LEADER])
def test_readers_who_may_not_change_get_a_403_on_save(client: Client, profile: CallerProfile, role: str) -> None:
    _login(client, role)
    assert client.post(SAVE, {"phone": PHONE, "tags": [], "note": "", "version": "1"}).status_code == 403
    assert CallerProfileChange.objects.count() == 1


def test_a_get_of_the_posting_addresses_goes_to_the_list(client: Client, profile: CallerProfile) -> None:
    _login(client, Role.INTAKE)  # e.g. the language switch of a page shown in answer to a POST
    for address in (OPEN, SAVE):
        response = client.get(address)
        assert response.status_code == 302 and response["Location"] == reverse("caller-list")
    assert client.post(_by_id(profile), {"phone": PHONE}).status_code == 405
    assert not AccessRecord.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client: Client, profile: CallerProfile, order: Ticket) -> None:
    for response in (client.get(_by_id(profile)), client.get(reverse("caller-order", args=[order.number])),
                     client.post(OPEN, {"phone": PHONE})):
        assert response.status_code == 302 and PHONE not in response["Location"]
