"""The `hotline` console script: every Django management command, plus the product's own.

`hotline <command>` runs like `manage.py <command>`; dashes and underscores are interchangeable
(`hotline sla-sweep` runs the `sla_sweep` command).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command named on the command line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "hotline"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
