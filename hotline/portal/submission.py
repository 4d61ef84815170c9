"""One-time tokens of the portal's forms (我要反映, 表扬): a form posted twice registers one order.

Every rendered form carries a fresh token (`issue`) in a hidden field; the view claims it atomically before
registering (`claim`, a cache add shared by every web process, under `hotline.workbench.once.key`) and
remembers the order's number (`remember`), so a repeat of the same token (a double click, a phone resending
the post) shows the first receipt again instead of registering a second order and sending a second text. A
post without a token the portal issued (a page older than this rule, a script, a forged value) registers
nothing: the form comes back with what was typed.

Who may see the receipt again: whoever posts the token. The token is the secret of the page that was served to
that browser (random, signed, never in a URL, on a page that is not cached, `autocomplete="off"`), so posting
it proves having had that page. The replay is not tied to the session on purpose: in a real double click the
second post leaves before the answer to the first (which starts the session) arrives, and the browser shows
only the second answer — tied to the session, that answer could not show the receipt, and the citizen would
never see the query code. The query code is shown again only for `REPLAY_SECONDS` after the order was
registered (the time a retry or a double click takes); later repeats show the number only.

Same page, different request: the token is kept with a fingerprint of the first post's cleaned fields
(`fingerprint`). A citizen who submits, goes Back (the restored page keeps the hidden token), writes another
request and submits posts the same token with other content: that is not a repeat, so it is not answered with
the first receipt — the view refuses it with the form as typed and a fresh token, and the next click sends it.

A post that dies between claiming the token and remembering the number (a worker killed) must not block the
page for a day: the claim is a short-lived marker (`CLAIM_SECONDS`); once it lapses, the form can be sent
again. A repeat waits at most `PENDING_WAIT` for the first post (less than a worker's patience).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from hotline.workbench import once as one_time

#: The hidden field of the token (the one `hotline.workbench.once` reads).
FIELD = one_time.FIELD
#: How long after registering a repeated post still shows the query code.
REPLAY_SECONDS = 10 * 60
#: How long a repeated post waits for the first one, still registering, to finish (seconds): well below a
#: web worker's timeout, since the wait holds the worker.
PENDING_WAIT = 1.5
#: How long the claim of a token lasts before the first post remembers its order number (seconds). A post
#: that died in between (a killed worker) leaves a claim that lapses after this, so the page can be sent
#: again; longer than any registration may take (gunicorn kills a stuck worker after 30 s, its default).
CLAIM_SECONDS = 60
_POLL = 0.2
_SALT = "hotline.portal.submission"


def _mac(nonce: str) -> str:
    return salted_hmac(_SALT, nonce, algorithm="sha256").hexdigest()[:16]


def issue() -> str:
    """A fresh token for one rendered form: 16 random hex digits and their 16-digit signature."""
    nonce = secrets.token_hex(8)
    return nonce + _mac(nonce)


def issued(token: str) -> bool:
    """Whether the portal issued this token (its signature checks); a forged or mangled one did not."""
    return len(token) == 32 and hmac.compare_digest(token[16:], _mac(token[:16]))


def posted(request: HttpRequest) -> str:
    """The token the form posted if the portal issued it, else ''."""
    token = one_time.posted_token(request)
    return token if token and issued(token) else ""


def key(request: HttpRequest, scope: str) -> str | None:
    """The one-time key of the posted form in `scope` (submit, praise); None without an issued token."""
    return one_time.key(request, scope) if posted(request) else None


def for_page(request: HttpRequest) -> str:
    """The token a form page carries: the posted one when the same form comes back (not claimed, or given back
    after a refusal), so a double click on the corrected form still registers once; else a fresh one."""
    return posted(request) or issue()


def _part(value: Any) -> str:
    """One cleaned value as text for the fingerprint: a unit by its id, a photo by its content."""
    if isinstance(value, list | tuple):
        return "[" + ",".join(_part(item) for item in value) + "]"
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)  # the service reads it again
        return f"file:{digest.hexdigest()}"
    if isinstance(value, Model):
        return f"{value._meta.label}:{value.pk}"
    return repr(value)


def fingerprint(cleaned: Mapping[str, Any]) -> str:
    """A hash of a valid form's cleaned fields: the same request posted again has the same one."""
    text = "\n".join(f"{name}={_part(cleaned[name])}" for name in sorted(cleaned))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class First:
    """What the first post of a token did: its order number ('' while it is still registering) and the
    fingerprint of its content ('' when unknown: a claim made before fingerprints were kept)."""

    number: str
    content: str

    def same_request(self, content: str) -> bool:
        """Whether a post with this fingerprint repeats the first one ('' for an invalid form: never)."""
        return not self.content or self.content == content


def _stored(number: str, content: str) -> str:
    return f"{number}:{content}"


def _read(value: str) -> First:
    number, _sep, content = value.partition(":")
    return First(number, content)


def claim(once: str, content: str) -> bool:
    """Take the token for this post before registering (the claim lapses after `CLAIM_SECONDS`); False when
    another post of the same page holds it or has registered."""
    return cache.add(once, _stored("", content), CLAIM_SECONDS)


def remember(once: str, number: str, content: str) -> None:
    """The first post registered `number`: kept with its content's fingerprint for `one_time.ONCE_SECONDS`."""
    one_time.remember(once, _stored(number, content))


def outcome(once: str, content: str = "", wait: float | None = None) -> First | None:
    """What the first post of this token did, waiting a little (`PENDING_WAIT`) while it is still registering
    the same content; None when nobody holds the token (given back after a refusal, or its claim lapsed)."""
    deadline = time.monotonic() + (PENDING_WAIT if wait is None else wait)
    while True:
        value = one_time.recall(once)
        if value is None:
            return None
        first = _read(value)
        if first.number or not first.same_request(content) or time.monotonic() >= deadline:
            return first
        time.sleep(_POLL)
