"""The article admin: a stale form never reverts a newer version; only maintainers write articles there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kb.models import Article
from hotline.kb.tests.conftest import make_article
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(org, frozen_now):  # noqa: ANN001, ANN201
    return make_article(org.department, "居住证办理指南", answer="携带身份证、租房合同到派出所办理。")


def login(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def form_of(article: Article, **changes: str) -> dict:
    """What the change form posts back, as it was rendered for the article's latest version."""
    version = article.latest_version
    form = {"is_public": "on" if article.is_public else "", "valid_from": article.valid_from.isoformat(),
            "valid_until": article.valid_until.isoformat() if article.valid_until else "",
            "title": version.title, "answer": version.answer, "body": version.body, "keywords": version.keywords,
            "change_note": "", "publish": "on", "based_on": str(version.number),
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    form |= changes
    return {k: v for k, v in form.items() if v != "" or k in ("valid_until", "keywords", "change_note")}


def maintainer(name: str):  # noqa: ANN201
    return login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, username=name))


def test_the_change_form_carries_the_latest_version_number(article) -> None:  # noqa: ANN001
    page = maintainer("alice").get(reverse("admin:kb_article_change", args=[article.pk])).content.decode()
    assert 'name="based_on"' in page and 'value="1"' in page


def test_a_stale_save_is_refused_and_the_newer_version_stays(article) -> None:  # noqa: ANN001
    url = reverse("admin:kb_article_change", args=[article.pk])
    alice, bob = maintainer("alice"), maintainer("bob")
    alice_form = form_of(article, keywords="居住证 暂住证", change_note="补关键词")
    bob_form = form_of(article, answer="2026年起可在网上预约，携带身份证到派出所办理。", change_note="政策变化")
    assert bob.post(url, bob_form).status_code == 302

    response = alice.post(url, alice_form)

    assert response.status_code == 200  # the form again, with the reason
    assert "已有新版本" in response.content.decode()
    article.refresh_from_db()
    assert article.latest_version.number == 2 and "网上预约" in article.published_version.answer


def test_a_save_based_on_the_latest_version_goes_through(article) -> None:  # noqa: ANN001
    url = reverse("admin:kb_article_change", args=[article.pk])
    assert maintainer("alice").post(url, form_of(article, answer="新口径。")).status_code == 302
    article.refresh_from_db()
    assert article.published_version.number == 2 and article.published_version.answer == "新口径。"


def test_a_new_article_needs_no_version(org) -> None:  # noqa: ANN001
    data = {"kind": "faq", "owner_unit": org.department.pk, "is_public": "on", "valid_from": "2024-01-01",
            "valid_until": "", "title": "新知识", "answer": "答复。", "body": "正文。", "keywords": "",
            "change_note": "", "publish": "on", "based_on": "",
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    assert maintainer("alice").post(reverse("admin:kb_article_add"), data).status_code == 302
    assert Article.objects.filter(versions__title="新知识").exists()


def _unit_admin(org):  # noqa: ANN001, ANN202
    user = UserFactory(role=Role.UNIT_ADMIN, units=[org.street_a], is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="kb",
                                                         codename__in=["view_article", "change_article",
                                                                       "add_article"]))
    return user


def test_unit_staff_with_admin_rights_cannot_open_or_rewrite_an_article(org, article) -> None:  # noqa: ANN001
    client = login(_unit_admin(org))
    url = reverse("admin:kb_article_change", args=[article.pk])
    assert client.get(url).status_code in (302, 403)
    assert client.get(reverse("admin:kb_article_changelist")).status_code in (302, 403)
    assert client.get(reverse("admin:kb_article_add")).status_code in (302, 403)
    client.post(url, form_of(article, answer="街道改写的市级部门口径。"))
    article.refresh_from_db()
    assert article.published_version.number == 1 and article.published_version.answer != "街道改写的市级部门口径。"


def test_a_supervisor_with_admin_rights_maintains_articles(org, article) -> None:  # noqa: ANN001
    user = UserFactory(role=Role.SUPERVISOR, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="kb",
                                                         codename__in=["view_article", "change_article"]))
    url = reverse("admin:kb_article_change", args=[article.pk])
    assert login(user).post(url, form_of(article, answer="督办员修订的口径。")).status_code == 302
    article.refresh_from_db()
    assert article.published_version.answer == "督办员修订的口径。"
