"""The findings' evidence in the viewer's language: the system's sentences translated, quotes left as they are."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.intelligence.reply_quality import Finding, check_reply
from hotline.replyqa import checks, disputes, labels
from hotline.replyqa.models import DisputedContact
from hotline.replyqa.tests.test_replyqa import GOOD
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Assignment, Reply
from hotline.tickets.tests.factories import SHANGHAI, UserFactory, make_ticket

CJK = re.compile(r"[\u4e00-\u9fff]")
REQUEST = "多福巷社区门口的路灯坏了一个星期，晚上出行很不方便。"
TITLE = "多福巷社区门口路灯不亮"


def _checked() -> list[Finding]:
    """Findings of every kind whose evidence the system writes in its own words."""
    start = datetime(2025, 3, 4, 9, tzinfo=SHANGHAI)
    found = [*check_reply(REQUEST, "已收悉，谢谢。", title=TITLE).findings,  # too short, off topic, elements
             *check_reply(REQUEST, f"您反映的“{REQUEST}”已收悉。", title=TITLE).findings,  # copied
             *check_reply(REQUEST, GOOD + "身份证号110101199001011234", title=TITLE, requested_at=start,
                          replied_at=start + timedelta(days=9)).findings,  # late, privacy
             *check_reply(REQUEST, GOOD + "电话13800000000", title=TITLE, citizen_phone="13800000000",
                          requested_at=start, replied_at=start + timedelta(days=30)).findings]  # very late
    found.append(disputes.finding(DisputedContact(reply=Reply(created_at=start + timedelta(days=2)),
                                                  visited_at=start + timedelta(days=4))))  # found at the visit
    due = datetime(2025, 3, 8, 9, tzinfo=SHANGHAI)  # a Saturday: the limit runs to Friday's end
    for replied, overdue in ((start + timedelta(days=2), True), (due + timedelta(hours=1), None)):
        found += checks.check(REQUEST, GOOD, title=TITLE, requested_at=start, replied_at=replied,
                              due=due, overdue=overdue).findings  # the assignment's verdict, the deadline alone
    return found


def test_every_evidence_sentence_of_the_system_reads_in_english(db: None) -> None:
    findings = _checked()
    assert set(labels.EVIDENCE) <= {f.code for f in findings} | {"weak_topic"}
    assert len({f.evidence for f in findings if f.code == "late"}) == 3  # by the limit, overdue, after the due
    with translation.override("en"):
        for finding in findings:
            if finding.code not in labels.EVIDENCE:
                continue
            shown = labels.evidence(finding)
            if finding.code == "off_topic":  # the request's terms not mentioned are quoted as they are
                assert shown.startswith("Request points covered: 0%; not mentioned: 多福巷"), shown
            else:
                assert not CJK.search(shown), (finding.code, shown)
        short = next(f for f in findings if f.code == "too_short")
        assert labels.evidence(short) == "5 characters"  # 已收悉谢谢: punctuation is not counted
        assert labels.evidence(Finding("too_short", "high", "", "1 字")) == "1 character"
    with translation.override("zh-hans"):  # the Chinese record is shown as written
        assert [labels.evidence(f) for f in findings] == [f.evidence for f in findings]


def test_quotes_and_unknown_texts_are_shown_as_written() -> None:
    with translation.override("en"):
        assert labels.evidence(Finding("evasive", "low", "", "择机、尽快")) == "择机、尽快"
        assert labels.evidence(Finding("sensitive", "high", "", "刁**")) == "刁**"
        assert labels.evidence(Finding("late", "medium", "", "另一种说法")) == "另一种说法"


def test_the_english_panel_shows_the_evidence_in_english(db: None, traveller: time_machine.Coordinates) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, title=TITLE, description=REQUEST)
    traveller.move_to(Assignment.objects.get(ticket=ticket, role="lead").reply_due + timedelta(days=3))
    services.reply(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead,
                   content="我们高度重视，积极协调相关部门，将择机研究解决。", public_reply="",
                   contacted=True, resolved=True, is_truthful=True)
    client = Client()
    client.force_login(UserFactory(role=Role.INSPECTOR))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "Nothing found giving the result" in page and "未找到" not in page
    assert "Took 8 working days; the limit is 5 working days" in page and "用时" not in page
    assert "择机" in page  # the phrases quoted from the reply stay as they are


def test_severities_are_not_urgencies_in_english() -> None:
    """一般 as a finding's severity is "Medium" (the project catalogue's bare 一般 is the urgency "Normal")."""
    from django.utils import translation

    from hotline.replyqa.labels import SEVERITY_LABELS

    with translation.override("en"):
        assert [str(SEVERITY_LABELS[k]) for k in ("high", "medium", "low", "info")] == ["High", "Medium", "Low", "Note"]
    with translation.override("zh-hans"):
        assert str(SEVERITY_LABELS["medium"]) == "一般"
