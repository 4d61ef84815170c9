"""Review s12 of 答复质检: similar replies masked, punctuation padding, a reply that only copies the request."""

from __future__ import annotations

from datetime import datetime

from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.intelligence.reply_quality import check_reply
from hotline.replyqa import labels, selectors
from hotline.replyqa.tests.test_replyqa import GOOD, _replied
from hotline.tickets import services

REQUEST = "桂花苑小区门口垃圾堆放多日无人清理，气味难闻。"
TITLE = "桂花苑垃圾无人清理"


def test_similar_replies_on_another_order_do_not_show_that_citizens_phone_number(db: None,
                                                                                 frozen_now: datetime) -> None:
    """The panel shows another order's approved reply; the other citizen's number written in it must be masked
    (as the units' 往期类似答复 masks it), not shown in full on an unrelated order with no access record."""
    earlier = _replied(GOOD.replace("如有疑问", "已电话联系您（13812345678），如有疑问"))
    services.approve_reply(earlier, actor=earlier.cast.inspector)
    ticket = _replied("已收悉")
    offered = selectors.similar_replies(ticket, ticket.cast.inspector)
    assert offered, "the earlier reply is offered"
    client = Client()
    client.force_login(ticket.cast.inspector)
    page = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert earlier.number in page
    assert "13812345678" not in offered[0].reply
    assert "13812345678" not in page
    assert "经现场核实" in offered[0].reply  # the rest of the reply is shown as written


def test_acknowledgement_padded_with_punctuation_is_still_too_short() -> None:
    """已收悉 followed by a row of 。/！/…… is a bare acknowledgement (too_short), whatever its length in code points."""
    for padding in ("。" * 40, "！" * 40, "……" * 20, " ~ " * 30):
        found = check_reply(REQUEST, "已收悉" + padding, title=TITLE)
        assert "too_short" in found.codes, padding
        assert [f.evidence for f in found.findings if f.code == "too_short"] == ["3 字"]  # content characters


COMPLAINT = ("多福巷社区门口的路灯坏了一个星期，我已多次致电物业，物业说目前正在协调，根据物业合同规定应当及时维修，"
             "但路灯至今不亮，晚上出行很不方便。")


def test_a_reply_that_only_copies_the_citizens_request_back_is_flagged() -> None:
    """The unit pasted the request back as its reply (plus 已收悉): no account of its own of what it did."""
    for reply in (COMPLAINT, f"您好，您反映的“{COMPLAINT}”问题已收悉。", COMPLAINT.replace("，", " ")):
        found = check_reply(COMPLAINT, reply, title="多福巷社区门口路灯不亮")
        assert found.flagged, (found.score, found.codes)
        assert "copied" in found.codes and not found.complete
        # the request's 正在协调 / 根据…规定 are the citizen's words, not the unit's result or basis
        assert not found.elements["result"] and not found.elements["basis"]
        assert found.grade == "差"


def test_a_reply_quoting_the_request_with_its_own_account_is_not_copied() -> None:
    """Quoting the request (您反映的“…”) before a real account of the handling is normal, not a copy."""
    found = check_reply(COMPLAINT, f"您反映的“{COMPLAINT}”问题，" + GOOD, title="多福巷社区门口路灯不亮")
    assert "copied" not in found.codes and "too_short" not in found.codes
    assert found.complete


def test_the_copied_finding_is_labelled_and_its_evidence_translated() -> None:
    found = check_reply(COMPLAINT, f"您好，您反映的“{COMPLAINT}”问题已收悉。", title="多福巷社区门口路灯不亮")
    copied = next(f for f in found.findings if f.code == "copied")
    assert copied.severity == "high" and copied.message == "答复仅复述诉求"
    assert copied.evidence.startswith("复述诉求 ") and copied.evidence.endswith("自述 11 字")
    with translation.override("en"):
        row = next(r for r in labels.rows(found.findings) if r["message"] == "The reply only repeats the request")
        assert row["evidence"].startswith("Characters copied from the request: ")
        assert row["evidence"].endswith("of the unit's own: 11")
