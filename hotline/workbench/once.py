"""One-time submission tokens: a page posted twice (a double click, a reload of the POST) acts once.

Each form shown carries a fresh token (`new_token`); the view claims it with `claim` before acting
and remembers what the first post did (`remember`), so a repeated post is answered with that instead
of acting again. Tokens live in Django's cache (Redis in production, shared by every web process).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.http import HttpRequest

#: How long a token remembers its first post.
ONCE_SECONDS = 24 * 3600
FIELD = "submission"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def new_token() -> str:
    return uuid.uuid4().hex


def posted_token(request: HttpRequest) -> str:
    """The token the page posted, or '' when it carries none (a script, an old page)."""
    token = request.POST.get(FIELD, "")
    return token if _TOKEN.match(token) else ""


def key(request: HttpRequest, scope: str, what: Iterable[str] = ()) -> str | None:
    """The cache key of this person's posted token in `scope`, or None without a token.

    `what` names what the post does (e.g. a bulk action and its order numbers): one page may then act
    once per distinct thing, e.g. a different batch posted from the same list after going Back.
    """
    token = posted_token(request)
    if not token:
        return None
    parts = list(what)
    if parts:
        token += ":" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"hotline:once:{scope}:{request.user.pk}:{token}"


def claim(once: str | None) -> bool:
    """Take the token for this post; False when an earlier post of the same page already took it."""
    return once is None or cache.add(once, "", ONCE_SECONDS)


def remember(once: str | None, outcome: str) -> None:
    """What the first post did (e.g. the order number), for the repeated post to point to."""
    if once is not None:
        cache.set(once, outcome, ONCE_SECONDS)


def recall(once: str | None) -> str | None:
    """What the first post of this page did ('' while it is still running), or None if nothing yet."""
    return None if once is None else cache.get(once)


def release(once: str | None) -> None:
    """Give the token back after a refusal, so the corrected page may be posted again."""
    if once is not None:
        cache.delete(once)


@contextmanager
def given_back_on_error(once: str | None) -> Iterator[None]:
    """Around the step a claimed token guards: a refusal or a crash gives the token back (`release`)."""
    try:
        yield
    except BaseException:
        release(once)
        raise
