"""往期类似答复: other citizens' phone and ID numbers in the loaded replies are masked, when loaded and when shown."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from hotline.kb import selectors
from hotline.kb.models import ReplyExample
from hotline.kb.replies import load_replies
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

DETAIL = "我叫王建国，电话13907318888，身份证430102198001011234，隔壁工地每天夜里施工到凌晨两点"
REPLY = ("王建国先生您好，经核实，工地夜间施工问题已转交属地街道处理，街道已安排人员现场查看并督促整改，"
         "如有疑问请联系13907318888以外的本局电话。")
SECRETS = ("13907318888", "430102198001011234")


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "replies.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言编号", "留言主题", "留言详情", "答复意见", "答复时间"])
        writer.writerow(["201", "工地夜间施工噪音扰民 13907318888", DETAIL, REPLY, "2019/1/6"])
    return path


def test_loading_stores_the_replies_masked(tmp_path: Path, frozen_now: object) -> None:
    assert load_replies(_file(tmp_path)).added == 1
    stored = ReplyExample.objects.get(source_no="201")
    for secret in SECRETS:
        assert secret not in f"{stored.topic} {stored.detail} {stored.reply}"
    assert "隔壁工地每天夜里施工" in stored.detail and "街道已安排人员现场查看" in stored.reply


def test_excerpts_of_rows_stored_raw_are_masked(frozen_now: object) -> None:
    example = ReplyExample.objects.create(source_no="9", topic="工地夜间施工噪音扰民", detail=DETAIL, reply=REPLY)
    from hotline.kb import index

    index.put_replies([(example.pk, example.topic, example.detail)])
    ticket = make_ticket(Status.IN_PROGRESS, description="工地夜间施工噪音扰民")
    found = selectors.similar_replies(ticket)
    assert found
    for secret in SECRETS:
        assert secret not in found[0].request_excerpt + found[0].reply_excerpt


def test_the_unit_sees_the_replies_masked(tmp_path: Path, frozen_now: object) -> None:
    load_replies(_file(tmp_path))
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, description="工地夜间施工噪音扰民")
    client = Client()
    client.force_login(cast.lead_handler)
    page = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "往期类似答复" in page and "工地夜间施工" in page
    for secret in SECRETS:
        assert secret not in page
