"""The English UI (界面英文翻译): key labels and pages translate, and the English catalogue is complete.

The msgids are the Chinese source strings; `hotline/locale/en/LC_MESSAGES/django.po` holds the English
ones and `django.mo` is its compiled form (committed, since CI has no GNU gettext). An app may keep its own
catalogue in `hotline/<app>/locale/en/LC_MESSAGES/django.po` (Django reads every installed app's `locale`);
the checks below cover every catalogue, and a marked string must be in one of them. The catalogue tests
below need no gettext either: they read the .po with a tiny parser, read the .mo with the standard
library, and find the strings the code marks for translation with Django's own `templatize` and `ast`.
When one fails, refresh the catalogue as docs/i18n.md says (makemessages, translate, compilemessages).
"""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation.template import templatize

from hotline.tickets.choices import Action, Status

ROOT = Path(settings.BASE_DIR)
PACKAGE = ROOT / "hotline"
MESSAGES = PACKAGE / "locale" / "en" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Folders makemessages is told to skip (see docs/i18n.md), plus migrations (no gettext calls there).
SKIPPED = {".venv", "var", "tests", "staticfiles", "migrations", "__pycache__", "node_modules"}


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """LocaleMiddleware activates a request's language for the whole thread and never deactivates it;
    without this, the English requests below would leak English into whatever test runs next."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


# --- a tiny .po reader -----------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header (msgid "") included, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key: tuple[str, int] | None = None
    for number, raw in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if entry is not None and not line:
                entries.append(entry)
                entry, key = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry.msgctxt, key = _unquote(line[8:]), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, key = _unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            entry.msgid, key = _unquote(line[6:]), ("msgid", 0)
        elif line.startswith("msgstr["):
            index = int(line[7:line.index("]")])
            entry.msgstr[index], key = _unquote(line[line.index("]") + 1:]), ("msgstr", index)
        elif line.startswith("msgstr "):
            entry.msgstr[0], key = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and key is not None:
            name, index = key
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


#: The project catalogue first, then the apps' own.
CATALOGUES = [PO, *sorted(p for p in PACKAGE.glob("*/locale/en/LC_MESSAGES/django.po"))]


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    found: list[Entry] = []
    for po in CATALOGUES:
        entries = read_po(po)
        assert entries and entries[0].msgid == "", f"{po} should start with its header"
        found.extend(entries[1:])
    return found


# --- what the code marks for translation ------------------------------------------------------------------

_GETTEXT = {"gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
            "pgettext_lazy", "npgettext", "npgettext_lazy", "_", "_lazy"}


def _msgid_of(name: str, args: list[str]) -> str | None:
    """The msgid of one gettext-like call, given its leading string arguments."""
    if name.startswith(("pgettext", "npgettext")):
        return args[1] if len(args) > 1 else None
    return args[0] if args else None


def _source_files(suffixes: tuple[str, ...], base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*") if p.is_file() and p.suffix in suffixes
                  and not SKIPPED.intersection(p.relative_to(ROOT).parts))


def python_msgids() -> dict[str, str]:
    """msgid → first place, for every gettext call with a literal argument in the project's Python."""
    found: dict[str, str] = {}
    for path in _source_files((".py",), PACKAGE):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in _GETTEXT:
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            msgid = _msgid_of(name, args)
            if msgid:
                found.setdefault(msgid, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def template_msgids() -> dict[str, str]:
    """msgid → first place, for every {% translate %}/{% blocktranslate %} (and _("…")) in the templates.

    Django's `templatize` turns a template into the Python-like text makemessages hands to xgettext;
    its gettext calls are read here with the tokenizer instead.
    """
    found: dict[str, str] = {}
    for path in _source_files((".html", ".txt"), PACKAGE):
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        code = "\n".join(line.lstrip() for line in code.splitlines())  # indentation means nothing here
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline)
                  if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
        for i, tok in enumerate(tokens[:-1]):
            if tok.type != tokenize.NAME or tok.string not in _GETTEXT or tokens[i + 1].string != "(":
                continue
            args: list[str] = []
            for arg in tokens[i + 2:]:
                if arg.type == tokenize.STRING:
                    args.append(ast.literal_eval(arg.string))
                elif arg.string != ",":
                    break
            msgid = _msgid_of(tok.string, args)
            if msgid:
                found.setdefault(msgid, f"{path.relative_to(ROOT)}:{tok.start[0]}")
    return found


# --- labels and templates under translation.override("en") ------------------------------------------------


def test_status_and_action_labels_translate() -> None:
    with translation.override("en"):
        assert str(Status.IN_PROGRESS.label) == "In progress"
        assert str(Status.DISPATCHED.label) == "Awaiting acceptance"
        assert str(Action.DISPATCH.label) == "Dispatch"
        assert str(Action.SUPERVISE.label) == "Reminder/supervision"
        assert str(Action.APPEAL.label) == "Assessment appeal"
    with translation.override("zh-hans"):
        assert str(Status.IN_PROGRESS.label) == "办理中"
        assert str(Action.DISPATCH.label) == "派单"


def test_placeholders_survive_translation() -> None:
    with translation.override("en"):
        text = translation.gettext("工单 %(number)s") % {"number": "20240101-0001"}
        assert text == "Work order 20240101-0001"
        assert translation.ngettext("共 %(counter)s 件", "共 %(counter)s 件", 1) % {"counter": 1} == "1 work order"
        assert translation.ngettext("共 %(counter)s 件", "共 %(counter)s 件", 3) % {"counter": 3} == "3 work orders"


def test_a_template_renders_in_english() -> None:
    context = {"number": "20240101-0001", "query_code": "A1B2C3", "track_url": "https://x.test/t"}
    with translation.override("en"):
        sms = render_to_string("notifications/sms/accepted.txt", context)
    assert "Your request has been registered. Work order 20240101-0001, query code A1B2C3." in sms
    assert not CJK.search(sms)
    with translation.override("zh-hans"):
        assert "您的诉求已受理" in render_to_string("notifications/sms/accepted.txt", context)


# --- choosing the language per request --------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "用户名" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_language_cookie_switches_the_login_page_to_english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html and "Password" in html
    assert "用户名" not in html


@pytest.mark.django_db
def test_accept_language_header_is_honoured(client) -> None:
    html = client.get("/accounts/login/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert "Sign in" in html


@pytest.mark.django_db
def test_the_switch_form_sets_the_cookie(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Sign in" in client.get("/accounts/login/").content.decode()


# --- the catalogue is complete and compiled ---------------------------------------------------------------


def test_po_has_no_untranslated_or_fuzzy_entries(catalogue: list[Entry]) -> None:
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in catalogue if not e.msgstr or not all(e.msgstr.values())]
    assert not fuzzy, f"fuzzy entries in {PO.relative_to(ROOT)} (check and drop the flag): {fuzzy}"
    assert not untranslated, f"untranslated entries in {PO.relative_to(ROOT)}: {untranslated}"


def test_translations_keep_placeholders_and_are_english(catalogue: list[Entry]) -> None:
    placeholder = re.compile(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}")
    for entry in catalogue:
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 else (entry.msgid_plural or entry.msgid)
            assert sorted(set(placeholder.findall(text))) == sorted(set(placeholder.findall(source))), entry.msgid
            assert not CJK.search(text), f"Chinese left in the English of {entry.msgid!r}: {text!r}"


def test_every_marked_string_is_in_the_catalogue(catalogue: list[Entry]) -> None:
    """A string wrapped in gettext/{% translate %} but missing from the .po means makemessages was not run."""
    known = {e.msgid for e in catalogue}
    marked = {**template_msgids(), **python_msgids()}
    assert len(marked) > 100, "the extraction found suspiciously few strings"
    missing = {msgid: where for msgid, where in marked.items() if msgid not in known}
    assert not missing, f"run makemessages and translate (docs/i18n.md); not in the .po: {missing}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_mo_is_compiled_from_the_current_po(po: Path) -> None:
    """django.mo is committed; it must hold every translation of django.po, as compilemessages writes it."""
    with po.with_suffix(".mo").open("rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    stale = []
    for entry in read_po(po)[1:]:
        if entry.msgid_plural is not None:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            want = [entry.msgstr[0], entry.msgstr[1]]
        elif entry.msgctxt is not None:
            got, want = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr[0]
        else:
            got, want = compiled.gettext(entry.msgid), entry.msgstr[0]
        if got != want:
            stale.append(entry.msgid)
    assert not stale, f"{po.with_suffix('.mo')} is out of date; run compilemessages (docs/i18n.md): {stale}"


def test_djangos_misleading_nul_message_is_overridden_in_chinese() -> None:
    """Django's own zh_Hans text for a NUL character (「不允许是用空字符串。」) is replaced by hotline/locale/zh_Hans."""
    from django import forms
    from django.core.exceptions import ValidationError
    from django.utils import translation

    for language, message in (("zh-hans", "不能包含空字符（NUL），请删除后重新提交。"),
                              ("en", "Null characters are not allowed.")):
        with translation.override(language):
            with pytest.raises(ValidationError) as refused:
                forms.CharField().clean("路灯\x00不亮")
            assert [str(m) for m in refused.value.messages] == [message]
