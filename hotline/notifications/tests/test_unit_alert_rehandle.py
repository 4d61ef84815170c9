"""Alerts to a unit an order is given back to, to handle again (承办单位提醒：退回重办).

退回重办 (the centre's review did not accept the reply) and a return visit's 重办 alert the lead unit; a return
by the unit an order was handed down to (下级退回) alerts the unit above. Once per step, for the orders in the
centre's scope (紧急/较急/水电气热 by default), never for a confidential order, never with the reviewer's
reason or the citizen's words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.notifications import unit_alerts
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import AlertScope, Template, UnitAlertKind
from hotline.notifications.models import UnitAlert
from hotline.notifications.services import muted
from hotline.notifications.tests.test_unit_alerts import (
    ASSIST_PHONE,
    LEAD_PHONE,
    NEW_PHONE,
    OTHER_PHONE,
    local,
    scope,
    sent_to,
    unit_notes,
)
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import Urgency
from hotline.tickets import services
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    Channel,
    ReturnReason,
    Satisfaction,
    Status,
    VisitMethod,
)
from hotline.tickets.models import Assignment, ForwardSettings, Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

#: The reviewer's reason quotes the citizen: it stays on the order page, never in an SMS.
REASON = "答复未说明处理结果，群众张三丰（13812345678）称路灯仍不亮"
CALLER = {"caller_name": "张三丰", "caller_phone": "13812345678"}


@pytest.fixture
def team(db: None) -> Cast:
    """A lead street and two assisting units, each with a duty mobile."""
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=LEAD_PHONE)
    assisting = [HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=ASSIST_PHONE),
                 HandlingUnitFactory(kind=UnitKind.DEPARTMENT, phone=OTHER_PHONE)]
    return Cast.build(lead=lead, assisting=assisting)


def quietly(status: str, team: Cast, **draft: Any) -> Ticket:
    """An order driven to `status` without any alert on the way (the steps before are not under test)."""
    with muted():
        return make_ticket(status, cast=team, **draft)


def lead_reply_due(ticket: Ticket, team: Cast) -> str:
    """The fresh reply deadline of the lead, as the SMS writes it."""
    return local(Assignment.objects.get(ticket=ticket, unit=team.lead, role=AssignmentRole.LEAD).reply_due)


def rehandle_alerts(action: str) -> int:
    return UnitAlert.objects.filter(kind=UnitAlertKind.REHANDLE, event__action=action).count()


# --- 退回重办 ---------------------------------------------------------------------------------------


def test_a_reply_sent_back_alerts_the_lead_unit_once(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    ticket = quietly(Status.REPLIED, team, urgency=Urgency.URGENT, title="路灯不亮", **CALLER)
    with on_commit():
        services.send_back(ticket, actor=team.inspector, reason=REASON)
    [text] = sent_to(LEAD_PHONE)
    assert text == (f"退回重办：工单{ticket.number}「路灯不亮」的答复未通过审核，请于{lead_reply_due(ticket, team)}前重新答复。"
                    f"详见：https://12345.example.cn/orders/{ticket.number}/")
    for secret in ("张三丰", "13812345678", "路灯仍不亮", "处理结果"):
        assert secret not in text
    assert not sent_to(ASSIST_PHONE) and not sent_to(OTHER_PHONE)  # the lead answers for the reply
    [note] = unit_notes()
    assert (note.template, note.subject, note.unit, note.ticket) == (
        Template.UNIT_REHANDLE, "单位提醒：退回重办", team.lead, ticket)
    assert rehandle_alerts(Action.SEND_BACK) == 1
    event = ticket.timeline.get(action=Action.SEND_BACK)
    for _ in range(2):  # a re-delivered signal
        ticket_changed.send(sender=Ticket, ticket_id=ticket.pk, event_id=event.pk, action=event.action,
                            from_status=event.from_status, to_status=event.to_status)
    assert len(MemoryNotifier.sent) == 1 and rehandle_alerts(Action.SEND_BACK) == 1


@pytest.mark.parametrize(("setting", "urgency", "alerted"), [
    (None, Urgency.PRESSING, True),  # default: 紧急, 较急 and 水电气热 only
    (None, Urgency.NORMAL, False),
    (AlertScope.ALL, Urgency.NORMAL, True),
    (AlertScope.OFF, Urgency.URGENT, False),
])
def test_the_centre_chooses_which_orders_alert_on_re_handling(frozen_now: datetime, team: Cast, on_commit: Any,
                                                              setting: str | None, urgency: str,
                                                              alerted: bool) -> None:
    if setting is not None:
        scope(rehandle=setting)
    ticket = quietly(Status.REPLIED, team, urgency=urgency)
    with on_commit():
        services.send_back(ticket, actor=team.inspector, reason="答复内容不完整")
    assert len(sent_to(LEAD_PHONE)) == int(alerted)
    assert rehandle_alerts(Action.SEND_BACK) == int(alerted)


def test_a_confidential_order_is_never_alerted_on_re_handling(frozen_now: datetime, team: Cast) -> None:
    scope(rehandle=AlertScope.ALL)
    ticket = quietly(Status.REPLIED, team, urgency=Urgency.URGENT)
    with muted():
        services.send_back(ticket, actor=team.inspector, reason="答复内容不完整")
    Ticket.objects.filter(pk=ticket.pk).update(is_confidential=True)
    event = ticket.timeline.get(action=Action.SEND_BACK)
    assert unit_alerts.alert_units_for_event(ticket_id=ticket.pk, event_id=event.pk, action=event.action) == []
    assert not UnitAlert.objects.exists() and not MemoryNotifier.sent


def test_an_order_replied_again_is_no_news_when_the_alert_comes_late(frozen_now: datetime, team: Cast) -> None:
    ticket = quietly(Status.REPLIED, team, urgency=Urgency.URGENT)
    with muted():
        services.send_back(ticket, actor=team.inspector, reason="答复内容不完整")
        services.reply(ticket, actor=team.lead_handler, unit=team.lead, content="已补充处理结果", contacted=True,
                       resolved=True)
    event = ticket.timeline.get(action=Action.SEND_BACK)
    assert unit_alerts.alert_units_for_event(ticket_id=ticket.pk, event_id=event.pk, action=event.action) == []


# --- 回访重办 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("resolved", "satisfaction", "opening"), [
    (True, Satisfaction.UNSATISFIED, "回访不满意：工单{number}「路灯不亮」群众回访不满意，已退回您单位重办"),
    (False, Satisfaction.BASICALLY, "回访未解决：工单{number}「路灯不亮」经回访群众反映问题未解决，已退回您单位重办"),
])
def test_a_return_visit_that_sends_the_order_back_alerts_the_lead(frozen_now: datetime, team: Cast, on_commit: Any,
                                                                  resolved: bool, satisfaction: str,
                                                                  opening: str) -> None:
    ticket = quietly(Status.AWAITING_VISIT, team, urgency=Urgency.PRESSING, title="路灯不亮", **CALLER)
    with on_commit():
        services.record_return_visit(ticket, actor=team.inspector, contacted=True, resolved=resolved,
                                     satisfaction=satisfaction, note="群众张三丰表示路灯只亮了一天")
    [text] = sent_to(LEAD_PHONE)
    assert text == (opening.format(number=ticket.number) + f"，请于{lead_reply_due(ticket, team)}前重新答复。"
                    f"详见：https://12345.example.cn/orders/{ticket.number}/")
    assert "张三丰" not in text and "只亮了一天" not in text
    assert not sent_to(ASSIST_PHONE) and not sent_to(OTHER_PHONE)
    assert rehandle_alerts(Action.RETURN_VISIT) == 1


def test_a_return_visit_that_closes_or_waits_alerts_nobody(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    scope(rehandle=AlertScope.ALL)
    waiting = quietly(Status.AWAITING_VISIT, team, urgency=Urgency.URGENT, **CALLER)
    with on_commit():
        services.record_return_visit(waiting, actor=team.inspector, contacted=False)  # not reached: try again
        services.record_return_visit(waiting, actor=team.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)
    assert Ticket.objects.get(pk=waiting.pk).status == Status.CLOSED
    assert not unit_notes() and not UnitAlert.objects.exists()


def test_an_on_site_check_that_finds_the_problem_unsolved_alerts_the_lead(frozen_now: datetime, team: Cast,
                                                                          on_commit: Any) -> None:
    """A proactive order (主动发现) has no caller: the centre's 现场核查 sends it back."""
    ticket = quietly(Status.AWAITING_VISIT, team, urgency=Urgency.URGENT, channel=Channel.PROACTIVE,
                     title="井盖缺失")
    with on_commit():
        services.record_return_visit(ticket, actor=team.inspector, contacted=False, resolved=False,
                                     method=VisitMethod.VERIFY, note="现场井盖仍缺失")
    [text] = sent_to(LEAD_PHONE)
    assert text.startswith(f"核查未解决：工单{ticket.number}「井盖缺失」经中心现场核查问题未解决，已退回您单位重办，"
                           f"请于{lead_reply_due(ticket, team)}前重新答复。")
    assert "仍缺失" not in text


def test_a_normal_order_sent_back_by_a_visit_is_not_alerted_by_default(frozen_now: datetime, team: Cast,
                                                                       on_commit: Any) -> None:
    ticket = quietly(Status.AWAITING_VISIT, team)
    with on_commit():
        services.record_return_visit(ticket, actor=team.inspector, contacted=True, resolved=False,
                                     satisfaction=Satisfaction.UNSATISFIED)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    assert not MemoryNotifier.sent and not UnitAlert.objects.exists()


# --- 下级退回 ---------------------------------------------------------------------------------------


@pytest.fixture
def community(team: Cast) -> HandlingUnit:
    """A community below the lead street, with a duty mobile and a handler (the centre lets orders go down to it)."""
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    unit = HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=team.lead, phone=NEW_PHONE, name="幸福社区居委会")
    UserFactory(role=Role.UNIT_HANDLER, units=[unit])
    return unit


def handler_of(unit: HandlingUnit) -> User:
    return User.objects.get(units=unit)


def handed_down(team: Cast, community: HandlingUnit, **draft: Any) -> Ticket:
    ticket = quietly(Status.DISPATCHED, team, **draft)
    with muted():
        services.forward(ticket, actor=team.lead_handler, to=community, note="请网格员到场查看")
    return ticket


def test_a_return_from_the_unit_below_alerts_the_unit_above(frozen_now: datetime, team: Cast, on_commit: Any,
                                                            community: HandlingUnit) -> None:
    ticket = handed_down(team, community, urgency=Urgency.URGENT, title="路灯不亮", **CALLER)
    below = handler_of(community)
    with on_commit():
        services.return_order(ticket, actor=below, reason_code=ReturnReason.NOT_OUR_AREA,
                              reason="不在本社区，群众张三丰住在隔壁社区")
    [text] = sent_to(LEAD_PHONE)
    above = Assignment.objects.get(ticket=ticket, unit=team.lead)
    assert text == (f"下级退回：工单{ticket.number}「路灯不亮」已由幸福社区居委会退回您单位，"
                    f"请于{local(above.reply_due)}前办理或重新下派。详见：https://12345.example.cn/orders/{ticket.number}/")
    assert not sent_to(NEW_PHONE) and not sent_to(ASSIST_PHONE) and not sent_to(OTHER_PHONE)
    [alert] = UnitAlert.objects.filter(kind=UnitAlertKind.REHANDLE, event__action=Action.RETURN)
    assert alert.assignment == above


def test_a_return_from_below_follows_the_scope_and_confidentiality(frozen_now: datetime, team: Cast,
                                                                    on_commit: Any, community: HandlingUnit) -> None:
    below = handler_of(community)
    ordinary = handed_down(team, community)
    with on_commit():
        services.return_order(ordinary, actor=below, reason_code=ReturnReason.NOT_OUR_AREA, reason="不在本社区")
    assert not MemoryNotifier.sent  # 仅紧急、较急和水电气热 by default
    scope(rehandle=AlertScope.ALL)
    secret = handed_down(team, community, urgency=Urgency.URGENT)
    with muted():
        services.return_order(secret, actor=below, reason_code=ReturnReason.NOT_OUR_AREA, reason="不在本社区")
    Ticket.objects.filter(pk=secret.pk).update(is_confidential=True)
    event = secret.timeline.get(action=Action.RETURN)
    assert unit_alerts.alert_units_for_event(ticket_id=secret.pk, event_id=event.pk, action=event.action) == []
    assert not UnitAlert.objects.exists()


def test_a_return_to_the_centre_alerts_nobody(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    """The centre decides a return first (同意 or 驳回退单, which has its own alert)."""
    scope(rehandle=AlertScope.ALL, dispatched=AlertScope.OFF)
    ticket = quietly(Status.DISPATCHED, team, urgency=Urgency.URGENT)
    with on_commit():
        services.return_order(ticket, actor=team.lead_handler, unit=team.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="不属于本单位职责")
    assert not MemoryNotifier.sent and not UnitAlert.objects.exists()
