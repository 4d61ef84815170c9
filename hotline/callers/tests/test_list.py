"""The list of caller profiles (/callers/) and the profile page's 最近修改: who sees which profiles, tags and
changes; the filters and their refusals; masked numbers; one grouped order count."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.callers import listing
from hotline.callers.models import CallerProfile, CallerTag
from hotline.callers.services import update_profile
from hotline.core.privacy import mask_phone
from hotline.ops.models import AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

LIST = reverse("caller-list")
ELDER, REPEAT, ABUSE, ONLY_ABUSE = "13811110001", "13811110002", "13811110003", "13811110004"


def _text(response: Any) -> str:
    return response.content.decode()


def _login(client: Client, role: str) -> User:
    user = UserFactory(role=role, display_name=f"{role}-viewer")
    client.force_login(user)
    return user


def _at(minutes: int, phone: str, tags: list[str], note: str, actor: User) -> CallerProfile:
    with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
        return update_profile(phone, tags=tags, note=note, actor=actor)


@pytest.fixture
def editors(db: None) -> dict[str, User]:
    return {"first": UserFactory(role=Role.SUPERVISOR, display_name="张督办"),
            "second": UserFactory(role=Role.INTAKE, display_name="李受理")}


@pytest.fixture
def profiles(tags: dict[str, CallerTag], editors: dict[str, User]) -> dict[str, CallerProfile]:
    """Four callers, changed in this order (the newest last):
    REPEAT 多次来电 (20'), given 恶意骚扰 too by 李受理 (40', a sensitive-only change);
    ELDER 老年人 with a long note (25'); ONLY_ABUSE only 恶意骚扰, no note (30'); ABUSE 老年人 + 恶意骚扰 (50')."""
    first = editors["first"]
    _at(25, ELDER, ["老年人"], "耳背，请大声慢讲" * 6, first)
    _at(20, REPEAT, ["多次来电"], "", first)
    _at(30, ONLY_ABUSE, ["恶意骚扰"], "", first)
    _at(40, REPEAT, ["多次来电", "恶意骚扰"], "", editors["second"])
    _at(50, ABUSE, ["老年人", "恶意骚扰"], "", first)
    make_ticket(Status.ANSWERED, caller_phone=REPEAT)
    make_ticket(Status.ANSWERED, caller_phone=REPEAT)
    make_ticket(Status.IN_PROGRESS, caller_phone=ELDER)
    return {p.phone: p for p in CallerProfile.objects.all()}


def _rows(html: str) -> list[str]:
    """The list's rows, as the masked numbers shown, top to bottom."""
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return ["138" + chunk.split("</a>")[0] for chunk in body.split('">138')[1:]]


def _masked(phone: str) -> str:
    return mask_phone(phone)


# --- who -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_unit_staff_get_a_403(client: Client, profiles: dict[str, CallerProfile], role: str) -> None:
    _login(client, role)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("caller-profile-id", args=[profiles[ELDER].pk])).status_code == 403


def test_a_supervisor_sees_every_profile_newest_change_first_masked_with_order_counts(
        client: Client, profiles: dict[str, CallerProfile]) -> None:
    _login(client, Role.SUPERVISOR)
    response = client.get(LIST)
    html = _text(response)
    assert response.status_code == 200
    assert _rows(html) == [_masked(p) for p in (ABUSE, REPEAT, ONLY_ABUSE, ELDER)]
    assert not any(p in html for p in (ELDER, REPEAT, ABUSE, ONLY_ABUSE))  # no full number, not even in links
    assert not AccessRecord.objects.exists()  # nothing shown in full: nothing to record
    row = html.split(f"{_masked(REPEAT)}</a>")[1].split("</tr>")[0]
    assert "恶意骚扰（敏感）" in row and "多次来电" in row and '<td class="num">2</td>' in row
    assert "李受理" in row  # the last change, sensitive or not
    elder = html.split(f"{_masked(ELDER)}</a>")[1].split("</tr>")[0]
    assert "大声慢讲" * 6 + "</td>" not in elder and 'title="耳背' in elder and '<td class="num">1</td>' in elder  # the note shortened (whole on hover)
    assert "共 4 个档案" in html


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LEADER])
def test_those_who_may_not_see_sensitive_tags_see_neither_them_nor_their_changes(
        client: Client, profiles: dict[str, CallerProfile], role: str) -> None:
    _login(client, role)
    html = _text(client.get(LIST))
    # ONLY_ABUSE shows them nothing: not listed. REPEAT's last change they may see is at 20', not 40'.
    assert _rows(html) == [_masked(p) for p in (ABUSE, ELDER, REPEAT)]
    assert "恶意骚扰" not in html and "李受理" not in html
    repeat = html.split(f"{_masked(REPEAT)}</a>")[1].split("</tr>")[0]
    assert (NOW + timedelta(minutes=20)).strftime("%H:%M") in repeat and "张督办" in repeat
    refused = client.get(LIST, {"tag": "恶意骚扰"})  # as unknown as a tag that does not exist
    assert refused.status_code == 200
    assert "以下筛选条件无效" in _text(refused) and "恶意骚扰" not in _text(refused).split("</form>")[1]
    assert _rows(_text(refused)) == _rows(html)  # the refused filter is not used
    since = client.get(LIST, {"since": (NOW + timedelta(minutes=1)).date().isoformat()})
    assert _rows(_text(since)) == _rows(html)
    assert client.get(reverse("caller-profile-id", args=[profiles[ONLY_ABUSE].pk])).status_code == 404


def test_the_link_opens_the_profile_page_which_records_the_full_number(
        client: Client, profiles: dict[str, CallerProfile]) -> None:
    _login(client, Role.LEADER)
    response = client.get(reverse("caller-profile-id", args=[profiles[ELDER].pk]))
    assert response.status_code == 200 and "Location" not in response  # no number in a redirect, unrecorded
    assert ELDER in _text(response) and AccessRecord.objects.count() == 1
    assert f'href="{LIST}"' in _text(response)  # and back to the list


# --- filters ---------------------------------------------------------------------------------------------


def test_the_filters(client: Client, profiles: dict[str, CallerProfile]) -> None:
    _login(client, Role.SUPERVISOR)

    def rows(**query: Any) -> list[str]:
        response = client.get(LIST, query)
        assert response.status_code == 200 and "以下筛选条件无效" not in _text(response)
        return _rows(_text(response))

    assert rows(tag="恶意骚扰") == [_masked(p) for p in (ABUSE, REPEAT, ONLY_ABUSE)]
    assert rows(tag=["多次来电", "老年人"]) == [_masked(p) for p in (ABUSE, REPEAT, ELDER)]  # any of them
    assert rows(q="大声") == [_masked(ELDER)]
    assert rows(phone="１３８ １１１１-０００２") == [_masked(REPEAT)]  # typed with full-width digits and a dash
    assert rows(phone="+86 13811110001") == [_masked(ELDER)]
    assert rows(since=(NOW + timedelta(days=1)).date().isoformat()) == []
    assert "没有符合条件的来电人档案" in _text(client.get(LIST, {"q": "不存在的备注"}))


@pytest.mark.parametrize("query", [{"phone": "abc"}, {"phone": "13"}, {"phone": "1381111"}, {"phone": "138****0002"}, {"since": "2026-13-40"}, {"since": "1900-01-01"},
                                   {"tag": "不存在"}, {"q": "长" * 101}])
def test_a_bad_filter_gets_a_message_and_is_not_used(client: Client, profiles: dict[str, CallerProfile],
                                                     query: dict[str, str]) -> None:
    _login(client, Role.SUPERVISOR)
    response = client.get(LIST, {**query, "q": query.get("q", "")})
    html = _text(response)
    assert response.status_code == 200 and 'class="error-summary" role="alert"' in html
    assert len(_rows(html)) == 4


def test_the_pager_keeps_the_filters(client: Client, profiles: dict[str, CallerProfile],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "PER_PAGE", 2)
    for role in (Role.SUPERVISOR, Role.LEADER):
        _login(client, role)
        first = _text(client.get(LIST, {"q": ""}))
        assert len(_rows(first)) == 2 and 'href="?q=&amp;page=2"' in first
        second = _text(client.get(LIST, {"q": "", "page": "2"}))
        assert _rows(second) and not set(_rows(second)) & set(_rows(first))
        assert client.get(LIST, {"page": "x"}).status_code == 200


def test_order_counts_and_tags_take_the_same_queries_for_any_number_of_rows(
        client: Client, profiles: dict[str, CallerProfile], editors: dict[str, User],
        django_assert_max_num_queries: Any) -> None:
    for role in (Role.SUPERVISOR, Role.LEADER):
        _login(client, role)
        with CaptureQueriesContext(connection) as few:
            client.get(LIST)
        for n in range(6):
            _at(60 + n, f"1390000000{n}", ["老年人"], "", editors["first"])
            make_ticket(Status.ANSWERED, caller_phone=f"1390000000{n}")
        with django_assert_max_num_queries(len(few)):
            client.get(LIST)


# --- the profile page's 最近修改 -----------------------------------------------------------------------------


def _last_change(html: str) -> str:
    return html.split("最近修改：")[1].split("</p>")[0] if "最近修改：" in html else ""


def test_the_last_change_on_the_page_is_the_last_one_this_person_may_see(
        client: Client, profiles: dict[str, CallerProfile]) -> None:
    page = reverse("caller-profile", args=[REPEAT])
    _login(client, Role.SUPERVISOR)
    assert "李受理" in _last_change(_text(client.get(page, follow=True)))  # the sensitive-only change at 40'
    _login(client, Role.LEADER)
    shown = _last_change(_text(client.get(page, follow=True)))
    assert "张督办" in shown and (NOW + timedelta(minutes=20)).strftime("%H:%M") in shown
    assert "李受理" not in _text(client.get(page, follow=True))
    assert _last_change(_text(client.get(reverse("caller-profile", args=[ONLY_ABUSE]), follow=True))) == ""  # nothing to see


def test_the_page_lists_the_changes_one_may_see_even_behind_many_hidden_ones(
        client: Client, profiles: dict[str, CallerProfile], editors: dict[str, User],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.callers import selectors

    for n in range(3):  # three more sensitive-only changes: more than the page lists
        _at(60 + n, REPEAT, ["多次来电"] + (["恶意骚扰"] if n % 2 else []), "", editors["second"])
    monkeypatch.setitem(selectors.profile_changes.__kwdefaults__, "limit", 2)  # the page lists the newest 2
    _login(client, Role.LEADER)
    html = _text(client.get(reverse("caller-profile", args=[REPEAT]), follow=True))
    assert "张督办" in _last_change(html) and html.count("<td>张督办</td>") == 1
