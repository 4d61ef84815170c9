"""A reply or a send-back reason made only of invisible characters is no text (as core.entered.visible says)."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.intelligence.reply_quality import check_reply
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Reply
from hotline.tickets.tests.factories import make_ticket

INVISIBLE = "\u200b\u200b\ufeff\u2060"


def test_a_reply_of_only_invisible_characters_is_refused(db: None, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, title="多福巷社区门口路灯不亮", description="路灯坏了一个星期。")
    with pytest.raises(RuleViolation, match="答复内容不能为空"):
        services.reply(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, content=INVISIBLE + " \n",
                       public_reply="", contacted=True, resolved=True, is_truthful=True)
    assert not Reply.objects.filter(ticket=ticket).exists()


def test_a_send_back_reason_of_only_invisible_characters_is_refused(db: None, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, title="多福巷社区门口路灯不亮", description="路灯坏了一个星期。")
    services.reply(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, content="已收悉",
                   public_reply="", contacted=True, resolved=True, is_truthful=True)
    ticket.refresh_from_db()
    with pytest.raises(RuleViolation, match="退回重办须说明理由"):
        services.send_back(ticket, actor=ticket.cast.inspector, reason=INVISIBLE)
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED


def test_the_checker_calls_an_invisible_reply_empty() -> None:
    found = check_reply("多福巷社区门口的路灯坏了一个星期。", INVISIBLE, title="多福巷社区门口路灯不亮")
    assert found.codes == ["empty"]
