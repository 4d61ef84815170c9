"""Files written by commands (`core.cli.atomic_output`) get the mode the operator's umask asks for — they used to
be chmod-ed 0644 whatever the umask — and 0600 when the caller marks them private."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.core.cli import atomic_output, write_bytes_atomic
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.django_db
def test_the_full_json_export_keeps_a_private_umask(tmp_path: Path) -> None:
    """`hotline export --format json` holds every order, confidential ones and full numbers included."""
    make_ticket(Status.REGISTERED, cast=Cast.build())
    out = tmp_path / "all.json"
    with _umask(0o077):
        call_command("export", "--format", "json", "--output", str(out))
    assert _mode(out) == 0o600


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_an_output_file_gets_the_umasks_mode(tmp_path: Path, mask: int, expected: int) -> None:
    out = tmp_path / "report.csv"
    with _umask(mask):
        with atomic_output(out, option="--output") as fh:
            fh.write("a,b\n")
        assert os.umask(mask) == mask  # reading the umask left it as it was
    assert _mode(out) == expected
    assert out.read_text() == "a,b\n"


def test_a_private_output_is_readable_by_its_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    with _umask(0o022):
        with atomic_output(tmp_path / "people.json", option="--output", private=True) as fh:
            fh.write("{}")
        written = write_bytes_atomic(tmp_path / "people.xlsx", b"PK", option="--output", private=True)
        public = write_bytes_atomic(tmp_path / "summary.xlsx", b"PK", option="--output")
    assert _mode(tmp_path / "people.json") == 0o600
    assert _mode(written) == 0o600
    assert _mode(public) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.json", "people.xlsx", "summary.xlsx"]
