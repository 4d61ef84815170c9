"""Where the language switch goes back to (`core/templatetags/language_switch.py`): always a page that answers a
GET — the page itself after a GET; after a POST the view's `switch_next`, else the same-site Referer, else "/"."""

from __future__ import annotations

import html
import re

import pytest
from django.template import Context
from django.test import Client, RequestFactory
from django.urls import reverse

from hotline.core.templatetags.language_switch import _takes_get, language_switch_next
from hotline.tickets.choices import Action
from hotline.tickets.tests.factories import UserFactory

HOST = "http://testserver"


def _next(method: str, path: str = "/work/bulk/", referer: str | None = None, **context: str) -> str:
    headers = {"Referer": referer} if referer is not None else {}
    request = getattr(RequestFactory(), method)(path, headers=headers)
    return language_switch_next(Context({"request": request, **context}))


def test_a_page_answering_a_get_comes_back_to_itself_with_its_query() -> None:
    assert _next("get", "/work/inbox/?sort=due&page=2", referer=f"{HOST}/elsewhere/") == "/work/inbox/?sort=due&page=2"
    assert _next("head", "/kpis/bulletin/") == "/kpis/bulletin/"


def test_a_page_answering_a_post_goes_to_the_views_own_address_first() -> None:
    given = reverse("order-detail", args=["202503040000001"])
    assert _next("post", referer=f"{HOST}/work/inbox/", switch_next=given) == given


@pytest.mark.parametrize(("referer", "expected"), [
    (f"{HOST}/work/inbox/?sort=due", "/work/inbox/?sort=due"),  # the page the form was posted from
    (f"{HOST}/orders/202503040000001/", "/orders/202503040000001/"),
    (None, "/"),  # no Referer (a privacy setting)
    ("", "/"),
    ("https://evil.example/work/inbox/", "/"),  # another site
    ("//evil.example/work/inbox/", "/"),
    (f"{HOST}/work/bulk/", "/"),  # a POST-only address (a refused page posted again from itself): a 405
    (f"{HOST}/orders/202503040000001/act/sign/", "/"),
    (f"{HOST}/kpis/bulletin/publish/", "/"),
    (f"{HOST}/no/such/page/", "/"),
])
def test_without_one_the_same_site_referer_that_answers_a_get_else_home(referer: str | None, expected: str) -> None:
    assert _next("post", referer=referer) == expected


def test_which_views_answer_a_get() -> None:
    from hotline.kpis.views import bulletin, bulletin_publish
    from hotline.workbench.intake.views import intake
    from hotline.workbench.queues.views import bulk_action
    from hotline.workbench.views import perform_step

    assert _takes_get(bulletin) and _takes_get(intake)  # require_GET; GET and POST
    assert not _takes_get(bulletin_publish) and not _takes_get(perform_step) and not _takes_get(bulk_action)


def _switch_next(body: str) -> str:
    return html.unescape(re.search(r'name="next" value="([^"]*)"', body).group(1))


@pytest.mark.django_db
def test_a_refused_bulk_step_switches_back_to_the_list_it_was_posted_from(frozen_now) -> None:  # noqa: ANN001
    """批量操作 (POST only) shows its report at /work/bulk/ and gives no `switch_next`: the list it came from."""
    client = Client()
    client.force_login(UserFactory(role="dispatcher"))
    refused = client.post(reverse("bulk-action"), {"action": Action.DISPATCH, "numbers": []},
                          headers={"Referer": f"{HOST}/work/dispatch/?sort=due"})
    assert refused.status_code == 400
    target = _switch_next(refused.content.decode())
    assert target == "/work/dispatch/?sort=due"
    switched = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert client.get(switched["Location"]).status_code == 200
    again = client.post(reverse("bulk-action"), {"action": Action.DISPATCH, "numbers": []},
                        headers={"Referer": f"{HOST}{reverse('bulk-action')}"})
    assert again.status_code == 400 and _switch_next(again.content.decode()) == "/"


@pytest.mark.django_db
def test_a_post_refused_with_403_switches_back_to_where_it_came_from(frozen_now) -> None:  # noqa: ANN001
    client = Client()
    client.force_login(UserFactory(role="intake"))
    refused = client.post(reverse("kpis-bulletin-publish"), {"publish-month": "2025-03"},
                          headers={"Referer": f"{HOST}/kpis/bulletin/"})
    assert refused.status_code == 403
    assert _switch_next(refused.content.decode()) == "/kpis/bulletin/"
