"""The call-centre day simulator: deterministic, consistent, and showing the seeds' situation."""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from hotline.intelligence import callsim
from hotline.intelligence.callsim import INTRADAY_PROFILE, SimParams, disorder, plan_day, simulate

DAY = date(2026, 10, 12)


def test_the_module_imports_no_django() -> None:
    tree = ast.parse(Path(callsim.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.startswith(("django", "hotline"))]


def test_a_seed_gives_the_same_day_and_another_seed_another() -> None:
    a = plan_day(SimParams(day=DAY, calls=400, seats=10, seed=1)).events
    b = plan_day(SimParams(day=DAY, calls=400, seats=10, seed=1)).events
    c = plan_day(SimParams(day=DAY, calls=400, seats=10, seed=2)).events
    assert a == b and a != c


def test_every_call_arrives_once_and_its_events_make_sense() -> None:
    result = simulate(SimParams(day=DAY, calls=800, seats=8))
    assert len(result.calls) == 800
    times = [e["t"] for e in result.events]
    assert times == sorted(times)
    per_call = defaultdict(list)
    for e in result.events:
        if "call_id" in e and e["type"].startswith("call."):
            per_call[e["call_id"]].append(e["type"])
    for kinds in per_call.values():
        assert kinds[0] == "call.offered" and kinds[-1] == "call.ended" and kinds.count("call.ended") == 1
        assert not ("call.answered" in kinds and "call.abandoned" in kinds)
    for c in result.calls:
        if c.answered is not None:
            assert c.queued <= c.answered <= c.ended and c.agent
    transfers = Counter(e["to"] for e in result.events if e["type"] == "call.transferred")
    assert set(transfers) <= {"110", "119", "120"}


def test_an_agent_never_takes_two_calls_at_once() -> None:
    result = simulate(SimParams(day=DAY, calls=2000, seats=10))
    by_agent = defaultdict(list)
    for c in result.calls:
        if c.answered is not None:
            by_agent[c.agent].append((c.answered, c.wrap_end))
    for spans in by_agent.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


def test_the_profile_peaks_in_the_late_morning_and_early_afternoon() -> None:
    assert len(INTRADAY_PROFILE) == 48
    peak = max(range(48), key=INTRADAY_PROFILE.__getitem__)
    assert 18 <= peak <= 22  # 09:00–11:00
    assert INTRADAY_PROFILE[29] > INTRADAY_PROFILE[25] > INTRADAY_PROFILE[6]  # 14:30 > 12:30 > 03:00


def test_the_seeds_day_is_far_below_target_and_a_normal_day_is_not() -> None:
    seeds = simulate(SimParams(day=DAY, calls=5000, seats=26)).tally()
    assert seeds["connect_rate"] < 0.8 and seeds["sl15"] < 0.8
    assert seeds["offered"] + seeds["short_abandoned"] < 5000  # some finish in the voice menu
    normal = simulate(SimParams(day=DAY, calls=1200, seats=26)).tally()
    assert normal["connect_rate"] > 0.95


def test_disorder_keeps_every_event_and_repeats_some() -> None:
    events = plan_day(SimParams(day=DAY, calls=200, seats=6)).events
    shaken = disorder(events, seed=3, duplicate_share=0.1)
    ids = Counter(e["id"] for e in shaken)
    assert set(ids) == {e["id"] for e in events}
    assert 0 < sum(n - 1 for n in ids.values()) < len(events) * 0.2
    assert [e["id"] for e in shaken] != [e["id"] for e in events]
