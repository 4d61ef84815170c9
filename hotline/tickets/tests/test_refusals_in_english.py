"""Refused steps speak the asker's language (拒绝提示随界面语言): Chinese by default, English on request.

The services raise their refusals with gettext, so the message is written in the language active when
the step is refused (the page's or the API caller's). The Chinese is the source text, unchanged; only
names of units and orders (data) may stay Chinese in the English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.attachments.services import check_upload
from hotline.portal import services as portal
from hotline.revisits import services as revisits
from hotline.revisits.choices import Outcome, VisitState
from hotline.revisits.models import SecondVisit
from hotline.tickets import services
from hotline.tickets.choices import (
    Action,
    NotAcceptedReason,
    ReturnReason,
    Satisfaction,
    Status,
    SupervisionKind,
)
from hotline.tickets.constants import MAX_SUPERVISION_LEVEL
from hotline.tickets.exceptions import DomainError
from hotline.tickets.services._core import check_role
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(call: Callable[[], object], language: str) -> str:
    """The message of the refusal `call` raises with `language` active."""
    with translation.override(language), pytest.raises(DomainError) as caught:
        call()
    return caught.value.message


def english(message: str, *names: str) -> str:
    """`message`, checked to be English but for the quoted names (data stays as it was typed)."""
    rest = message
    for name in names:
        rest = rest.replace(name, "")
    assert not CJK.search(rest), message
    return message


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def test_the_shared_step_machinery(cast: Cast) -> None:
    pending = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    dispatch = lambda: services.dispatch(pending, actor=cast.lead_handler, lead=cast.lead)  # noqa: E731
    assert refused(dispatch, "zh-hans") == "承办人无权执行「派单」"
    assert english(refused(dispatch, "en")) == "A Case handler may not take the step “Dispatch”"

    anonymous = lambda: check_role(Action.DISPATCH, None)  # noqa: E731
    assert refused(anonymous, "zh-hans") == "「派单」需要登录后操作"
    assert english(refused(anonymous, "en")) == "Sign in to take the step “Dispatch”"

    dispatched = make_ticket(Status.DISPATCHED, cast=cast)
    answer = lambda: services.answer_directly(dispatched, actor=cast.intake, answer="已答复")  # noqa: E731
    assert refused(answer, "zh-hans") == f"工单{dispatched.number}当前状态为「待签收」，不能执行「直接答复」"
    assert english(refused(answer, "en")) == (
        f"Work order {dispatched.number} is “Awaiting acceptance”: “Answered directly” is not possible now")

    def stale() -> None:  # a refused step reloads the caller's copy: make it stale each time
        dispatched.version -= 1
        services.sign(dispatched, actor=cast.lead_handler)

    assert refused(stale, "zh-hans") == "工单已被他人处理，请刷新后重试"
    english(refused(stale, "en"))


def test_dispatching(cast: Cast) -> None:
    pending = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    merge = lambda: services.merge(pending, actor=cast.dispatcher, master=pending)  # noqa: E731
    assert refused(merge, "zh-hans") == "不能并入自身"
    assert refused(merge, "en") == "A work order cannot be merged into itself"

    secret = make_ticket(Status.PENDING_DISPATCH, cast=cast, is_confidential=True)
    dispatch = lambda: services.dispatch(secret, actor=cast.dispatcher, lead=cast.lead)  # noqa: E731
    assert refused(dispatch, "zh-hans") == "保密工单不派发至承办单位，由中心直接答复办理"
    assert english(refused(dispatch, "en")).startswith("A confidential work order is not dispatched")

    closed = make_ticket(Status.ANSWERED, cast=cast)
    into_closed = lambda: services.merge(pending, actor=cast.dispatcher, master=closed)  # noqa: E731
    assert refused(into_closed, "zh-hans") == (
        f"主工单{closed.number}为「直接答复」，已不再办理，不能作为主工单；请将本单作为新诉求派单办理")
    assert english(refused(into_closed, "en")).startswith(f"Master work order {closed.number} is “Answered directly”")

    designated = make_ticket(Status.DISPATCHED, cast=cast, designate=True)
    give_back = lambda: services.return_order(designated, actor=cast.lead_handler,  # noqa: E731
                                              reason_code=ReturnReason.NOT_OUR_DUTY, reason="不属于本单位")
    assert refused(give_back, "zh-hans") == "指定派单的工单不能退单"
    assert refused(give_back, "en") == "A designated work order cannot be returned"


def test_intake(cast: Cast) -> None:
    registered = make_ticket(Status.REGISTERED, cast=cast)
    empty = lambda: services.answer_directly(registered, actor=cast.intake, answer=" ")  # noqa: E731
    assert refused(empty, "zh-hans") == "直接答复内容不能为空"
    assert refused(empty, "en") == "The direct answer cannot be empty"

    unknown = lambda: services.not_accept(registered, actor=cast.intake, reason="gossip")  # noqa: E731
    assert refused(unknown, "zh-hans") == "未知的不予受理原因「gossip」"
    assert refused(unknown, "en") == "Unknown reason for not accepting: “gossip”"

    nowhere = lambda: services.transfer(registered, actor=cast.intake, to="999")  # noqa: E731
    assert refused(nowhere, "zh-hans") == "不支持转至「999」"
    assert refused(nowhere, "en") == "Cannot transfer to “999”"


def test_supervision(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    no_kind = lambda: services.supervise(ticket, actor=cast.supervisor, kind="shout", note="快")  # noqa: E731
    assert refused(no_kind, "zh-hans") == "请选择催办或督办并填写意见"
    assert refused(no_kind, "en") == "Choose reminder or supervision and write your comments"

    too_high = lambda: services.supervise(ticket, actor=cast.supervisor, kind=SupervisionKind.SUPERVISE,  # noqa: E731
                                          level=MAX_SUPERVISION_LEVEL + 1, note="请加快")
    assert refused(too_high, "zh-hans") == f"督办级别须在 1 至 {MAX_SUPERVISION_LEVEL} 之间"
    assert refused(too_high, "en") == f"The supervision level must be between 1 and {MAX_SUPERVISION_LEVEL}"


def test_second_visits(cast: Cast) -> None:
    ticket = make_ticket(Status.CLOSED, cast=cast)
    event = ticket.timeline.order_by("-seq").first()
    visit = SecondVisit.objects.create(ticket=ticket, close_event=event, closed_at=ticket.closed_at,
                                       due_at=ticket.closed_at, state=VisitState.SOLVED)
    wrong_role = lambda: revisits.record(visit, actor=cast.dispatcher, outcome=Outcome.SOLVED)  # noqa: E731
    assert refused(wrong_role, "zh-hans") == "派单员无权进行二次回访"
    assert refused(wrong_role, "en") == "A Dispatcher may not make second visits"

    done = lambda: revisits.record(visit, actor=cast.inspector, outcome=Outcome.SOLVED)  # noqa: E731
    assert refused(done, "zh-hans") == "该二次回访已是「问题已解决」，不能再记录"
    assert refused(done, "en") == "This second visit is already “Issue resolved” and cannot be recorded again"


def test_attachments_and_the_portal() -> None:
    text = lambda: check_upload(SimpleUploadedFile("说明.txt", b"plain words"))  # noqa: E731
    assert refused(text, "zh-hans").startswith("文件「说明.txt」的类型不被允许")
    english(refused(text, "en"), "说明.txt")

    used = lambda: portal.rate("no-such-link", resolved=True, satisfaction=Satisfaction.SATISFIED)  # noqa: E731
    assert refused(used, "zh-hans") == "评价链接无效或已使用"
    assert refused(used, "en") == "This rating link is not valid or has already been used"


def test_the_api_refuses_in_the_callers_language(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    session = Client()
    session.force_login(cast.dispatcher)
    body = json.dumps({"version": ticket.version, "master_number": ticket.number})

    def merge_into_itself(language: str) -> dict:
        response = session.post(f"/api/v1/orders/{ticket.number}/actions/merge", data=body,
                                content_type="application/json", headers={"Accept-Language": language})
        assert response.status_code == 400
        return response.json()["error"]

    assert merge_into_itself("zh-CN") == {"code": "rule_violation", "message": "不能并入自身", "details": None}
    assert merge_into_itself("en")["message"] == "A work order cannot be merged into itself"


def test_the_order_page_shows_the_refusal_in_english(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    client = Client()
    client.force_login(cast.dispatcher)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("order-act", args=[ticket.number, Action.MERGE]),
                           {"version": str(ticket.version), "merge-master_number": ticket.number})
    assert response.status_code == 400
    page = response.content.decode()
    assert "A work order cannot be merged into itself" in page and "不能并入自身" not in page


def test_what_is_stored_stays_chinese_in_the_english_ui(cast: Cast) -> None:
    """Only refusals follow the asker's language: the timeline notes a step writes are stored in Chinese."""
    dispatched = make_ticket(Status.DISPATCHED, cast=cast)
    registered = make_ticket(Status.REGISTERED, cast=cast)
    with translation.override("en"):
        services.return_order(dispatched, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="不属于本单位")
        services.not_accept(registered, actor=cast.intake, reason=NotAcceptedReason.REPEAT)
    assert dispatched.timeline.order_by("-seq").first().note == f"{ReturnReason.NOT_OUR_DUTY.label}：不属于本单位"
    assert registered.timeline.order_by("-seq").first().note == str(NotAcceptedReason.REPEAT.label)
    assert CJK.search(str(NotAcceptedReason.REPEAT.label))


def test_handling_and_review_refusals_in_english(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    ask = lambda: services.request_extension(t, actor=cast.lead_handler, days=3, reason=" ")  # noqa: E731
    assert refused(ask, "zh-hans") == "请填写延期理由"
    assert refused(ask, "en") == "Give the reason for the extension"
    services.request_extension(t, actor=cast.lead_handler, days=3, reason="需协调多个部门")
    again = lambda: services.request_extension(t, actor=cast.lead_handler, days=2, reason="再延")  # noqa: E731
    assert refused(again, "zh-hans") == "已有待审批的延期申请"
    assert not CJK.search(refused(again, "en"))
    replied = make_ticket(Status.REPLIED, cast=cast)
    back = lambda: services.send_back(replied, actor=cast.inspector, reason="")  # noqa: E731
    assert refused(back, "zh-hans") == "退回重办须说明理由"
    assert refused(back, "en") == "Give the reason for sending the reply back"
