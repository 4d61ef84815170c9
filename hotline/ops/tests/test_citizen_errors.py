"""Citizens' pages answer their own errors: a portal 404, and a failed CSRF check gives the form back."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory

from hotline.ops.errors import csrf_failure
from hotline.taxonomy.choices import RequestType
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

FORM = {"request_type": RequestType.COMPLAINT, "title": "", "description": "楼道灯坏了三天，老人上下楼很危险",
        "address": "东华门街道多福巷 12 号", "name": "王女士", "phone": "138 1234 5678"}


def test_a_missing_faq_article_leads_back_to_the_portal_not_the_staff_login() -> None:
    response = Client().get("/kb/faq/no-such-article/")
    page = response.content.decode()
    assert response.status_code == 404 and "返回首页" in page and 'href="/portal/"' in page
    assert "返回工作台" not in page


def test_staff_paths_keep_the_staff_404() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "返回工作台" in response.content.decode()


def test_a_submission_refused_by_the_csrf_check_comes_back_with_what_was_typed() -> None:
    response = Client(enforce_csrf_checks=True).post("/portal/submit/", FORM)
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期，本次提交没有发送" in page
    assert "楼道灯坏了三天，老人上下楼很危险" in page and "东华门街道多福巷 12 号" in page
    assert 'name="csrfmiddlewaretoken"' in page  # a fresh token: sending it again works
    assert not Ticket.objects.exists()


def test_other_citizen_posts_refused_by_the_csrf_check_get_a_way_back() -> None:
    response = Client(enforce_csrf_checks=True).post("/portal/rate/some-token/", {"resolved": "yes"})
    assert response.status_code == 403 and "页面已过期" in response.content.decode()
    staff = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert staff.status_code == 403 and "本次提交没有发送" not in staff.content.decode()  # no portal form


def test_a_staff_post_refused_by_the_csrf_check_gets_the_products_expired_page() -> None:
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "This page has expired" in page and "浏览器后退" in page
    assert "DEBUG" not in page and 'lang="zh-Hans"' in page


def test_a_program_refused_by_the_csrf_check_gets_json() -> None:
    response = csrf_failure(RequestFactory().post("/api/v1/orders/"), reason="CSRF cookie not set.")
    assert response.status_code == 403 and json.loads(response.content)["error"]["code"] == "page_expired"
