"""`hotline forecast --days 7`: offered calls per half-hour for the coming days, and the backtest error."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.core import clock
from hotline.intelligence import forecast as fc
from hotline.planning import history
from hotline.planning.calendar import day_type
from hotline.planning.constants import setting


class Command(BaseCommand):
    help = "Forecast offered calls per half-hour from the call history (weekdays, holidays, 调休) and backtest it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=int(setting("FORECAST_DAYS")), help="days to forecast")
        parser.add_argument("--start", type=date.fromisoformat, default=None,
                            help="first day to forecast (YYYY-MM-DD; default tomorrow); history before it is used")
        parser.add_argument("--history-days", type=int, default=int(setting("HISTORY_DAYS")),
                            help="days of history to learn from")
        parser.add_argument("--folds", type=int, default=int(setting("BACKTEST_FOLDS")),
                            help="rolling-origin folds of the backtest (each --days long)")
        parser.add_argument("--intervals", action="store_true", help="print every half-hour, not only daily totals")

    def handle(self, *args: Any, **o: Any) -> None:
        if not 1 <= o["days"] <= 60 or o["history_days"] < 7 or o["folds"] < 1:
            raise CommandError("--days must be 1–60, --history-days ≥ 7 and --folds ≥ 1")
        today = timezone.localdate(clock.now())
        start = o["start"] or today + timedelta(days=1)
        tz = timezone.get_current_timezone()
        end = datetime.combine(min(start, today), time(0), tzinfo=tz)
        rows = history.offered_history(end - timedelta(days=o["history_days"]), end)
        try:
            model = fc.fit(rows, day_type)
        except fc.ForecastError as exc:
            raise CommandError(f"{exc} (load call history first, e.g. hotline simulate-calls)") from exc
        days = [start + timedelta(days=i) for i in range(o["days"])]
        forecasts = model.predict(days, day_type, tz=tz)
        self.stdout.write(f"history: {model.days_used} whole days up to {model.last_day}; "
                          f"level {model.level:.0f} calls on an average workday")
        self.stdout.write("day         type              calls   peak half-hour")
        for i, d in enumerate(days):
            chunk = forecasts[i * fc.SLOTS:(i + 1) * fc.SLOTS]
            peak = max(chunk, key=lambda f: f.offered)
            self.stdout.write(f"{d} {d:%a} {chunk[0].day_type:16s} {sum(f.offered for f in chunk):7.0f}   "
                              f"{peak.start:%H:%M} ({peak.offered:.0f})")
        if o["intervals"]:
            self.stdout.write("interval_start,offered,day_type")
            for f in forecasts:
                self.stdout.write(f"{f.start.isoformat()},{f.offered:.2f},{f.day_type}")
        try:
            bt = fc.backtest(rows, day_type, folds=o["folds"], horizon_days=o["days"])
        except fc.ForecastError as exc:
            self.stdout.write(f"backtest: not run ({exc})")
            return
        for fold in bt.folds:
            naive = f", seasonal naive {fold.naive_wape:.3f}" if fold.naive_wape is not None else ""
            self.stdout.write(f"backtest fold from {fold.origin} ({fold.days} days): WAPE {fold.wape:.3f}{naive}")
        naive = f"; seasonal naive WAPE {bt.naive_wape:.3f}" if bt.naive_wape is not None else ""
        self.stdout.write(f"backtest ({len(bt.folds)} folds, {bt.intervals} half-hours): WAPE {bt.wape:.3f}, "
                          f"MAPE {bt.mape:.3f}, daily WAPE {bt.daily_wape:.3f}, bias {bt.bias:+.3f}{naive}")
