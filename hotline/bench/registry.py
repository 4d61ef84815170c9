"""A tiny registry of benchmarks (`hotline bench NAME`, `hotline bench all`, `hotline bench --list`).

A benchmark is a function taking its own command-line arguments (everything after its name) and
returning its headline `Figure`; it prints whatever other figures it likes on the way. `run` then
prints the peak RSS and, as the benchmark's last line, `NAME: <figure> <unit>`. A benchmark that
reports by itself (e.g. from a subprocess that printed those lines) returns None.

Benchmarks register with `@benchmark("name")` in any module of the `hotline.bench` package (every
module is imported on first use); they run outside the test suite and never against the user's
database.
"""

from __future__ import annotations

import importlib
import pkgutil
import resource
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: The package whose modules define benchmarks.
PACKAGE = "hotline.bench"
#: Modules of the package that define no benchmarks.
_NOT_BENCHMARKS = {"registry", "scratch", "followups", "intake_env", "intake_site"}


@dataclass(frozen=True)
class Figure:
    """A benchmark's headline figure, printed as its last line `NAME: <value> <unit>`."""

    value: float
    unit: str
    decimals: int = 2

    def format(self) -> str:
        """The value and unit as printed."""
        return f"{self.value:.{self.decimals}f} {self.unit}"


class BenchError(Exception):
    """A benchmark is unknown, cannot run here, or failed."""


BenchFn = Callable[[Sequence[str]], "Figure | None"]


@dataclass(frozen=True)
class Benchmark:
    """One registered benchmark."""

    name: str
    fn: BenchFn

    @property
    def summary(self) -> str:
        """The first line of the function's docstring."""
        return (self.fn.__doc__ or "").strip().splitlines()[0] if self.fn.__doc__ else ""


_registry: dict[str, Benchmark] = {}
_loaded = False
#: Benchmark modules that failed to import, with the error (so one broken module hides no other).
broken: dict[str, str] = {}


def benchmark(name: str) -> Callable[[BenchFn], BenchFn]:
    """Register the decorated function as benchmark `name`."""
    if name == "all":
        raise ValueError('"all" is reserved: it runs every benchmark')

    def register(fn: BenchFn) -> BenchFn:
        existing = _registry.get(name)
        if existing is not None and existing.fn is not fn:
            raise ValueError(f"benchmark {name!r} is registered twice")
        _registry[name] = Benchmark(name, fn)
        return fn

    return register


def _load() -> None:
    """Import every module of the benchmark package once (alphabetical order)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    package = importlib.import_module(PACKAGE)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in _NOT_BENCHMARKS:
            continue
        module = f"{PACKAGE}.{info.name}"
        try:
            importlib.import_module(module)
        except Exception as exc:  # a half-written benchmark must not stop the others
            broken[module] = f"{type(exc).__name__}: {exc}"


def benchmarks() -> dict[str, Benchmark]:
    """Every registered benchmark by name, in registration order."""
    _load()
    return dict(_registry)


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident set size in MB of this process and of its finished child processes (Linux: KB units)."""
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return own, children


def rss_line() -> str:
    """The peak RSS as printed before a benchmark's last line."""
    own, children = peak_rss_mb()
    line = f"peak RSS: {own:.1f} MB"
    return line + (f" (child processes: {children:.1f} MB)" if children else "")


def run(name: str, argv: Sequence[str] = ()) -> None:
    """Run one benchmark (or every one for "all") and print its report; raise if any benchmark failed."""
    registered = benchmarks()
    if name == "all":
        failed = []
        for bench in registered.values():
            print(f"== {bench.name} ==", flush=True)
            try:
                _run_one(bench, ())
            except Exception:  # one broken benchmark must not hide the others' figures
                traceback.print_exc()
                print(f"{bench.name}: FAILED", flush=True)
                failed.append(bench.name)
        for module, error in broken.items():
            print(f"{module}: FAILED to import: {error}", flush=True)
            failed.append(module)
        if failed:
            raise BenchError(f"benchmarks failed: {', '.join(failed)}")
        return
    if name not in registered:
        hint = f" (modules that failed to import: {', '.join(broken)})" if broken else ""
        raise BenchError(f"unknown benchmark {name!r}; known: {', '.join(registered) or 'none'}{hint}")
    _run_one(registered[name], argv)


def _run_one(bench: Benchmark, argv: Sequence[str]) -> None:
    """Run a benchmark and print its peak RSS and last line."""
    figure = bench.fn(list(argv))
    if figure is not None:
        print(rss_line(), flush=True)
        print(f"{bench.name}: {figure.format()}", flush=True)
