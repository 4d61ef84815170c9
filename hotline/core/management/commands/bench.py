"""`hotline bench NAME [ARGS...]`, `hotline bench all`, `hotline bench --list`: run the benchmarks."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.bench import registry


class Command(BaseCommand):
    help = (
        "Run a benchmark (its last line is `NAME: <figure> <unit>`), every one with `all`, "
        "or list them with --list. Arguments after the name go to the benchmark (e.g. --help)."
    )

    requires_system_checks = []  # a benchmark sets up its own scratch database

    def add_arguments(self, parser: CommandParser) -> None:
        """A benchmark name, its own arguments, or --list."""
        parser.add_argument("name", nargs="?", help='benchmark to run, or "all"')
        parser.add_argument("bench_args", nargs=argparse.REMAINDER, help="arguments for the benchmark")
        parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        """List or run."""
        if options["list"]:
            for bench in registry.benchmarks().values():
                self.stdout.write(f"{bench.name}\t{bench.summary}")
            for module, error in registry.broken.items():
                self.stderr.write(f"{module}: failed to import: {error}")
            return
        name = options["name"]
        if not name:
            raise CommandError("name a benchmark, `all`, or use --list")
        self.stdout.flush()
        try:
            registry.run(name, options["bench_args"] or [])
        except registry.BenchError as exc:
            raise CommandError(str(exc)) from exc
