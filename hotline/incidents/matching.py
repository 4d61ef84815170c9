"""Does a caller's matter belong to a published incident (突发事件匹配)? Plain functions, no database.

A matter matches an incident when all three hold:

1. **time** — the incident has begun by the moment (the order's registration, or now at intake); it stays
   live past its expected end until someone ends it (`overran` flags that), and the intake notice also shows
   one not begun yet (`planned`, `match_one(ahead=True)`);
2. **area** — the incident has no areas (the whole city); or the matter's most precise place (community,
   else street, else district) is one of the incident's areas or lies below one (materialised `path`
   prefixes, as `HandlingUnit.objects.subtree_of`); or the matter has no place, or only a coarser one that
   contains an incident area (a district when the incident is one street of it), and the name of one of
   the incident's areas occurs in its text (e.g. 「桂花坪街道」 in the address). A place elsewhere never fits;
3. **subject** — one of the incident's keywords occurs in the title, description or address (case and width
   folded),
   or the matter's category is the incident's category or lies below it.

The loaders (`selectors.published_incidents`, `selectors.matter_of_ticket`) turn rows into these values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

#: What separates keywords: white space, ASCII and Chinese commas, 顿号, semicolons.
_SEPARATORS = re.compile(r"[\s,，、;；/／|]+")
#: Suffixes that name a district government rather than the place (A2区人民政府 → A2区).
_GOVERNMENT = ("人民政府", "政府")
#: What is left of a name after its district prefix that names no place by itself (高新区街道 → 街道).
_BARE = frozenset({"街道", "社区", "乡", "镇", "村", "居委会", "村委会"})
#: White space, ignored when looking for the script in an answer (agents re-wrap lines).
_SPACE = re.compile(r"\s+")


def split_keywords(text: str) -> list[str]:
    """The keywords of a line like 「停水，没水 水压低」, in order, each once."""
    return list(dict.fromkeys(k for k in _SEPARATORS.split(text or "") if k))


def place_names(name: str) -> tuple[str, ...]:
    """The names a place goes by in a caller's words: 「A2区桂花坪街道」 is also 「桂花坪街道」,
    「A2区人民政府」 is also 「A2区」. Names shorter than two characters are left out."""
    names = [name]
    for suffix in _GOVERNMENT:
        if name.endswith(suffix):
            names.append(name[: -len(suffix)])
            break
    for mark in ("区", "县"):
        head, found, tail = name.rpartition(mark)
        if found and head and tail not in _BARE and not tail.endswith(_GOVERNMENT):
            names.append(tail)
    return tuple(dict.fromkeys(n for n in names if len(n) >= 2))


@dataclass(frozen=True)
class LiveIncident:
    """A published incident as matching needs it (and as the intake notice shows it)."""

    id: int
    title: str
    script: str
    keywords: tuple[str, ...]
    category_id: int | None
    area_paths: tuple[str, ...]
    area_names: tuple[str, ...]
    starts_at: datetime
    expected_end: datetime | None = None
    lead_unit: str = ""


@dataclass(frozen=True)
class Matter:
    """What is known of one caller's matter: the words (title, description, address), the most precise
    place's `path` ("" when none) and the category with its parents (empty when none)."""

    text: str
    place_path: str = ""
    category_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, *, title: str = "", description: str = "", address: str = "", place_path: str = "",
           category_ids: Iterable[int] = ()) -> Matter:
        """A matter from its parts."""
        text = "\n".join(part for part in (title, description, address) if part)
        return cls(text=text, place_path=place_path or "", category_ids=frozenset(category_ids))


@dataclass(frozen=True)
class Match:
    """An incident a matter matches, and why: the keyword found ("" when none) or the category."""

    incident: LiveIncident
    keyword: str = ""
    by_category: bool = False


def in_window(incident: LiveIncident, at: datetime) -> bool:
    """Whether the incident has begun at `at`. It stays live until someone ends it: the expected end is what the
    script tells callers, and an outage that overruns it is when the calls peak (`overran` says so)."""
    return incident.starts_at <= at


def overran(incident: LiveIncident, at: datetime) -> bool:
    """Whether the incident's expected end has passed while it is still published (the script may need updating)."""
    return incident.expected_end is not None and at > incident.expected_end


def planned(incident: LiveIncident, at: datetime) -> bool:
    """Whether the incident has not begun yet (a planned outage announced ahead: callers ask about it)."""
    return at < incident.starts_at


def area_fits(incident: LiveIncident, matter: Matter) -> bool:
    """Whether the matter's place fits the incident's areas (see the module's rule 2)."""
    if not incident.area_paths:
        return True
    place = matter.place_path
    if place:
        if any(place.startswith(area) for area in incident.area_paths):
            return True
        if not any(area.startswith(place) for area in incident.area_paths):
            return False  # somewhere else altogether
    return any(name in matter.text for name in incident.area_names)


def _folded(text: str) -> str:
    """Full-width letters and digits as ASCII, and no case: 「１０ｋＶ」 and 「10kv」 read the same."""
    return unicodedata.normalize("NFKC", text).casefold()


def keyword_found(incident: LiveIncident, matter: Matter) -> str:
    """The first of the incident's keywords that occurs in the matter's words ("" when none)."""
    text = _folded(matter.text)
    return next((k for k in incident.keywords if _folded(k) in text), "")


def category_fits(incident: LiveIncident, matter: Matter) -> bool:
    """Whether the matter's category is the incident's or lies below it."""
    return incident.category_id is not None and incident.category_id in matter.category_ids


def match_one(incident: LiveIncident, matter: Matter, at: datetime, *, ahead: bool = False) -> Match | None:
    """The match of one incident, or None (time, area, then keyword or category); `ahead` also takes one that has
    not begun yet (the intake notice shows planned outages; a registered call is linked only once it began)."""
    if not (ahead or in_window(incident, at)) or not area_fits(incident, matter):
        return None
    keyword, by_category = keyword_found(incident, matter), category_fits(incident, matter)
    if not keyword and not by_category:
        return None
    return Match(incident, keyword, by_category)


def matches(incidents: Sequence[LiveIncident], matter: Matter, at: datetime, *, ahead: bool = False) -> list[Match]:
    """Every incident the matter matches at `at`, in the given order (`ahead`: planned ones too)."""
    found = (match_one(incident, matter, at, ahead=ahead) for incident in incidents)
    return [m for m in found if m is not None]


def answered_by_script(script: str, answer: str) -> bool:
    """Whether an answer contains the incident's script (white space aside): the agent answered with it."""
    needle = _SPACE.sub("", script or "")
    return bool(needle) and needle in _SPACE.sub("", answer or "")
