"""The main navigation shows a link exactly when its page opens (link = access), for every role.

Each person gets the order list, reads the links of the main navigation, then opens every page of
`hotline.workbench.nav.ENTRIES`: a shown link opens (200, or a redirect to a page that does, marked as
current there); a page left out refuses (403/404, or a redirect to the login page).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import UNIT_ROLES, Role
from hotline.orgs.choices import UnitKind
from hotline.tickets.tests.factories import HandlingUnitFactory, UserFactory
from hotline.workbench.nav import ENTRIES

pytestmark = pytest.mark.django_db

#: Every role, unit roles as members of a street; and unit roles that belong to no unit yet.
PEOPLE = [(role, role in UNIT_ROLES) for role in Role] + [(role, False) for role in sorted(UNIT_ROLES)]


def _nav_hrefs(body: str) -> list[str]:
    nav = body[body.index('aria-label="主导航"'):]
    return re.findall(r'href="([^"]+)"', nav[:nav.index("</nav>")])


def test_every_entry_names_an_installed_page_once() -> None:
    urls = [reverse(entry.url) for entry in ENTRIES]
    assert len(set(urls)) == len(urls)


@pytest.mark.parametrize(("role", "member"), PEOPLE, ids=[f"{r}{'' if m else '-no-unit'}" for r, m in PEOPLE])
def test_a_link_is_shown_exactly_when_its_page_opens(role: str, member: bool) -> None:
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=HandlingUnitFactory(kind=UnitKind.DISTRICT))
    user = UserFactory(role=role, units=[street] if member else [])
    client = Client()
    client.force_login(user)
    shown = _nav_hrefs(client.get(reverse("orders")).content.decode())
    expected = [reverse(entry.url) for entry in ENTRIES if entry.shown_to(user)]
    assert shown == expected
    login = reverse(settings.LOGIN_URL)
    for entry in ENTRIES:
        url = reverse(entry.url)
        if url in shown:
            response = client.get(url, follow=True)
            assert response.status_code == 200, (entry.url, response.status_code)
            assert not any(hop.startswith(login) for hop, _ in response.redirect_chain), entry.url
            assert f'href="{url}" aria-current="page"' in response.content.decode(), entry.url
        else:
            response = client.get(url)
            refused = response.status_code in (403, 404) or (
                response.status_code == 302 and response["Location"].startswith(login))
            assert refused, (entry.url, response.status_code)


def test_labels_are_translated_and_the_caller_list_is_plural() -> None:
    from django.utils import translation

    from hotline.workbench.nav import links_for

    user = UserFactory(role=Role.SUPERVISOR)
    with translation.override("en"):
        labels = {str(link.label) for link in links_for(user)}
    assert "Caller profiles" in labels and not any(re.search(r"[\u4e00-\u9fff]", label) for label in labels)
