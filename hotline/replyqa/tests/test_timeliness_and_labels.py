"""答复质检 against the order's own SLA (重办 rounds), findings ordered by severity, grades in the UI language."""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.intelligence.reply_quality import Finding
from hotline.replyqa import labels, selectors
from hotline.replyqa.tests.test_replyqa import GOOD
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import UserFactory, make_ticket


def _reply(ticket, content: str = GOOD) -> None:  # noqa: ANN001
    services.reply(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, content=content,
                   public_reply="", contacted=True, resolved=True, is_truthful=True)


def _timeliness(ticket) -> list[Finding]:  # noqa: ANN001
    review = selectors.review_of(ticket, selectors.latest_reply(ticket))
    return [f for f in review.findings.findings if f.code in ("late", "very_late")]


def _rehandled(traveller: time_machine.Coordinates):  # noqa: ANN202
    """Dispatched Tue 4 Mar 2025, replied Thu, sent back (退回重办) Thu, replied again Wed 12 Mar."""
    ticket = make_ticket(Status.IN_PROGRESS, title="多福巷社区门口路灯不亮",
                         description="多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。")
    traveller.shift(timedelta(days=2))
    _reply(ticket, "已收悉")
    services.send_back(ticket, actor=ticket.cast.inspector, reason="未说明处理结果")
    traveller.shift(timedelta(days=6))  # 8 working days after dispatch, 4 after the send-back
    _reply(ticket)
    ticket.refresh_from_db()
    return ticket


def test_a_rehandled_reply_in_its_own_deadline_is_not_late(db: None, traveller: time_machine.Coordinates) -> None:
    ticket = _rehandled(traveller)
    lead = Assignment.objects.get(ticket=ticket, role="lead")
    assert not lead.reply_overdue and lead.replied_at <= lead.reply_due  # on time for 按时办结率
    review = selectors.review_of(ticket, selectors.latest_reply(ticket))
    assert _timeliness(ticket) == []
    assert review.findings.working_days == 4.0  # counted from the send-back, not from dispatch


def test_a_reply_after_the_assignments_deadline_is_late_with_the_limit(
        db: None, traveller: time_machine.Coordinates) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, title="多福巷社区门口路灯不亮",
                         description="多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。")
    lead = Assignment.objects.get(ticket=ticket, role="lead")
    traveller.move_to(lead.reply_due + timedelta(days=3))
    _reply(ticket)
    ticket.refresh_from_db()
    assert Assignment.objects.get(pk=lead.pk).reply_overdue
    [late] = _timeliness(ticket)
    assert "用时" in late.evidence and "时限" in late.evidence


def test_an_assignment_counted_overdue_is_never_shown_on_time(db: None, traveller: time_machine.Coordinates) -> None:
    ticket = _rehandled(traveller)
    Assignment.objects.filter(ticket=ticket, role="lead").update(reply_overdue=True)  # an earlier round overran
    ticket.refresh_from_db()
    [late] = _timeliness(ticket)
    assert late.code == "late" and "答复超期" in late.evidence


def test_an_earlier_reply_is_judged_in_its_own_round(db: None, traveller: time_machine.Coordinates) -> None:
    ticket = _rehandled(traveller)
    first = min(ticket.replies.all(), key=lambda reply: reply.created_at)
    current = selectors.handling_round(ticket, first)
    assert current.started == first.assignment.dispatched_at and current.overdue is False
    assert selectors.review_of(ticket, first).findings.working_days == 2.0


def test_the_findings_come_most_severe_first_and_stable() -> None:
    findings = [Finding("missing_basis", "low", "x"), Finding("bad_dates", "info", "x"),
                Finding("missing_process", "medium", "x"), Finding("missing_contact", "low", "x"),
                Finding("sensitive", "high", "x"), Finding("privacy", "high", "x")]
    assert [row["severity"] for row in labels.rows(findings)] == ["high", "high", "medium", "low", "low", "info"]
    assert [row["message"] for row in labels.rows(findings)][:2] == [labels.FINDING_LABELS["sensitive"],
                                                                      labels.FINDING_LABELS["privacy"]]


def test_the_list_shows_a_high_finding_among_the_main_problems(db: None, frozen_now: datetime) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, title="多福巷社区门口路灯不亮",
                         description="多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。")
    _reply(ticket, "关于多福巷社区门口路灯不亮的问题，经现场核实，路灯线路老化，现已恢复照明。"
                   "我们高度重视，积极协调，将进一步研究。你这种刁民。")  # four low findings, then sensitive
    client = Client()
    client.force_login(UserFactory(role=Role.INSPECTOR))
    page = client.get(reverse("replyqa-list")).content.decode()
    row = page[page.index(ticket.number):]
    row = row[:row.index("</tr>")]
    assert "含不当或敏感用语" in row and row.count("；") == 2


def test_the_grade_is_translated(db: None, frozen_now: datetime) -> None:
    with translation.override("en"):
        assert [str(labels.grade_label(g)) for g in "优良中差"] == ["Excellent", "Good", "Fair", "Poor"]
    ticket = make_ticket(Status.IN_PROGRESS, title="多福巷社区门口路灯不亮",
                         description="多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。")
    _reply(ticket, "已收悉")
    client = Client()
    client.force_login(UserFactory(role=Role.INSPECTOR))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("replyqa-list")).content.decode()
    assert "<td>Poor</td>" in page and "<td>差</td>" not in page
    panel = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "· Poor" in panel
