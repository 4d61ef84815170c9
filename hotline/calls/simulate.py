"""Replaying simulated days (hotline.intelligence.callsim) into the platform.

- `post_events` sends events through the CTI endpoint, signed, in batches: in-process with Django's
  test client, or to a running server with `url=`.
- `load_demo_calls` gives the demo centre a history of ~14 days of calls through the same intake
  service (no HTTP), maps two extensions to the demo agents and works most of the old callbacks.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import User
from hotline.calls import callbacks
from hotline.calls.choices import CallbackOutcome, CallbackStatus
from hotline.calls.ingest import replay_fresh
from hotline.calls.models import Agent, Callback, CallEvent, PbxSource
from hotline.calls.signing import signed_headers
from hotline.core import clock
from hotline.intelligence.callsim import SimParams, plan_day, staff

logger = logging.getLogger(__name__)
DEMO_SOURCE = "demo-pbx"
SIM_SOURCE = "simulator"


@dataclass
class PostStats:
    """What the posting did: requests, events sent, and the endpoint's answers added up."""

    requests: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def simulator_source() -> PbxSource:
    """The in-process simulator's PBX source (created with a random secret on first use)."""
    source, _ = PbxSource.objects.get_or_create(
        key=SIM_SOURCE, defaults={"name": "话务模拟器", "secret": secrets.token_hex(32)})
    return source


def _client_sender() -> Callable[[bytes, dict[str, str]], tuple[int, dict]]:
    from django.test import Client

    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
    client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        response = client.post("/cti/v1/events", data=body, content_type="application/json", headers=headers)
        return response.status_code, json.loads(response.content or b"{}")

    return send


def _http_sender(url: str) -> Callable[[bytes, dict[str, str]], tuple[int, dict]]:
    endpoint = url.rstrip("/") + "/cti/v1/events"
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError("--url must start with http:// or https://")

    def send(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
        request = urllib.request.Request(endpoint, data=body, method="POST",  # noqa: S310 - scheme checked
                                         headers={"Content-Type": "application/json", **headers})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    return send


def post_events(events: list[dict], *, key: str, secret: str, batch: int = 1000, url: str | None = None,
                progress: Callable[[PostStats], None] | None = None) -> PostStats:
    """Send the events to the CTI endpoint in signed batches and add up its answers."""
    send = _http_sender(url) if url else _client_sender()
    stats = PostStats()
    for start in range(0, len(events), batch):
        body = json.dumps({"events": events[start:start + batch]}, ensure_ascii=False).encode()
        status, answer = send(body, signed_headers(key, secret, body))
        stats.requests += 1
        stats.sent += len(events[start:start + batch])
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        stats.accepted += answer.get("accepted", 0)
        stats.duplicates += answer.get("duplicates", 0)
        stats.rejected += answer.get("rejected", [])
        if status not in (200, 400):
            raise RuntimeError(f"the CTI endpoint answered {status}: {answer.get('error', answer)}")
        if progress:
            progress(stats)
    return stats


# --- demo history -----------------------------------------------------------------------------------


@dataclass
class DemoCalls:
    """What `load_demo_calls` did."""

    days: int = 0
    calls: int = 0
    events: int = 0
    callbacks_worked: int = 0
    skipped: bool = False


def _demo_agents() -> list[User]:
    return list(User.objects.filter(username__in=("agent1", "agent2"), is_active=True).order_by("username"))


def load_demo_calls(*, now: datetime | None = None, days: int = 14, seed: int = 12345,
                    calls_range: tuple[int, int] = (1000, 1600)) -> DemoCalls:
    """Simulate the last `days` days of calls (yesterday backwards) into the demo centre; idempotent."""
    now = now or clock.now()
    result = DemoCalls()
    source, _ = PbxSource.objects.get_or_create(key=DEMO_SOURCE, defaults={
        "name": "演示话务平台", "secret": secrets.token_hex(32), "is_active": False})
    today = timezone.localdate(now)
    first = today - timedelta(days=days)
    if CallEvent.objects.filter(source=source, event_id__startswith=f"demo-{first:%Y%m%d}").exists():
        result.skipped = True
        return result
    rng = random.Random(seed)
    for n in range(days):
        day = first + timedelta(days=n)
        volume = rng.randint(*calls_range)
        if day.weekday() >= 5:
            volume = int(volume * 0.7)
        params = SimParams(day=day, calls=volume, seats=max(8, round(volume / 45)), seed=seed + n,
                           call_prefix="demo")
        plan = plan_day(params)
        _ingest_day(source, plan.events, day)
        _map_demo_agents(params)
        result.days += 1
        result.calls += volume
        result.events += len(plan.events)
    result.callbacks_worked = _work_old_callbacks(today, rng)
    return result


def _ingest_day(source: PbxSource, events: list[dict], day: date) -> None:
    """Take in one day, with the clock at the day's end (so nothing is 'in the future')."""
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))
    with clock.frozen(end):
        replay_fresh(source, events)


def _map_demo_agents(params: SimParams) -> None:
    """The first two day-shift extensions belong to the demo agents agent1 and agent2."""
    people = _demo_agents()
    day_shift = [a.ext for a in staff(params, random.Random(params.seed)) if 8 * 3600 <= a.start < 9 * 3600]
    for user, ext in zip(people, day_shift, strict=False):
        if user.pbx_agents.exists():
            continue
        Agent.objects.filter(extension=ext, user__isnull=True).update(user=user, name=str(user))


def _work_old_callbacks(today: date, rng: random.Random) -> int:
    """Agents worked the callbacks of the days before yesterday: most reached, some not."""
    people = _demo_agents()
    if not people:
        return 0
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=1), datetime.min.time()))
    worked = 0
    outcomes = [CallbackOutcome.REACHED] * 15 + [CallbackOutcome.RESOLVED] * 3 + [CallbackOutcome.WRONG_NUMBER]
    outcomes += [CallbackOutcome.NO_ANSWER]
    for cb in Callback.objects.filter(status=CallbackStatus.OPEN, first_missed_at__lt=cutoff).order_by("pk"):
        agent = people[worked % len(people)]
        moment = cb.first_missed_at + timedelta(minutes=rng.randint(10, 90))
        with clock.frozen(moment), transaction.atomic():
            callbacks.claim(cb, actor=agent)
            callbacks.record_outcome(cb, actor=agent, outcome=rng.choice(outcomes), note="演示数据")
        worked += 1
    return worked
