"""What the demo centre gets besides its orders: call history, and the other apps' seed data.

Each extra is one function of the app that owns the data, idempotent, called after the orders are loaded.
`hotline demo --call-days 0` leaves the call history out (the tests do, to stay fast).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ExtraResult:
    """One extra: its name, what it did (in a line), and how long it took."""

    name: str
    summary: str
    seconds: float


def _calls(now: datetime, call_days: int) -> str:
    from hotline.calls.simulate import load_demo_calls

    if call_days <= 0:
        return "跳过 / skipped"
    done = load_demo_calls(now=now, days=call_days)
    if done.skipped:
        return "已存在 / already loaded"
    return f"{done.days} 天 {done.calls} 通来电，回拨处理 {done.callbacks_worked} 件"


def _classifier() -> str:
    from hotline.triage.training import ensure_model

    return "已训练 / trained" if ensure_model() else "已存在 / present"


def _knowledge_base() -> str:
    from hotline.kb.demo import load_demo_kb

    return load_demo_kb()


def load_extras(*, now: datetime, call_days: int = 14) -> list[ExtraResult]:
    """Run every extra in order; returns what each did."""
    steps: list[tuple[str, Callable[[], str]]] = [
        ("分类模型 classifier model", _classifier),
        ("知识库 knowledge base", _knowledge_base),
        ("话务历史 call history", lambda: _calls(now, call_days)),
    ]
    results = []
    for name, step in steps:
        started = time.monotonic()
        summary = step()
        results.append(ExtraResult(name, summary, time.monotonic() - started))
    return results
