"""`hotline hotspots` and the heat-index knobs: bad options and files are one clear error, tables are written whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.hotspots import contest
from hotline.intelligence.hotspots import HotspotParams

DATA = Path(__file__).parent / "data" / "messages_likes_slice.csv"


@pytest.mark.parametrize("option, value, message", [
    ("--half-life-days", "0", "--half-life-days"), ("--half-life-days", "-5", "--half-life-days"),
    ("--half-life-days", "nan", "--half-life-days"), ("--threshold", "5", "--threshold"),
    ("--threshold", "-1", "--threshold"), ("--threshold", "nan", "--threshold"),
    ("--growth-window-days", "0", "--growth-window-days"), ("--growth-window-days", "-1", "--growth-window-days"),
])
def test_meaningless_knobs_are_refused(tmp_path: Path, option: str, value: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("hotspots", "--data", str(DATA), "--output-dir", str(tmp_path), option, value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("knobs", [{"half_life_days": 0}, {"growth_window_days": -1}, {"threshold": float("nan")},
                                   {"threshold": 1.5}])
def test_the_parameters_refuse_what_would_divide_by_zero_or_rank_nonsense(knobs: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(knobs))):
        HotspotParams(**knobs)


def test_an_output_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("keep me", encoding="utf-8")
    with pytest.raises(CommandError, match="--output-dir：.*不是文件夹"):
        call_command("hotspots", "--data", str(DATA), "--output-dir", str(taken))
    assert taken.read_text(encoding="utf-8") == "keep me"


def test_a_gbk_file_names_the_file_and_asks_for_utf8(tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(DATA.read_text(encoding="utf-8-sig").encode("gb18030"))
    with pytest.raises(CommandError, match=r"--data：留言文件不是 UTF-8 编码：.*gbk\.csv（请另存为 UTF-8"):
        call_command("hotspots", "--data", str(gbk), "--output-dir", str(tmp_path))


@pytest.mark.parametrize("args, message", [
    (["--from-db", "--week", "2025-W10", "--month", "2025-03"], "--week 与 --month 只能指定一个"),
    (["--data", str(DATA), "--week", "2025-W10"], "--week 需与 --from-db 一起使用"),
    (["--from-db", "--threshold", "0.3"], "--threshold 只用于 --data"),
])
def test_options_that_would_be_ignored_are_refused(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("hotspots", *args)


def test_a_failed_write_keeps_the_previous_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    call_command("hotspots", "--data", str(DATA), "--output-dir", str(tmp_path), "--top", "2")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) == {contest.ISSUE_TABLE, contest.DETAIL_TABLE}

    def broken(issues, handle):  # noqa: ANN001, ANN202
        handle.write("half a table")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(contest, "write_detail_table", broken)
    with pytest.raises(CommandError, match="--output-dir：无法写入 .*No space left on device"):
        call_command("hotspots", "--data", str(DATA), "--output-dir", str(tmp_path), "--top", "4")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
