"""The 相似答复 panel shows another order's reply: that order's caller (name, firm) must be masked as in every
text others read (docs/security.md), not only names with a cue."""

from __future__ import annotations

from datetime import datetime

from hotline.replyqa import selectors
from hotline.replyqa.tests.test_replyqa import GOOD, _replied
from hotline.tickets import services


def test_similar_reply_masks_the_other_orders_caller_name_and_firm(db: None, frozen_now: datetime) -> None:
    earlier = _replied("鑫达建材有限公司反映的路灯问题，王建华家门口那盏已修好。" + GOOD,
                       caller_name="王建华", caller_company="鑫达建材有限公司")
    services.approve_reply(earlier, actor=earlier.cast.inspector)
    ticket = _replied("已收悉")
    offered = selectors.similar_replies(ticket, ticket.cast.inspector)
    assert offered and offered[0].number == earlier.number
    assert "王建华" not in offered[0].reply and "王**家门口" in offered[0].reply
    assert "鑫达建材" not in offered[0].reply and offered[0].reply.startswith("鑫**反映的")
