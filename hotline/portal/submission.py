"""One-time tokens of the portal's forms (我要反映, 表扬): a form posted twice registers one order.

Every rendered form carries a fresh token (`issue`) in a hidden field; the view claims it atomically before
registering (`hotline.workbench.once.claim`, a cache add shared by every web process) and remembers the order's
number, so a repeat of the same token (a double click, a phone resending the post) shows the first receipt again
instead of registering a second order and sending a second text. A post without a token the portal issued (a
page older than this rule, a script, a forged value) registers nothing: the form comes back with what was typed.

Who may see the receipt again: whoever posts the token. The token is the secret of the page that was served to
that browser (random, signed, never in a URL, on a page that is not cached, `autocomplete="off"`), so posting
it proves having had that page. The replay is not tied to the session on purpose: in a real double click the
second post leaves before the answer to the first (which starts the session) arrives, and the browser shows
only the second answer — tied to the session, that answer could not show the receipt, and the citizen would
never see the query code. The query code is shown again only for `REPLAY_SECONDS` after the order was
registered (the time a retry or a double click takes); later repeats show the number only.
"""

from __future__ import annotations

import hmac
import secrets
import time

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from hotline.workbench import once as one_time

#: The hidden field of the token (the one `hotline.workbench.once` reads).
FIELD = one_time.FIELD
#: How long after registering a repeated post still shows the query code.
REPLAY_SECONDS = 10 * 60
#: How long a repeated post waits for the first one, still registering, to finish (seconds).
PENDING_WAIT = 5.0
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


def outcome(once: str, wait: float | None = None) -> str:
    """What the first post of this token did (the order number), waiting a little while it is still
    registering; '' if it is not done by then or gave the token back (refused)."""
    deadline = time.monotonic() + (PENDING_WAIT if wait is None else wait)
    while True:
        number = one_time.recall(once)
        if number or number is None or time.monotonic() >= deadline:
            return number or ""
        time.sleep(_POLL)
