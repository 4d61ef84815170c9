"""Shared checks for management commands: numbers, input files, and output files written whole.

Every failure is a one-line `CommandError` (non-zero exit, no traceback) naming the option or the file
and what is expected. Argument types (`positive_int`, `non_negative_int`, `bounded_float`) are for
`parser.add_argument(type=...)`; note that `call_command(name, limit=-1)` keyword options bypass argparse
types, so a command that must hold for such callers checks again with `check_range`.

Moments: `moment_option` and `day_option` read `--at`/`--since` values (a given option must be non-empty,
understood and within 2000–2100).

Output: `atomic_output(path, option=...)` yields a handle on a temporary file in the same directory and
renames it into place only when the block succeeds, so a failure never leaves a truncated file behind.
The file gets the mode an ordinary `open()` would give it (0666 less the umask: 0644 under the usual 022,
0600 under 077); `private=True` makes it 0600 whatever the umask, for files with personal data.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.core.management.base import CommandError
from django.utils import timezone

#: The hint given when a text file is not UTF-8 (e.g. a CSV saved by Excel as GBK).
UTF8_HINT = "请另存为 UTF-8 编码，如 Excel 的“CSV UTF-8”格式"


# --- numbers -----------------------------------------------------------------------------------


def _int(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数，收到 {text!r}") from None


def positive_int(text: str) -> int:
    """An argparse type: a whole number ≥ 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为不小于 1 的整数，收到 {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number ≥ 0."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"应为不小于 0 的整数，收到 {text!r}")
    return value


def _range_text(low: float | None, high: float | None, low_open: bool) -> str:
    if low is not None and high is not None:
        return f"{'大于' if low_open else '不小于'} {low:g} 且不大于 {high:g} 的数"
    if low is not None:
        return f"{'大于' if low_open else '不小于'} {low:g} 的数"
    if high is not None:
        return f"不大于 {high:g} 的数"
    return "有限的数"


def _in_range(value: float, low: float | None, high: float | None, low_open: bool) -> bool:
    if not math.isfinite(value):
        return False
    if low is not None and (value <= low if low_open else value < low):
        return False
    return high is None or value <= high


def bounded_float(low: float | None = None, high: float | None = None, *,
                  low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number within [low, high] (or (low, high] with `low_open`)."""

    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"应为数字，收到 {text!r}") from None
        if not _in_range(value, low, high, low_open):
            raise argparse.ArgumentTypeError(f"应为{_range_text(low, high, low_open)}，收到 {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def check_range(option: str, value: float | None, low: float | None = None, high: float | None = None, *,
                low_open: bool = False) -> None:
    """Refuse a value already parsed (e.g. given to `call_command` as a keyword) outside the range."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not _in_range(value, low, high, low_open):
        raise CommandError(f"{option}：应为{_range_text(low, high, low_open)}，收到 {value!r}")


# --- input files -------------------------------------------------------------------------------


def read_utf8_csv_error(path: str | Path, *, what: str = "文件") -> str | None:
    """Why the file cannot be read as UTF-8 text (missing, a folder, unreadable, not UTF-8), or None."""
    if str(path).strip() == "":
        return f"{what}路径为空"
    path = Path(path)
    if not path.exists():
        return f"{what}不存在：{path}"
    if not path.is_file():
        return f"{what}不是普通文件：{path}"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"无法读取{what} {path}：{exc.strerror or exc}"
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return f"{what}不是 UTF-8 编码：{path}（{UTF8_HINT}）"
    return None


def read_utf8_text(path: str | Path, *, what: str = "文件") -> str:
    """The text of a UTF-8 file (BOM dropped), or a CommandError naming the file and what is wrong."""
    error = read_utf8_csv_error(path, what=what)
    if error:
        raise CommandError(error)
    return Path(path).read_bytes().decode("utf-8-sig")


def read_csv_header(path: str | Path, *, what: str = "文件",
                    required: Iterable[str] | Iterable[Iterable[str]] = ()) -> tuple[str, list[str]]:
    """The text and header of a UTF-8 CSV file; refuses an empty file or one missing a required column.

    An item of `required` that is itself a tuple/list means "one of these columns".
    """
    text = read_utf8_text(path, what=what)
    try:
        header = [cell.strip() for cell in next(csv.reader(io.StringIO(text, newline="")))]
    except StopIteration:
        raise CommandError(f"{what}为空（第 1 行应为表头）：{path}") from None
    except csv.Error as exc:
        raise CommandError(f"{what}第 1 行无法解析：{path}（{exc}）") from exc
    for need in required:
        choices = [need] if isinstance(need, str) else list(need)
        if not any(choice in header for choice in choices):
            raise CommandError(f"{what}缺少列 {' 或 '.join(choices)}：{path}（现有列：{', '.join(header) or '无'}）")
    return text, header


# --- output files ------------------------------------------------------------------------------


def check_output_path(path: str | Path, *, option: str) -> Path:
    """The output path, refused when empty, a folder, or in a folder that does not exist."""
    if str(path).strip() == "":
        raise CommandError(f"{option}：输出文件路径为空")
    target = Path(path)
    if target.is_dir():
        raise CommandError(f"{option}：{target} 是文件夹，应为文件路径")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise CommandError(f"{option}：文件夹不存在：{parent}")
    return target


def _umask() -> int:
    """The process's umask (read by setting it and putting it back at once)."""
    current = os.umask(0o077)
    os.umask(current)
    return current


def output_mode(*, private: bool = False) -> int:
    """The permissions of a written output file: 0600 when `private`, else 0666 less the umask (as `open()`)."""
    return 0o600 if private else 0o666 & ~_umask()


@contextmanager
def atomic_output(path: str | Path, *, option: str, mode: str = "w", encoding: str | None = "utf-8",
                  newline: str | None = "", private: bool = False) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside `path`, renamed over it only if the block completes.

    On any error the temporary file is removed and an existing file at `path` is left untouched. The file
    gets the umask's mode, or 0600 with `private` (personal data: full numbers, confidential orders).
    """
    target = check_output_path(path, option=option)
    binary = "b" in mode
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".",
                                             prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise CommandError(f"{option}：无法写入 {target}：{exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, mode, **({} if binary else {"encoding": encoding, "newline": newline})) as out:
            yield out
        os.chmod(temporary, output_mode(private=private))  # mkstemp creates 0600; honour the operator's umask
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | Path, data: bytes, *, option: str, private: bool = False) -> Path:
    """Write bytes to `path` whole (temporary file + rename); returns the path."""
    try:
        with atomic_output(path, option=option, mode="wb", private=private) as out:
            out.write(data)
    except OSError as exc:
        raise CommandError(f"{option}：无法写入 {path}：{exc.strerror or exc}") from exc
    return Path(path)

# --- Moments (`--at`, `--since`): given means non-empty, understood and within the years handled.

#: The years a command's moment may be in (as the web forms' dates); date arithmetic past them overflows.
FIRST_YEAR, LAST_YEAR = 2000, 2100

_MOMENT_EXAMPLE = "日期或时间（ISO 8601），如 2025-10-09、2025-10-09T10:00 或 2025-10-09T10:00+08:00"


def _given(option: str, value: str, expected: str) -> str:
    text = value.strip()
    if not text:
        raise CommandError(f"{option} 为空：应为{expected}（不指定则省略该选项）")
    return text


def _in_years(option: str, value: str, year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CommandError(f"{option}：时间须在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间，而不是「{value}」")


def moment_option(option: str, value: str | None) -> datetime | None:
    """None when the option was not given; else an aware datetime (a naive one is in the centre's time zone)."""
    if value is None:
        return None
    text = _given(option, value, _MOMENT_EXAMPLE)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}：无法识别的时间「{value}」（应为{_MOMENT_EXAMPLE}）") from None
    _in_years(option, value, moment.year)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def day_option(option: str, value: str | None) -> date | None:
    """None when the option was not given; else the day written YYYY-MM-DD."""
    if value is None:
        return None
    text = _given(option, value, "日期 YYYY-MM-DD，如 2025-10-01")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}：无法识别的日期「{value}」（应为 YYYY-MM-DD，如 2025-10-01）") from None
    _in_years(option, value, day.year)
    return day
