"""Duplicates and repeats (重复件、批量/群体性诉求): text signatures and the rules that read them.

Plain Python, no Django needed (the centre's area code is passed in, else read from Django's settings when they
are configured: `phone_key`). An order's text is cut into character bigrams (Chinese has no spaces, and
bigrams are what the centre's people read as "the same words"); a MinHash signature of 32 slots
(128 bytes) estimates the Jaccard similarity of two texts without reading them again. The Django side
stores one signature per order with the caller's phone hash, the day, the level-1 category and the
place, and asks these functions whether a candidate is a repeat or part of a cluster.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from hotline.intelligence.reasons import Reason

#: Slots of a signature (each a 32-bit minimum); 32 slots estimate a Jaccard of 0.3 within ±0.08.
SLOTS = 32
_PRIME = (1 << 61) - 1
_MASK32 = 0xFFFFFFFF
# Fixed (a, b) pairs of the universal hash family (a < 2**29, b < 2**32, so a·h + b < 2**62 never overflows
# 64 bits for a 32-bit h), derived from a constant seed so every process agrees.
_A = np.array([int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "little") % (1 << 29) + 1
               for i in range(SLOTS)], dtype=np.uint64)
_B = np.array([int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "little") % (1 << 32)
               for i in range(SLOTS)], dtype=np.uint64)
_PACK = struct.Struct(f"<{SLOTS}I")
#: Characters that carry no meaning for similarity: punctuation, spaces, digits, Latin letters.
_NOISE = re.compile(r"[\s\W\d_a-zA-Z]+", re.UNICODE)
#: Words every order says; dropped so that two unrelated complaints do not look alike.
STOP_PHRASES = ("您好", "你好", "市民", "反映", "来电", "希望", "尽快", "处理", "解决", "请问", "相关部门", "谢谢",
                "请求", "要求", "问题", "情况", "我们", "本人")


def normalize(text: str) -> str:
    """The text reduced to its meaningful Chinese characters."""
    cleaned = _NOISE.sub("", text or "")
    for phrase in STOP_PHRASES:
        cleaned = cleaned.replace(phrase, "")
    return cleaned


def shingles(text: str) -> set[str]:
    """Character bigrams of the normalised text (a one-character text is its own shingle)."""
    cleaned = normalize(text)
    if len(cleaned) < 2:
        return {cleaned} if cleaned else set()
    return {cleaned[i:i + 2] for i in range(len(cleaned) - 1)}


def jaccard(a: str, b: str) -> float:
    """The exact Jaccard similarity of two texts' bigram sets (0 when either is empty)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def signature(text: str, *, limit: int = 600) -> bytes:
    """The MinHash signature (SLOTS × 32 bits) of the text's first `limit` characters; b"" for an empty text."""
    grams = shingles(text[:limit])
    if not grams:
        return b""
    hashes = np.fromiter((zlib.crc32(g.encode("utf-8")) for g in grams), dtype=np.uint64, count=len(grams))
    mins = ((np.outer(_A, hashes) + _B[:, None]) % np.uint64(_PRIME) & np.uint64(_MASK32)).min(axis=1)
    return mins.astype("<u4").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures: the share of equal slots (0 if either is empty)."""
    if len(a) != _PACK.size or len(b) != _PACK.size:
        return 0.0
    return sum(x == y for x, y in zip(_PACK.unpack(a), _PACK.unpack(b), strict=True)) / SLOTS


def similarities(sig: bytes, others: Sequence[bytes]) -> np.ndarray:
    """Estimated Jaccard similarity of one signature to many (vectorised; 0 for malformed ones)."""
    if len(sig) != _PACK.size or not others:
        return np.zeros(len(others))
    good = [o if len(o) == _PACK.size else bytes(_PACK.size) for o in others]
    matrix = np.frombuffer(b"".join(good), dtype="<u4").reshape(len(good), SLOTS)
    result = (matrix == np.frombuffer(sig, dtype="<u4")).mean(axis=1)
    result[[i for i, o in enumerate(others) if len(o) != _PACK.size]] = 0.0
    return result


#: A local landline number without its area code: 7 or 8 digits, never starting with 0 (a trunk prefix) or 1
#: (mobiles and service numbers).
_LOCAL_NUMBER = re.compile(r"[2-9]\d{6,7}")


def _area_code_setting() -> str:
    """The centre's area code, `HOTLINE_AREA_CODE`, read when asked (this module imports no Django); "" when
    Django's settings are not configured (plain Python: a benchmark, a script)."""
    try:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:  # pragma: no cover - Django is always installed with the platform
        return ""
    try:
        return str(getattr(settings, "HOTLINE_AREA_CODE", "") or "")
    except (ImproperlyConfigured, ImportError):  # no settings module named, or one that cannot be imported
        return ""


def phone_key(phone: str, *, area_code: str | None = None) -> str:
    """A stable, non-reversible key of a caller's phone number (digits only; "" when there is none).

    Only the last 11 digits count, so "+86 138-0013-8000" and "13800138000" are the same caller. A local
    landline written without its area code (7–8 digits: "84567890") gets the centre's in front (`area_code`;
    when none is given, the setting `HOTLINE_AREA_CODE`, `_area_code_setting`; "" turns this off), so it is
    the same caller as "0731-84567890".
    """
    digits = re.sub(r"\D", "", phone or "")
    code = re.sub(r"\D", "", _area_code_setting() if area_code is None else area_code)
    if code and _LOCAL_NUMBER.fullmatch(digits):
        digits = ("" if code.startswith("0") else "0") + code + digits
    digits = digits[-11:]
    if len(digits) < 5:
        return ""
    return hashlib.blake2b(digits.encode(), digest_size=8, person=b"hotline-phone").hexdigest()


def place_key(*, community_id: int | None = None, street_id: int | None = None, address: str = "") -> str:
    """Where the matter happens, as finely as known: a community, else a street, else the address text."""
    if community_id:
        return f"c{community_id}"
    if street_id:
        return f"s{street_id}"
    cleaned = normalize(address)
    return f"a{hashlib.blake2b(cleaned.encode(), digest_size=6).hexdigest()}" if len(cleaned) >= 4 else ""


@dataclass(frozen=True)
class Settings:
    """The thresholds of the rules (a centre may change every one of them)."""

    repeat_days: int = 30
    repeat_similarity: float = 0.35  # same caller, text this alike → the same matter
    repeat_similarity_same_place: float = 0.15  # … or same category and place and at least this alike
    cluster_hours: int = 24
    cluster_similarity: float = 0.3
    cluster_min_callers: int = 5
    repeat_caller_alert_at: int = 3  # the caller's n-th order on one matter alerts the shift lead
    # Orders without a number (app, web) this alike at one place within this many minutes of each other
    # are one submitter sending the same thing again, not several callers.
    anonymous_same_minutes: int = 30
    anonymous_same_similarity: float = 0.8


class Key(NamedTuple):
    """What the duplicate index keeps of one order (a tuple: hundreds are built from index rows per lookup)."""

    ticket_id: int
    phone: str
    category1: int | None
    place: str
    signature: bytes
    registered_at: datetime | None = None  # needed only to tell resubmissions of a numberless order apart


@dataclass(frozen=True)
class Match:
    """An earlier order that matches a new one, and how alike they are."""

    ticket_id: int
    similarity: float
    reason: Reason  # repeat.same_caller, repeat.same_place or cluster.same_place, with the similarity


@dataclass
class Findings:
    """What the rules found for a new order."""

    repeats: list[Match] = field(default_factory=list)  # the same caller on the same matter
    cluster: list[Match] = field(default_factory=list)  # other callers on the same thing at the same place
    cluster_callers: int = 0  # distinct callers in the cluster, the new order's included

    @property
    def is_cluster(self) -> bool:
        return bool(self.cluster)


def is_repeat(new: Key, old: Key, settings: Settings = Settings()) -> Match | None:
    """The earlier order is a repeat (重复件) of the new one: same caller and the same matter."""
    return _repeat(new, old, similarity(new.signature, old.signature), settings)


def _repeat(new: Key, old: Key, alike: float, settings: Settings) -> Match | None:
    if not new.phone or new.phone != old.phone or new.ticket_id == old.ticket_id:
        return None
    if alike >= settings.repeat_similarity:
        return Match(old.ticket_id, alike, Reason.of("repeat.same_caller", similarity=alike))
    same_matter = new.category1 is not None and new.category1 == old.category1 and new.place and new.place == old.place
    if same_matter and alike >= settings.repeat_similarity_same_place:
        return Match(old.ticket_id, alike, Reason.of("repeat.same_place", similarity=alike))
    return None


def find(new: Key, *, same_caller: Iterable[Key], same_place: Iterable[Key],
         settings: Settings = Settings()) -> Findings:
    """Apply the rules to the candidates the index found (already limited to their time windows).

    The signatures of all candidates are compared in one vectorised pass; only the alike ones are read further.
    """
    found = Findings()
    callers_olds = list(same_caller)
    for old, alike in zip(callers_olds, _alike(new, callers_olds), strict=True):
        match = _repeat(new, old, float(alike), settings)
        if match is not None:
            found.repeats.append(match)
    found.repeats.sort(key=lambda m: -m.similarity)
    if new.place:
        place_olds = [old for old in same_place if old.ticket_id != new.ticket_id and old.place == new.place]
        members: list[Match] = []
        alikes = _alike(new, place_olds)
        alike_olds = []
        for index in np.flatnonzero(alikes >= settings.cluster_similarity):
            old, alike = place_olds[index], float(alikes[index])
            members.append(Match(old.ticket_id, alike, Reason.of("cluster.same_place", similarity=alike)))
            alike_olds.append(old)
        callers = {k.phone for k in [new, *alike_olds] if k.phone} | anonymous_submitters(
            [k for k in [new, *alike_olds] if not k.phone], settings)
        if len(callers) >= settings.cluster_min_callers:
            found.cluster = sorted(members, key=lambda m: -m.similarity)
            found.cluster_callers = len(callers)
    return found


def anonymous_submitters(keys: Sequence[Key], settings: Settings = Settings()) -> set[str]:
    """One caller identity per numberless submitter: orders whose text is near-identical (≥ 0.8) and
    registered within 30 minutes of an earlier one of them (same place: the caller's job) are one person
    resubmitting; any other numberless order counts as its own caller. Returns "#<first order id>" labels."""
    window = timedelta(minutes=settings.anonymous_same_minutes)
    label = {k.ticket_id: f"#{k.ticket_id}" for k in keys}  # an order of unknown time is its own submitter
    timed = sorted((k for k in keys if k.registered_at is not None), key=lambda k: (k.registered_at, k.ticket_id))
    for i, key in enumerate(timed):
        recent = [e for e in timed[:i] if key.registered_at - e.registered_at <= window]
        same = np.flatnonzero(similarities(key.signature, [e.signature for e in recent])
                              >= settings.anonymous_same_similarity)
        if len(same):
            label[key.ticket_id] = label[recent[same[0]].ticket_id]
    return set(label.values())


def _alike(new: Key, olds: Sequence[Key]) -> np.ndarray:
    """The estimated similarity of the new order's text to each candidate's (vectorised)."""
    return similarities(new.signature, [old.signature for old in olds])


def chain_length(repeat_ids: Sequence[int], earlier_repeats: dict[int, set[int]]) -> int:
    """How many orders the caller has on this matter, the new one included (repeats of repeats count once)."""
    seen = set(repeat_ids)
    for ticket_id in repeat_ids:
        seen |= earlier_repeats.get(ticket_id, set())
    return len(seen) + 1
