"""Reply quality in the product: the order-page panel, the reviewer's list and `hotline reply-check`."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.replyqa import checks, files
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import SHANGHAI, UserFactory, make_ticket

DATA = Path(__file__).parent / "data" / "replies_weak_labels_slice.csv"
GOOD = ("关于您反映的多福巷社区门口路灯不亮的问题，经现场核实，两盏路灯线路老化。根据《城市照明管理办法》规定，"
        "我街道已安排维修人员更换线路，现已恢复照明。如有疑问请致电街道城管科，联系电话010-65000000。")


def _replied(content: str, **draft: object):
    ticket = make_ticket(Status.IN_PROGRESS, title="多福巷社区门口路灯不亮",
                         description="多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。", **draft)
    services.reply(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, content=content,
                   public_reply="", contacted=True, resolved=True, is_truthful=True)
    ticket.refresh_from_db()
    return ticket


def _page(user, ticket) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    response = client.get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_reviewer_sees_the_findings_with_reasons(db: None, frozen_now: datetime) -> None:
    ticket = _replied("我们高度重视，积极协调相关部门，将择机研究解决。")
    page = _page(ticket.cast.inspector, ticket)
    assert "答复质检" in page
    assert "未说明处理结果" in page and "答复过于简短" in page
    assert "择机" in page  # the evidence names the phrases


def test_a_good_reply_shows_no_problem(db: None, frozen_now: datetime) -> None:
    ticket = _replied(GOOD)
    page = _page(ticket.cast.inspector, ticket)
    assert "未发现问题" in page and "100 分" in page


def test_the_unit_and_other_roles_without_centre_access_never_see_the_panel(db: None, frozen_now: datetime) -> None:
    ticket = _replied("已收悉")
    assert "答复质检" not in _page(ticket.cast.lead_handler, ticket)


def test_the_findings_never_block_approval(db: None, frozen_now: datetime) -> None:
    ticket = _replied("已收悉")
    services.approve_reply(ticket, actor=ticket.cast.inspector)
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_VISIT
    assert "该答复已审核" in _page(ticket.cast.inspector, ticket)


def test_the_reviewers_list_shows_score_and_findings(db: None, frozen_now: datetime) -> None:
    poor = _replied("已收悉")
    good = _replied(GOOD)
    client = Client()
    client.force_login(UserFactory(role=Role.INSPECTOR))
    page = client.get(reverse("replyqa-list")).content.decode()
    assert poor.number in page and good.number in page
    assert "答复过于简短" in page
    client.force_login(poor.cast.lead_handler)
    assert client.get(reverse("replyqa-list")).status_code == 403


def test_timeliness_counts_working_days_on_the_official_calendar(db: None) -> None:
    before_holiday = datetime(2025, 9, 30, 9, 0, tzinfo=SHANGHAI)  # National Day week follows
    after = datetime(2025, 10, 9, 9, 0, tzinfo=SHANGHAI)
    # 15 h of 30 Sep + 9 h of 9 Oct: the National Day holiday does not count
    assert checks.working_days_between(before_holiday, after) == 1.0
    found = checks.check("路灯不亮", GOOD, requested_at=before_holiday, replied_at=after, title="路灯不亮")
    assert found.working_days == 1.0 and "late" not in found.codes
    # to 15 Oct: 1 + 9, 10, the 调休 Saturday 11 Oct, 13, 14 Oct = 6 working days
    late = checks.check("路灯不亮", GOOD, requested_at=before_holiday, replied_at=after + timedelta(days=6),
                        title="路灯不亮")
    assert "late" in late.codes


# --- The command ---------------------------------------------------------------------------------


def test_the_command_summarises_a_real_slice_and_compares_with_the_weak_labels() -> None:
    out = StringIO()
    call_command("reply_check", "--data", str(DATA), stdout=out)
    text = out.getvalue()
    assert "共检查 40 条答复" in text and "与弱标签（可解释性）比较：40 条" in text
    last = text.splitlines()[-1]
    assert last.startswith("checked=40 flagged=") and " agreement=0." in last


def test_without_weak_labels_there_is_no_agreement(tmp_path: Path) -> None:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    plain = tmp_path / "replies.csv"
    plain.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines[:1]) + "\n"
                     + "1,U1,路灯不亮,2019/1/2 10:00:00,路灯不亮很久了,已收悉,2019/1/3 10:00:00\n", encoding="utf-8")
    out = StringIO()
    call_command("reply_check", "--data", str(plain), stdout=out)
    assert out.getvalue().splitlines()[-1] == "checked=1 flagged=1"


def test_a_broken_file_is_a_clear_error_and_bad_rows_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("留言编号,留言详情,答复时间\n1,路灯不亮,2019/1/3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少列 答复意见"):
        call_command("reply_check", "--data", str(broken))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("reply_check", "--data", str(tmp_path / "none.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("留言主题,留言详情,留言时间,答复意见,答复时间,可解释性\n"
                   "路灯,路灯不亮,明天,已收悉,2019/1/3 10:00:00,1\n"
                   "路灯,路灯不亮,2019/1/2 10:00:00,已收悉,2019/1/3 10:00:00,5\n"
                   "路灯,路灯不亮,2019/1/2 10:00:00,已收悉,2019/1/3 10:00:00,0\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("reply_check", "--data", str(bad), stdout=out, stderr=err)
    assert "第 2 行已跳过" in err.getvalue() and "第 3 行已跳过" in err.getvalue()
    assert out.getvalue().splitlines()[-1].startswith("checked=1 flagged=1 agreement=1.00")


def test_agreement_and_kappa() -> None:
    result = files.agreement([(1, 1)] * 6 + [(0, 0)] * 2 + [(1, 0)] * 2)
    assert result.accuracy == 0.8
    assert result.kappa == pytest.approx((0.8 - (0.8 * 0.6 + 0.2 * 0.4)) / (1 - (0.8 * 0.6 + 0.2 * 0.4)))
    assert result.recall_unexplained == 1.0 and result.precision_unexplained == 0.5


def test_the_list_makes_the_same_number_of_queries_for_more_replies(db: None, frozen_now: datetime) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(UserFactory(role=Role.INSPECTOR))
    _replied(GOOD)
    client.get(reverse("replyqa-list"))  # warm the calendar's override cache
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("replyqa-list"))
    _replied("已收悉")
    _replied(GOOD)
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("replyqa-list")).content.decode()
    assert page.count("/orders/") >= 3
    assert len(three) == len(one)


def test_the_panel_shows_approved_replies_to_similar_requests(db: None, frozen_now: datetime) -> None:
    earlier = _replied(GOOD)
    services.approve_reply(earlier, actor=earlier.cast.inspector)
    other = make_ticket(Status.IN_PROGRESS, title="医保报销比例咨询", description="请问门诊医保报销比例是多少？")
    services.reply(other, actor=other.cast.lead_handler, unit=other.cast.lead, content="门诊报销比例为50%。",
                   public_reply="", contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(other, actor=other.cast.inspector)
    ticket = _replied("已收悉")
    page = _page(ticket.cast.inspector, ticket)
    assert "类似诉求的已审核答复" in page
    assert earlier.number in page and "现已恢复照明" in page
    assert other.number not in page  # not similar enough
