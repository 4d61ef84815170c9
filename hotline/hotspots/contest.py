"""Reading message files with likes and writing the 热点问题表 / 热点问题留言明细表 (no database).

The input is the 2020 Teddy Cup layout (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 反对数, 点赞数);
rows that cannot be read are reported with their line number and reason, the others are used.
The tables are written as UTF-8 with a BOM so that Excel opens them correctly (the command writes each
to a temporary file renamed into place, so a failure never leaves a half table); every text cell taken from
the messages (留言编号, 留言用户, 留言主题, 留言详情, and 地点/人群, 问题描述 made of them) is defused like the
platform's other exports: one starting like a formula (=, +, -, @, tab, CR) gets a leading single quote.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from hotline.intelligence.hotspots import HotIssue, Message, normalize

REQUIRED = ("留言编号", "留言用户", "留言主题", "留言时间", "留言详情")
OPTIONAL_COUNTS = ("点赞数", "反对数")
ISSUE_TABLE = "热点问题表.csv"
DETAIL_TABLE = "热点问题留言明细表.csv"
ISSUE_COLUMNS = ("热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述")
DETAIL_COLUMNS = ("问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数")
TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


class MessageFileError(ValueError):
    """The message file is missing, unreadable or lacks a required column."""


@dataclass
class MessageFile:
    """Messages read from a file, with the rows that were rejected (line number, reason)."""

    messages: list[Message]
    rejected: list[tuple[int, str]] = field(default_factory=list)


def parse_time(value: str) -> datetime:
    """A 留言时间 such as 2019/2/28 11:25:05 or 2017-06-08 17:31:20 (naive, local time)."""
    text = " ".join((value or "").replace("-", "/").split())
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 - the contest data has no zone
        except ValueError:
            continue
    raise ValueError(f"无法识别的留言时间 {value!r}")


def _count(row: dict[str, str], column: str) -> int:
    raw = (row.get(column) or "0").strip() or "0"
    value = int(float(raw))
    if value < 0:
        raise ValueError(f"{column} 不能为负数")
    return value


def read_messages(path: str | Path) -> MessageFile:
    """Read a message file with likes; a missing column raises MessageFileError, a bad row is rejected."""
    file = Path(path)
    if not file.is_file():
        raise MessageFileError(f"文件不存在: {file}")
    result = MessageFile(messages=[])
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        missing = [name for name in REQUIRED if name not in columns]
        if missing:
            raise MessageFileError(f"{file}: 缺少列 {'、'.join(missing)}（现有列: {'、'.join(columns) or '无'}）")
        for row in reader:
            line = reader.line_num
            try:
                at = parse_time(row["留言时间"])
                likes, dislikes = _count(row, "点赞数"), _count(row, "反对数")
            except ValueError as error:
                result.rejected.append((line, str(error)))
                continue
            title, body = normalize(row["留言主题"]), normalize(row["留言详情"])
            if not (title or body):
                result.rejected.append((line, "留言主题和留言详情都为空"))
                continue
            result.messages.append(Message(
                id=(row["留言编号"] or "").strip() or f"L{line}", title=title, body=body, at=at,
                user=(row["留言用户"] or "").strip(), likes=likes, dislikes=dislikes,
            ))
    return result


def time_span(issue: HotIssue) -> str:
    """时间范围 as written in the table: 2019/07/03 至 2020/01/26."""
    return f"{issue.first_at:%Y/%m/%d} 至 {issue.last_at:%Y/%m/%d}"


def _defused(text: str) -> str:
    """A text cell from the citizens' messages (or made of them) as every export of the platform writes it: one
    that starts like a formula gets a leading quote, so that Excel shows it and never runs it
    (`hotline.workbench.queues.export.defuse`, imported here: reading a message file needs no Django models)."""
    from hotline.workbench.queues.export import defuse

    return defuse(text or "")


def write_issue_table(issues: list[HotIssue], handle: TextIO) -> None:
    """The 热点问题表 (one row per issue) into an open text file."""
    writer = csv.writer(handle)
    writer.writerow(ISSUE_COLUMNS)
    for issue in issues:
        writer.writerow([issue.rank, issue.issue_id, f"{issue.heat:.2f}", time_span(issue),
                         _defused(issue.place_people), _defused(issue.description)])


def write_detail_table(issues: list[HotIssue], handle: TextIO) -> None:
    """The 热点问题留言明细表 (one row per message of each issue) into an open text file."""
    writer = csv.writer(handle)
    writer.writerow(DETAIL_COLUMNS)
    for issue in issues:
        for message in issue.members:
            writer.writerow([issue.issue_id, _defused(message.id), _defused(message.user), _defused(message.title),
                             f"{message.at:%Y/%m/%d %H:%M:%S}", _defused(message.body), message.likes,
                             message.dislikes])
