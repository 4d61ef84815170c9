"""`hotline simulate-calls`: replay a simulated day of calls through the signed CTI endpoint."""

from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.calls import selectors
from hotline.calls.constants import setting
from hotline.calls.simulate import post_events, simulator_source
from hotline.core import clock
from hotline.intelligence.callsim import SimParams, disorder, plan_day


class Command(BaseCommand):
    help = "Simulate a day of 12345 calls and post its CTI events, signed, to the CTI endpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="the day (YYYY-MM-DD)")
        parser.add_argument("--calls", type=int, default=5000, help="calls in the day")
        parser.add_argument("--seats", type=int, default=26, help="agent positions")
        parser.add_argument("--seed", type=int, default=12345)
        parser.add_argument("--batch", type=int, default=1000, help="events per request")
        parser.add_argument("--url", default="", help="post to a running server (http://host:port)")
        parser.add_argument("--key", default=os.environ.get("HOTLINE_CTI_KEY", ""),
                            help="PBX source key for --url (default $HOTLINE_CTI_KEY)")
        parser.add_argument("--disorder", action="store_true",
                            help="deliver out of order, with about 5%% of events sent twice")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["date"] or timezone.localdate(clock.now()) - timedelta(days=1)
        if options["calls"] < 1 or options["seats"] < 1 or options["batch"] < 1:
            raise CommandError("--calls, --seats and --batch must be positive")
        window = int(setting("EVENT_WINDOW_DAYS"))
        today = timezone.localdate(clock.now())
        if abs((day - today).days) >= window:  # the endpoint refuses events further than this from its clock
            raise CommandError(f"--date {day}: the CTI endpoint only accepts events within {window} days of today "
                               f"({today}); choose a day from {today - timedelta(days=window - 1)} "
                               f"to {today + timedelta(days=window - 1)}")
        params = SimParams(day=day, calls=options["calls"], seats=options["seats"], seed=options["seed"])
        started = time.monotonic()
        plan = plan_day(params)
        events = disorder(plan.events, seed=options["seed"]) if options["disorder"] else plan.events
        self.stdout.write(f"simulated {day}: {options['calls']} calls, {len(plan.result.agents)} agent shifts on "
                          f"{options['seats']} seats, {len(plan.events)} events ({time.monotonic() - started:.1f} s)")
        if options["url"]:
            key, secret = options["key"], os.environ.get("HOTLINE_CTI_SECRET", "")
            if not key or not secret:
                raise CommandError("--url needs --key (or HOTLINE_CTI_KEY) and HOTLINE_CTI_SECRET in the environment")
        else:
            source = simulator_source()
            key, secret = source.key, source.secret
        posting = time.monotonic()
        try:
            stats = post_events(events, key=key, secret=secret, batch=options["batch"], url=options["url"] or None)
        except (RuntimeError, OSError) as exc:  # the endpoint refused a batch, or the server is unreachable
            raise CommandError(f"posting to {options['url'] or 'the CTI endpoint'} failed: {exc}") from exc
        elapsed = time.monotonic() - posting
        self.stdout.write(f"posted {stats.sent} events in {stats.requests} requests ({elapsed:.1f} s, "
                          f"{stats.sent / max(elapsed, 1e-9):.0f} events/s): accepted {stats.accepted}, "
                          f"duplicates {stats.duplicates}, rejected {len(stats.rejected)}")
        for item in stats.rejected[:10]:
            self.stdout.write(f"  rejected #{item.get('index')} {item.get('id')}: {item.get('reason')}")
        if stats.sent and len(stats.rejected) >= stats.sent:
            raise CommandError(f"all {stats.sent} events were rejected (first reason: "
                               f"{stats.rejected[0].get('reason')}); nothing was recorded")
        if options["url"]:
            tally = plan.result.tally()
            self._line("simulation's own tally (the server computes the same from the events)", tally["offered"],
                       tally["answered"], tally["within_15s"], tally["connect_rate"], tally["sl15"])
            return
        start = timezone.make_aware(datetime.combine(day, dtime(0)))
        summary = selectors.queue_summary(start, start + timedelta(days=1))
        self.stdout.write(
            f"short abandons (<5 s, not offered) {summary.short_abandoned}; abandoned {summary.abandoned}; "
            f"missed (queue timeout) {summary.missed}; ASA {summary.asa_seconds or 0:.1f} s; "
            f"average abandon time {summary.avg_abandon_seconds or 0:.1f} s; AHT {summary.aht_seconds or 0:.1f} s; "
            f"agents staffed {summary.agents_staffed:.1f}; occupancy {summary.occupancy or 0:.1%}")
        self._line("from the platform's records", summary.offered, summary.answered, summary.answered_within_15s,
                   summary.connect_rate or 0.0, summary.service_level or 0.0)

    def _line(self, origin: str, offered: int, answered: int, within: int, connect: float, sl: float) -> None:
        self.stdout.write(f"{origin}: answered within 15 s {within}")
        self.stdout.write(f"offered={offered} answered={answered} connect_rate={connect:.3f} sl15={sl:.3f}")
