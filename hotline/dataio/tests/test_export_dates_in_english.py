"""A period the export page cannot read is explained in the reader's language; `hotline export` stays Chinese."""

from __future__ import annotations

import html
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _english(user) -> Client:  # noqa: ANN001
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def _error(response) -> str:  # noqa: ANN001
    """The refusal said above the form (`dataio/export.html`: `<li class="error">`)."""
    match = re.search(r'<li class="error">(.*?)</li>', response.content.decode(), re.S)
    assert match, "the page says why"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.mark.parametrize(("params", "expected"), [
    ({"since": "yesterday"}, 'Date not recognised: "yesterday" (e.g. 2024-05-01 or 2024-05-01T08:00)'),
    ({"until": "9999-12-31"}, 'Date "9999-12-31" out of range (the year must lie between 2000 and 2100)'),
    ({"since": "1800-01-01"}, 'Date "1800-01-01" out of range (the year must lie between 2000 and 2100)'),
])
def test_the_english_export_page_explains_a_bad_date_in_english(staff, frozen_now, params, expected) -> None:  # noqa: ANN001
    response = _english(staff["supervisor"]).get("/data/export/", {"format": "open311-csv", **params})
    assert response.status_code == 400
    error = _error(response)
    assert error == expected and not CJK.search(error)


def test_the_chinese_export_page_still_explains_it_in_chinese(staff, frozen_now) -> None:  # noqa: ANN001
    client = Client()
    client.force_login(staff["supervisor"])
    response = client.get("/data/export/", {"format": "open311-csv", "since": "2101-01-01"})
    assert response.status_code == 400
    assert _error(response) == "日期「2101-01-01」超出范围（年份应在 2000–2100 之间）"


def test_the_command_line_export_keeps_its_chinese_refusals() -> None:
    """Like every `hotline` command, `hotline export` speaks the default language (no request, no switch)."""
    with pytest.raises(CommandError, match=r"^无法识别的日期「yesterday」（例：2024-05-01 或 2024-05-01T08:00）$"):
        call_command("export", "--format", "json", "--output", "-", "--since", "yesterday",
                     stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match=r"^日期「1800-01-01」超出范围（年份应在 2000–2100 之间）$"):
        call_command("export", "--format", "json", "--output", "-", "--until", "1800-01-01",
                     stdout=StringIO(), stderr=StringIO())
