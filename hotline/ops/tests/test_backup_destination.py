"""`hotline backup PATH`: an empty PATH or a named archive in a missing folder is refused, nothing is created."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.parametrize("path", ["", "   "])
def test_an_empty_path_is_refused(path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match="PATH is empty"):
        call_command("backup", path)
    assert not list(tmp_path.iterdir())  # no archive written into the current folder


def test_a_named_archive_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"folder .*missing.* does not exist"):
        call_command("backup", str(tmp_path / "missing" / "x.tar.gz"))
    assert not (tmp_path / "missing").exists()
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "file" / "x.tgz"))


@pytest.mark.django_db(transaction=True)
def test_a_folder_for_dated_archives_is_still_created(tmp_path: Path) -> None:
    call_command("backup", str(tmp_path / "nightly"))
    assert len(list((tmp_path / "nightly").glob("hotline-backup-*.tar.gz"))) == 1
