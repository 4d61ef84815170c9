"""Past department replies: loading them, finding similar ones, and who sees the order-page panels."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.kb import selectors
from hotline.kb.exceptions import SeedError
from hotline.kb.models import ReplyExample
from hotline.kb.replies import load_replies, reindex_replies
from hotline.kb.tests.conftest import make_article
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"]
GOOD_REPLY = "网友您好，经核实，{0}问题已转交属地街道处理，街道已安排工作人员现场查看并督促整改，感谢您的监督。"


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def replies_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "replies.csv", [
        ["101", "u1", "小区路灯不亮", "2019/1/1", "幸福小区门口路灯坏了一个月没人修", GOOD_REPLY.format("路灯"), "2019/1/5"],
        ["102", "u2", "工地夜间施工噪音扰民", "2019/1/2", "隔壁工地每天夜里施工到凌晨两点", GOOD_REPLY.format("噪音"), "2019/1/6"],
        ["103", "u3", "物业乱收停车费", "2019/1/3", "物业未经业主大会同意上调停车费", GOOD_REPLY.format("物业"), ""],
        ["104", "u4", "只有一句话", "2019/1/3", "内容", "已转相关部门。", ""],
        ["", "u5", "没有编号", "2019/1/3", "内容", GOOD_REPLY.format("无"), ""],
        ["101", "u1", "重复的编号", "2019/1/1", "重复", GOOD_REPLY.format("重复"), ""],
    ])


def test_loading_replies_reports_bad_rows_and_is_idempotent(db, replies_file) -> None:  # noqa: ANN001
    report = load_replies(replies_file)
    assert report.added == 3
    reasons = dict(report.rejected)
    assert len(report.rejected) == 2 and any("答复意见不足" in r for r in reasons.values())
    assert any("缺少留言编号" in r for r in reasons.values())
    assert report.existing == 1  # the repeated number in the same file
    again = load_replies(replies_file)
    assert (again.added, again.existing) == (0, 4)
    assert ReplyExample.objects.count() == 3


def test_a_file_without_the_columns_is_refused(db, tmp_path) -> None:  # noqa: ANN001
    bad = write_csv(tmp_path / "bad.csv", [["1", "x"]], header=["留言编号", "留言主题"])
    with pytest.raises(SeedError, match="缺少列"):
        load_replies(bad)
    with pytest.raises(SeedError, match="找不到"):
        load_replies(tmp_path / "missing.csv")


def test_similar_replies_rank_the_related_request_first(db, replies_file, frozen_now) -> None:  # noqa: ANN001
    load_replies(replies_file)
    ticket = make_ticket(Status.IN_PROGRESS, description="楼下工地夜间施工，噪音太大影响休息")
    found = selectors.similar_replies(ticket)
    assert found[0].example.source_no == "102"
    assert found[0].request_excerpt.startswith("工地夜间施工噪音扰民")
    assert "噪音" in found[0].reply_excerpt
    assert reindex_replies() == 3
    assert selectors.similar_replies(ticket)[0].example.source_no == "102"


def page_for(user, ticket) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    response = client.get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_lead_unit_handler_sees_similar_replies_while_handling(db, replies_file, frozen_now) -> None:  # noqa: ANN001
    load_replies(replies_file)
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, description="工地夜间施工噪音扰民")
    assert "往期类似答复" in page_for(cast.lead_handler, ticket)
    assert "工地夜间施工噪音扰民" in page_for(cast.lead_handler, ticket)
    for other in (cast.assist_handlers[0], cast.intake, cast.dispatcher):
        assert "往期类似答复" not in page_for(other, ticket)


def test_no_similar_replies_before_signing_or_after_replying(db, replies_file, frozen_now) -> None:  # noqa: ANN001
    load_replies(replies_file)
    cast = Cast.build()
    dispatched = make_ticket(Status.DISPATCHED, cast=cast, description="工地夜间施工噪音扰民")
    replied = make_ticket(Status.REPLIED, cast=cast, description="工地夜间施工噪音扰民")
    assert "往期类似答复" not in page_for(cast.lead_handler, dispatched)
    assert "往期类似答复" not in page_for(cast.lead_handler, replied)


def test_the_answer_panel_is_for_agents_on_open_consultations(org, frozen_now) -> None:  # noqa: ANN001
    make_article(org.department, "居住证办理指南", answer="携带身份证到派出所办理。")
    cast = Cast.build()
    consult = make_ticket(Status.REGISTERED, cast=cast, request_type=RequestType.CONSULT, description="居住证怎么办")
    page = page_for(cast.intake, consult)
    assert "知识库答复" in page and "以此答复" in page and "居住证办理指南" in page
    assert reverse("kb:answer", args=[consult.number]) in page

    complaint = make_ticket(Status.REGISTERED, cast=cast, description="居住证办理窗口排队太久")
    assert "知识库答复" not in page_for(cast.intake, complaint)
    answered = make_ticket(Status.ANSWERED, cast=cast, request_type=RequestType.CONSULT, description="居住证")
    assert "知识库答复" not in page_for(cast.intake, answered)
    assert "知识库答复" not in page_for(UserFactory(role=Role.INSPECTOR), consult)
