"""Full-width punctuation (全角标点) follows the UI language.

The templates used to put `：`, `（…）`, `；`, `，`, `、` next to translated strings or values, outside any
`{% translate %}`, so the English UI read "Population：…" or "title（status；reason）". A separator next to a
tag is now `{% translate "：" %}` (English ": ", see the global catalogue), a filter argument `_("、")`, or sits
inside the `{% blocktranslate %}` of its phrase. The SMS templates (`notifications/`) are Chinese by design
and all their text is inside `{% blocktranslate %}` anyway; they are allowed as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.tickets.tests.factories import UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "hotline" / "templates"
#: Template folders whose text may keep Chinese punctuation as it is.
ALLOWED = ("notifications/",)
FULL_WIDTH = "：（）；，、。！？「」【】《》"

_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)
#: A whole {% blocktranslate %}…{% endblocktranslate %} counts as one tag; so does any other tag or variable.
_TAG = re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
_TRANSLATED = re.compile(r"\{%\s*(?:trans|translate|blocktrans|blocktranslate)\b")
#: A string literal in a tag (e.g. `join:"、"`) not marked `_("…")`.
_LITERAL = re.compile(r"""(?<!_\()(["'])([^"'\n]*?)\1""")
#: What may stand between a punctuation mark and its tag: spaces, HTML tags, other punctuation.
_FILLER = re.compile(rf"(?:\s|<[^<>]*>|[{FULL_WIDTH}])*")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def offences(source: str) -> list[tuple[int, str]]:
    """(line, excerpt) of every full-width mark outside translation that touches a template tag or variable."""
    text = _COMMENT.sub(_blank, source)
    tags = list(_TAG.finditer(text))
    found: list[int] = []
    for tag in tags:
        if _TRANSLATED.match(tag.group(0)):
            continue
        found += [tag.start() + lit.start() for lit in _LITERAL.finditer(tag.group(0))
                  if any(c in FULL_WIDTH for c in lit.group(2))]
    edges = [0, *[i for tag in tags for i in tag.span()], len(text)]
    for start, end in zip(edges[::2], edges[1::2], strict=True):  # the text between two tags
        for i in range(start, end):
            if text[i] not in FULL_WIDTH:
                continue
            before = _FILLER.fullmatch(text, start, i) is not None and start > 0
            after = _FILLER.fullmatch(text, i + 1, end) is not None and end < len(text)
            if before or after:
                found.append(i)
    return [(source.count("\n", 0, i) + 1, source[max(0, i - 30):i + 30].replace("\n", " ")) for i in found]


def _templates() -> Iterator[tuple[str, str]]:
    for path in sorted(TEMPLATES.rglob("*")):
        name = path.relative_to(TEMPLATES).as_posix()
        if path.is_file() and path.suffix in (".html", ".txt") and not name.startswith(ALLOWED):
            yield name, path.read_text(encoding="utf-8")


# --- the scanner itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize("snippet", [
    '{% translate "统计范围" %}：{{ kpi.population_text }}',
    "{{ t.title }}（{{ t.get_status_display }}；{{ match.reason }}）",
    '<a href="#x">{{ field.label }}</a>：{{ error }}',
    '<strong>{% translate "诉求" %}：</strong>',
    "{{ user.units.all|join:\"、\" }}",
    '{% if a %}（{% blocktranslate %}上期 {{ n }} 件{% endblocktranslate %}）{% endif %}',
])
def test_the_scanner_finds_bare_punctuation(snippet: str) -> None:
    assert offences(snippet)


@pytest.mark.parametrize("snippet", [
    '{% translate "统计范围" %}{% translate "：" %}{{ kpi.population_text }}',
    '{% translate "统计范围：" %}',
    "{% blocktranslate with reason=r %}终止办理（{{ reason }}）{% endblocktranslate %}",
    '{{ user.units.all|join:_("、") }}',
    "{# 注：这里是说明 #}{{ x }}",
])
def test_the_scanner_passes_translated_punctuation(snippet: str) -> None:
    assert not offences(snippet)


# --- the templates ------------------------------------------------------------------------------------------


def test_no_bare_full_width_punctuation_next_to_tags() -> None:
    found = [f"hotline/templates/{name}:{line}: {excerpt}" for name, source in _templates()
             for line, excerpt in offences(source)]
    assert not found, ("full-width punctuation outside {% translate %} shows in the English UI; use "
                       '{% translate "：" %} (or _("、") in a filter argument):\n' + "\n".join(found))


# --- pages in English -----------------------------------------------------------------------------------


@pytest.fixture
def leader(db) -> Iterator[Client]:  # noqa: ANN001
    before = translation.get_language()
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    yield client
    translation.activate(before) if before else translation.deactivate()  # LocaleMiddleware leaks it


def _page(client: Client, path: str, language: str, **query: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(path, query).content.decode()


def test_indicator_orders_page_in_english_has_no_chinese_punctuation(leader: Client) -> None:
    html = _page(leader, "/kpis/orders/", "en", kpi="on_time", month="2025-03", part="den")
    assert "Population: " in html and "Exclusions: " in html
    assert not re.search(f"[{FULL_WIDTH}]", html), re.findall(f".{{0,40}}[{FULL_WIDTH}].{{0,20}}", html)
    chinese = _page(leader, "/kpis/orders/", "zh-hans", kpi="on_time", month="2025-03", part="den")
    assert "统计范围：" in chinese and "剔除：" in chinese


def test_refused_filter_and_assessment_pages_in_english(leader: Client) -> None:
    refused = _page(leader, "/kpis/orders/", "en", kpi="on_time", month="2025-03", unit="x")
    assert "<li>Handling unit: Select a valid choice." in refused and "：" not in refused
    assert "<li>承办单位：" in _page(leader, "/kpis/orders/", "zh-hans", kpi="on_time", month="2025-03", unit="x")
    assessment = _page(leader, "/kpis/assessment/", "en", month="2025-03")
    assert "Weights: " in assessment
    assert not re.search(f"[{FULL_WIDTH}]", assessment), re.findall(f".{{0,40}}[{FULL_WIDTH}].{{0,20}}", assessment)
    assert "权重：" in _page(leader, "/kpis/assessment/", "zh-hans", month="2025-03")
