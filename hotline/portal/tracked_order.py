"""The order last chased in this browser, for the result page after the chase (Post/Redirect/Get).

Its number and query code are kept in the server-side session for a short time (never in a URL), so the page
can be reloaded or shown in another language. What the chase did is kept once (a flash): a reload shows the
plain tracking result, not "already chased today" as if it answered a new chase.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

KEY = "portal_tracked"
#: How long the result page can be reloaded after a chase.
KEEP_FOR = timedelta(minutes=30)
#: The outcome the page's 催办 card says itself (already chased this working day, the unit awaits the citizen).
CARD = "card"


@dataclass(frozen=True)
class Kept:
    """The tracked order (number, query code) and what the chase did ("" once it has been shown)."""

    number: str
    query_code: str
    outcome: str


def remember(request: HttpRequest, number: str, query_code: str, outcome: str) -> None:
    """Keep the order just chased and the chase's outcome, to show once."""
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
