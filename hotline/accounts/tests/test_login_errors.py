"""Sign-in says why it refused: a blank user name or password is named at its field (the ids the inputs'
aria-describedby point at) and in an error summary (role="alert"), as a wrong password is."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User

pytestmark = pytest.mark.django_db

REQUIRED = {"zh-hans": "这个字段是必填项。", "en": "This field is required."}


def _sign_in(data: dict, lang: str = "zh-hans") -> str:
    client = Client()
    client.cookies["django_language"] = lang
    response = client.post(reverse("login"), data)
    assert response.status_code == 200
    return response.content.decode()


def _described_by(page: str, name: str) -> list[str]:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    found = re.search(r'aria-describedby="([^"]*)"', tag)
    return found.group(1).split() if found else []


def _summary(page: str) -> str:
    found = re.search(r'<div class="error-summary"[^>]*>.*?</div>', page, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_blank_fields_are_named_at_the_field_and_in_the_summary(lang: str) -> None:
    page = _sign_in({"username": "", "password": ""}, lang)
    for name in ("username", "password"):
        refs = _described_by(page, name)
        assert refs == [f"id_{name}_error"]
        error = re.search(rf'<span class="ferr" id="id_{name}_error">([^<]*)</span>', page)
        assert error and error.group(1) == REQUIRED[lang]
    summary = _summary(page)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary
    assert '<a href="#id_username">' in summary and '<a href="#id_password">' in summary
    assert summary.count(REQUIRED[lang]) == 2


def test_only_the_blank_field_is_named() -> None:
    page = _sign_in({"username": "agent9", "password": ""})
    assert 'id="id_password_error"' in page and 'id="id_username_error"' not in page
    assert '<a href="#id_password">' in _summary(page) and "#id_username" not in _summary(page)


def test_a_wrong_password_is_said_in_the_summary() -> None:
    user = User.objects.create(username="agent9", role="intake")
    user.set_password("right-password-1")
    user.save()
    page = _sign_in({"username": "agent9", "password": "wrong"})
    summary = _summary(page)
    assert 'role="alert"' in summary and "请输入一个正确的" in summary
    assert "_error" not in page.split('<form method="post" action="/accounts/login/"', 1)[1]


def test_the_first_visit_shows_no_error() -> None:
    page = Client().get(reverse("login")).content.decode()
    assert not _summary(page) and 'class="ferr"' not in page
