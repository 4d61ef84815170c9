"""`hotline staffing`: agents and seats for a call load by Erlang C or Erlang A; ends with `seats=N`.

One interval: `hotline staffing --calls-per-hour 420 --aht 240 --target 0.8 --answer-within 15`.
A whole day: `--calls-per-day 5000` spreads the calls over the typical 12345 intraday curve and plans
every half-hour (`seats=` is then the peak). `--simulate` checks the answer with the discrete-event
simulation (SimPy, a development dependency); `--seats-on-duty N` simulates N agents instead.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.intelligence import forecast as fc
from hotline.intelligence import staffing as st

#: Upper bounds of the simulation's options (beyond them a run takes hours and tells nothing more).
MAX_REPLICATIONS = 1000
MAX_SIM_HOURS = 10_000.0


def share(text: str) -> float:
    """A share given as 0.8 or 80%."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


class Command(BaseCommand):
    help = "Agents and seats a call load needs (Erlang C / Erlang A); the last line is seats=N."

    def add_arguments(self, parser: CommandParser) -> None:
        load = parser.add_mutually_exclusive_group(required=True)
        load.add_argument("--calls-per-hour", type=float, help="offered calls per hour in the interval")
        load.add_argument("--calls-per-day", type=float,
                          help="offered calls in a day, spread over the typical intraday curve (plans 48 half-hours)")
        parser.add_argument("--aht", type=float, required=True, help="average handle time, seconds (talk + wrap-up)")
        parser.add_argument("--target", type=share, default=0.8,
                            help="service-level target: share answered within --answer-within (0.8 or 80%%; 0 = none)")
        parser.add_argument("--answer-within", type=float, default=15.0, help="answer target in seconds (default 15)")
        parser.add_argument("--sl-basis", choices=st.SL_BASES, default=st.OF_OFFERED,
                            help="service level over offered calls (default) or over answered calls (Erlang A)")
        parser.add_argument("--connect-target", type=share, default=0.0,
                            help="Erlang A: share of offered calls answered (e.g. 0.95; default none)")
        parser.add_argument("--shrinkage", type=share, default=0.0, help="share of paid time off the phones (0–<1)")
        parser.add_argument("--max-occupancy", type=share, default=1.0, help="highest occupancy accepted (0–1]")
        parser.add_argument("--model", choices=st.MODELS, default=st.ERLANG_C)
        parser.add_argument("--patience", type=float, default=None, help="Erlang A: callers' mean patience, seconds")
        parser.add_argument("--simulate", action="store_true", help="check with the discrete-event simulation")
        parser.add_argument("--seats-on-duty", type=int, default=None,
                            help="simulate this many agents on the phones instead of the required ones")
        parser.add_argument("--sim-hours", type=float, default=200.0, help="simulated hours for one interval")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--replications", type=int, default=1,
                            help="simulated days (seeds --seed, --seed+1, …) added up for a whole-day simulation")

    def handle(self, *args: Any, **o: Any) -> None:
        targets = st.Targets(service_level=o["target"], answer_within=o["answer_within"], connect=o["connect_target"],
                             max_occupancy=o["max_occupancy"], shrinkage=o["shrinkage"],
                             service_level_basis=o["sl_basis"])
        try:
            targets.validate()
            if o["model"] == st.ERLANG_C and o["connect_target"]:
                raise st.StaffingError("--connect-target needs --model erlang-a (Erlang C answers every call)")
            if o["model"] == st.ERLANG_C and o["patience"] is not None:
                raise st.StaffingError("--patience needs --model erlang-a")
            if o["seats_on_duty"] is not None and not 1 <= o["seats_on_duty"] <= st.MAX_AGENTS:
                raise st.StaffingError(f"--seats-on-duty must be from 1 to {st.MAX_AGENTS}")
            if not 1 <= o["replications"] <= MAX_REPLICATIONS:
                raise st.StaffingError(f"--replications must be from 1 to {MAX_REPLICATIONS}")
            if not (math.isfinite(o["sim_hours"]) and 0 < o["sim_hours"] <= MAX_SIM_HOURS):
                raise st.StaffingError(f"--sim-hours must be > 0 and at most {MAX_SIM_HOURS:g}")
            if not math.isfinite(o["aht"]) or not 0 < o["aht"] <= st.MAX_AHT:
                raise st.StaffingError(f"--aht: the average handle time must be > 0 and at most {st.MAX_AHT:g} seconds, got {o['aht']:g}")
            if o["calls_per_day"] is not None:
                self._day(targets, o)
            else:
                self._interval(targets, o)
        except (st.StaffingError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    # --- one interval ------------------------------------------------------------------------

    def _interval(self, targets: st.Targets, o: dict[str, Any]) -> None:
        need = st.staff(o["calls_per_hour"], o["aht"], targets, o["model"], o["patience"])
        p = need.performance
        self.stdout.write(f"model: {p.model}; {p.calls_per_hour:g} calls/h, AHT {p.aht:g} s"
                          + (f", patience {p.patience:g} s" if p.patience else "")
                          + f" → offered load {p.offered_load:.2f} Erlangs")
        self.stdout.write(f"targets: {self._targets(targets, o['model'])}")
        self._performance("required agents", p)
        self.stdout.write(f"shrinkage {targets.shrinkage:.0%}: seats = ceil({p.agents} / (1 − {targets.shrinkage:g}))"
                          f" = {need.seats}")
        if o["simulate"] or o["seats_on_duty"]:
            self._simulate_interval(p, o)
        self.stdout.write(f"seats={need.seats}")

    def _targets(self, targets: st.Targets, model: str) -> str:
        parts = []
        if targets.service_level:
            basis = "answered" if model == st.ERLANG_A and targets.service_level_basis == st.OF_ANSWERED else "offered"
            parts.append(f"≥ {targets.service_level:.1%} of {basis} calls answered within {targets.answer_within:g} s")
        if targets.connect and model == st.ERLANG_A:
            parts.append(f"≥ {targets.connect:.1%} connected")
        parts.append(f"occupancy ≤ {targets.max_occupancy:.0%}")
        return "; ".join(parts)

    def _performance(self, label: str, p: st.Performance) -> None:
        self.stdout.write(
            f"{label}: {p.agents} → service level {p.service_level:.2%} (of answered {p.service_level_answered:.2%}), "
            f"ASA {p.asa:.1f} s, P(wait) {p.p_wait:.2%}, occupancy {p.occupancy:.2%}"
            + (f", abandoned {p.abandon:.2%}, connected {p.connect:.2%}" if p.model == st.ERLANG_A else ""))

    def _simulate_interval(self, p: st.Performance, o: dict[str, Any]) -> None:
        from hotline.intelligence.queuesim import simulate_stationary

        agents = o["seats_on_duty"] or p.agents
        if agents != p.agents:
            self._performance(f"formula with {agents} agents",
                              st.performance([p.calls_per_hour], [p.aht], [agents], o["answer_within"], p.model,
                                             p.patience)[0])
        sim = _import_sim(lambda: simulate_stationary(
            p.calls_per_hour, agents=agents, aht=p.aht, patience=p.patience, answer_within=o["answer_within"],
            hours=o["sim_hours"], seed=o["seed"]))
        self.stdout.write(
            f"simulated {o['sim_hours']:g} h with {agents} agents ({sim.offered} calls, SimPy, seed {o['seed']}): "
            f"service level {sim.service_level:.2%} (of answered {sim.service_level_answered:.2%}), "
            f"ASA {sim.asa:.1f} s, occupancy {sim.occupancy:.2%}, abandoned {sim.abandon:.2%}, "
            f"connected {sim.connect:.2%}")

    # --- a whole day -------------------------------------------------------------------------

    def _day(self, targets: st.Targets, o: dict[str, Any]) -> None:
        calls_per_day = o["calls_per_day"]
        if not math.isfinite(calls_per_day) or calls_per_day <= 0:
            raise st.StaffingError("--calls-per-day must be > 0")
        shape = fc.typical_shape()
        rates = [calls_per_day * share * 2 for share in shape]
        plan = st.plan(rates, o["aht"], targets, o["model"], o["patience"])
        self.stdout.write(f"model: {o['model']}; {calls_per_day:g} calls/day over the typical 12345 intraday curve, "
                          f"AHT {o['aht']:g} s" + (f", patience {o['patience']:g} s" if o["patience"] else ""))
        self.stdout.write(f"targets: {self._targets(targets, o['model'])}; shrinkage {targets.shrinkage:.0%}")
        self.stdout.write("half-hour  calls  agents  seats  service level  connected  occupancy")
        for slot, need in enumerate(plan):
            p = need.performance
            self.stdout.write(f"{slot // 2:02d}:{slot % 2 * 30:02d}     {p.calls_per_hour / 2:6.1f}  {p.agents:6d}  "
                              f"{need.seats:5d}  {p.service_level:12.2%}  {p.connect:9.2%}  {p.occupancy:9.2%}")
        peak = max(plan, key=lambda r: (r.seats, r.agents))
        peak_slot = plan.index(peak)
        answered = sum(r.performance.calls_per_hour / 2 * r.performance.connect for r in plan)
        within = sum(r.performance.calls_per_hour / 2 * r.performance.service_level for r in plan)
        self.stdout.write(f"peak half-hour {peak_slot // 2:02d}:{peak_slot % 2 * 30:02d}: {peak.agents} agents, "
                          f"{peak.seats} seats")
        self.stdout.write(f"day: {sum(r.agents for r in plan) / 2:.1f} agent-hours, "
                          f"{sum(r.seats for r in plan) / 2:.1f} seat-hours; expected connected {answered / calls_per_day:.2%}, "
                          f"answered within {o['answer_within']:g} s {within / calls_per_day:.2%} of offered")
        if o["simulate"] or o["seats_on_duty"]:
            self._simulate_day(rates, [r.agents for r in plan], o)
        self.stdout.write(f"seats={peak.seats}")

    def _simulate_day(self, rates: list[float], required: list[int], o: dict[str, Any]) -> None:
        from hotline.intelligence.queuesim import Outcome, simulate

        roster: int | list[int] = o["seats_on_duty"] or [max(a, 1) for a in required]
        label = f"{o['seats_on_duty']} agents all day" if o["seats_on_duty"] else "the required agents per half-hour"
        total, slots = Outcome(), [Outcome() for _ in rates]
        for seed in range(o["seed"], o["seed"] + o["replications"]):
            run = _import_sim(lambda seed=seed: simulate(rates, agents=roster, aht=o["aht"], patience=o["patience"],
                                                         answer_within=o["answer_within"], seed=seed))
            total.add(run.total)
            for slot, outcome in zip(slots, run.intervals, strict=True):
                slot.add(outcome)
        days = o["replications"]
        self.stdout.write(
            f"simulated {days} day(s) with {label} ({total.offered} calls, SimPy, seeds {o['seed']}–"
            f"{o['seed'] + days - 1}): connected {total.connect:.2%}, answered within {o['answer_within']:g} s "
            f"{total.service_level:.2%} of offered ({total.service_level_answered:.2%} of answered), "
            f"abandoned {total.abandon:.2%}, ASA {total.asa:.1f} s, occupancy {total.occupancy:.2%}")
        worst = min(range(len(slots)), key=lambda i: slots[i].connect)
        w = slots[worst]
        self.stdout.write(f"worst half-hour {worst // 2:02d}:{worst % 2 * 30:02d}: {w.offered} calls, "
                          f"connected {w.connect:.2%}, answered within {o['answer_within']:g} s {w.service_level:.2%}")


def _import_sim(run: Any) -> Any:
    """Run a simulation, or say how to install SimPy."""
    try:
        return run()
    except ModuleNotFoundError as exc:
        if exc.name == "simpy":
            raise CommandError("the simulation needs SimPy: pip install -e '.[dev]'") from exc
        raise
