"""`hotline export`: an empty --since/--until is refused (not read as "no bound"); the output is written whole."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.dataio import export

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_bound_is_refused(tmp_path: Path, option: str, value: str) -> None:
    output = tmp_path / "x.json"
    with pytest.raises(CommandError, match=f"{option} 为空"):
        call_command("export", "--format", "json", "--output", str(output), option, value, stderr=StringIO())
    assert not output.exists()


def test_a_failed_export_leaves_the_previous_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "orders.json"
    output.write_text("yesterday's export", encoding="utf-8")

    def broken(fh, since, until) -> int:  # noqa: ANN001
        fh.write('{"format": "hotline-orders", "orders": [')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "write_json", broken)
    monkeypatch.setattr("hotline.dataio.management.commands.export.write_json", broken)
    with pytest.raises(CommandError, match="无法写入导出文件.*No space left"):
        call_command("export", "--format", "json", "--output", str(output), stderr=StringIO())
    assert output.read_text(encoding="utf-8") == "yesterday's export"
    assert [p.name for p in tmp_path.iterdir()] == ["orders.json"]  # no temporary file left behind
    monkeypatch.undo()
    call_command("export", "--format", "json", "--output", str(output), stderr=StringIO())
    assert output.read_text(encoding="utf-8") != "yesterday's export"


def test_the_full_json_export_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """It holds full numbers and confidential orders: 0600 whatever the umask; the open-data CSV follows the umask."""
    import os

    old = os.umask(0o022)
    try:
        call_command("export", "--format", "json", "--output", str(tmp_path / "all.json"), stderr=StringIO())
        call_command("export", "--format", "open311-csv", "--output", str(tmp_path / "open.csv"), stderr=StringIO())
    finally:
        os.umask(old)
    assert (tmp_path / "all.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "open.csv").stat().st_mode & 0o777 == 0o644
