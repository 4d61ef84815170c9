"""The order last tracked or chased in this browser, for the result page (Post/Redirect/Get).

A tracking post or a chase post with the right number and query code keeps them in the server-side session
(never in a URL) and redirects to `/portal/track/result/`, so the page can be reloaded, reached again with the
browser's Back button or shown in another language without posting again. The session is this browser's own:
another browser (another session cookie) has nothing kept and gets the tracking form. The order is kept for
`KEEP_FOR` from the post that found it (not from the last view), then the citizen types the pair again.
What a chase did is kept once (a flash): a reload shows the plain tracking result, not "already chased today"
as if it answered a new chase; a plain tracking keeps no outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

KEY = "portal_tracked"
#: How long the result page can be reloaded after the tracking or chase post that kept the order.
KEEP_FOR = timedelta(minutes=30)
#: The outcome the page's 催办 card says itself (already chased this working day, the unit awaits the citizen).
CARD = "card"


@dataclass(frozen=True)
class Kept:
    """The tracked order (number, query code) and what the chase did ("" once it has been shown)."""

    number: str
    query_code: str
    outcome: str


def remember(request: HttpRequest, number: str, query_code: str, outcome: str = "") -> None:
    """Keep the order just tracked or chased (replacing any order kept before) and the chase's outcome, to show
    once; a plain tracking has no outcome."""
    request.session[KEY] = {"number": number, "query_code": query_code, "outcome": outcome,
                            "at": timezone.now().timestamp()}


def recall(request: HttpRequest) -> Kept | None:
    """The order kept, if still fresh; its outcome is handed out once."""
    raw = request.session.get(KEY)
    try:
        kept = Kept(str(raw["number"]), str(raw["query_code"]), str(raw.get("outcome", "")))
        fresh = timezone.now().timestamp() - float(raw["at"]) <= KEEP_FOR.total_seconds()
    except (TypeError, KeyError, ValueError):
        return None
    if not fresh:
        forget(request)
        return None
    if kept.outcome:
        request.session[KEY] = {**raw, "outcome": ""}
    return kept


def forget(request: HttpRequest) -> None:
    """Drop the kept order."""
    request.session.pop(KEY, None)
