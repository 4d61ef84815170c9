"""Review fixes of 答复质检: the lead's reply is the one checked, ID numbers are found as the masking finds them,
and the similar replies offered are lead replies the centre reviewed, never from confidential orders."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from hotline.core import numbers
from hotline.core.privacy import numbers_masked, scrub_public_text
from hotline.intelligence import reply_quality
from hotline.intelligence.reply_quality import check_reply
from hotline.replyqa import selectors
from hotline.replyqa.tests.test_replyqa import GOOD
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.models import Reply, Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

BAD = "已收悉，我们高度重视，积极协调相关部门，将择机研究解决。"
TITLE = "多福巷社区门口路灯不亮"
REQUEST = "多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。"


def _reply(ticket: Ticket, actor, unit, content: str) -> None:  # noqa: ANN001
    services.reply(ticket, actor=actor, unit=unit, content=content, public_reply="", contacted=True,
                   resolved=True, is_truthful=True)


def _lead_then_assist(lead_text: str, assist_text: str) -> Ticket:
    """The lead replies (答复待审), then the assisting unit gives its input (协办答复), allowed while waiting."""
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, title=TITLE, description=REQUEST)
    _reply(ticket, cast.lead_handler, cast.lead, lead_text)
    _reply(ticket, cast.assist_handlers[0], cast.assisting[0], assist_text)
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED
    ticket.cast = cast
    return ticket


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


# --- 3. the lead's reply is the one checked --------------------------------------------------------------


def test_the_panel_checks_the_lead_reply_under_review_not_a_later_assist_reply(db: None,
                                                                                frozen_now: datetime) -> None:
    ticket = _lead_then_assist(BAD, GOOD)
    checked = selectors.latest_reply(ticket)
    assert checked.assignment.role == AssignmentRole.LEAD and checked.content == BAD
    page = _client(ticket.cast.inspector).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "未说明处理结果" in page and "答复过于简短" in page  # the boilerplate lead reply's findings


def test_the_reviewers_list_scores_the_lead_reply_under_review(db: None, frozen_now: datetime) -> None:
    ticket = _lead_then_assist(BAD, GOOD)
    [review] = selectors.reviews(list(selectors.awaiting_review(ticket.cast.inspector)))
    assert review.reply.content == BAD and review.findings.score < 100
    page = _client(ticket.cast.inspector).get(reverse("replyqa-list")).content.decode()
    row = page.split(ticket.number, 1)[1].split("</tr>", 1)[0]
    assert "答复过于简短" in row


def test_an_order_whose_lead_has_not_replied_has_no_reply_to_check(db: None, frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, title=TITLE, description=REQUEST)
    _reply(ticket, cast.assist_handlers[0], cast.assisting[0], GOOD)
    assert selectors.latest_reply(ticket) is None


# --- 5. ID card numbers found as the privacy masking finds them ------------------------------------------


def _with_id(written: str) -> str:
    return ("关于您反映的路灯问题，经现场核实，根据《城市照明管理办法》规定已安排维修，现已恢复照明。"
            f"已核对诉求人身份证号{written}，如有疑问请致电010-65000000。")


@pytest.mark.parametrize("written", ["110101199003071234", "11010119900307123X", "110101 19900307 1234",
                                     "110101-19900307-1234", "１１０１０１１９９００３０７１２３４",
                                     "110101—19900307—1234"])
def test_an_id_card_number_the_masking_hides_is_a_privacy_finding(written: str) -> None:
    reply = _with_id(written)
    assert numbers_masked(reply) != reply  # the masking hides it …
    found = check_reply(REQUEST, reply, citizen_phone="13812345678")
    assert "privacy" in found.codes  # … and the reply check flags it
    assert [f.evidence for f in found.findings if f.code == "privacy"] == ["身份证号"]


@pytest.mark.parametrize("written", ["110101 19900307 12345", "1101011990030712", "110101 19900307-1234"])
def test_digits_that_are_no_id_card_number_are_no_privacy_finding(written: str) -> None:
    found = check_reply(REQUEST, _with_id(written), citizen_phone="13812345678")
    assert "privacy" not in found.codes


def test_the_reply_check_and_the_id_pattern_import_no_django() -> None:
    for module in (reply_quality, numbers):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n.startswith("django")], module.__name__
        assert not [n for n in names if n.startswith("hotline") and n not in {
            "hotline.core.numbers", "hotline.intelligence.hotspots"}], module.__name__


# --- 6. similar replies: lead replies the centre reviewed, no confidential order -------------------------


def _offered(user) -> tuple[list[str], str]:  # noqa: ANN001
    """The replies offered to `user` on a new, similar order's panel, and that panel's page."""
    now = make_ticket(Status.REPLIED, title=TITLE, description=REQUEST)
    page = _client(user).get(reverse("order-detail", args=[now.number])).content.decode()
    return [similar.reply for similar in selectors.similar_replies(now, user)], page


def test_similar_replies_are_lead_replies_the_centre_reviewed(db: None, frozen_now: datetime) -> None:
    earlier = _lead_then_assist(GOOD, "协办单位意见：我单位不负责路灯，建议找供电所。多福巷社区门口路灯")
    services.approve_reply(earlier, actor=earlier.cast.supervisor)
    assist = Reply.objects.get(ticket=earlier, assignment__role=AssignmentRole.ASSIST)
    assert assist.reviewed_at is None  # stored approved, but nobody at the centre reviewed it
    offered, page = _offered(earlier.cast.supervisor)
    assert scrub_public_text(GOOD) in offered and scrub_public_text(assist.content) not in offered  # shown masked
    assert earlier.number in page and "协办单位意见" not in page


def test_similar_replies_leave_out_confidential_orders(db: None, frozen_now: datetime) -> None:
    """Confidential orders are not dispatched to units, but one may hold replies (marked 保密 later, imported)."""
    secret = _lead_then_assist(GOOD + "（保密）", "协办单位意见")
    services.approve_reply(secret, actor=secret.cast.supervisor)
    Ticket.objects.filter(pk=secret.pk).update(is_confidential=True)  # test set-up: marked 保密 afterwards
    assert Ticket.objects.visible_to(secret.cast.supervisor).filter(pk=secret.pk).exists()
    offered, page = _offered(secret.cast.supervisor)
    assert scrub_public_text(GOOD + "（保密）") not in offered
    assert secret.number not in page and "（保密）" not in page

