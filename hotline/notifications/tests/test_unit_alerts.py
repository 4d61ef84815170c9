"""Alerts to the handling units' duty phones after steps (承办单位提醒): 新派单, 驳回退单, 群众催办.

Who is alerted (lead and assisting units, the new unit of a re-dispatch, only units with a mobile), for which
orders (the centre's scope per kind: 紧急/较急/水电气热 by default for new orders), once per step, and what
the text may never carry (the caller's name or phone, the description, a confidential order).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.notifications import unit_alerts
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import AlertScope, DeliveryStatus, Recipient, Template, UnitAlertKind
from hotline.notifications.models import Notification, UnitAlert, UnitAlertSettings
from hotline.notifications.services import muted
from hotline.notifications.unit_texts import duty_mobile, short_title
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import Urgency
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentRole, ReturnReason, Status
from hotline.tickets.models import Assignment, ForwardSettings, Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import (
    Cast,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

LEAD_PHONE, ASSIST_PHONE, OTHER_PHONE, NEW_PHONE = "13900000001", "13900000002", "13900000003", "13900000004"



@pytest.fixture
def team(db: None) -> Cast:
    """A lead street and two assisting units, each with a duty mobile (one written after a landline)."""
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    lead = HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=LEAD_PHONE)
    assisting = [HandlingUnitFactory(kind=UnitKind.STREET, parent=district, phone=ASSIST_PHONE),
                 HandlingUnitFactory(kind=UnitKind.DEPARTMENT, phone=f"0731-88990001 / {OTHER_PHONE}")]
    return Cast.build(lead=lead, assisting=assisting)


def scope(**kinds: str) -> None:
    row = UnitAlertSettings.current()
    for kind, value in kinds.items():
        setattr(row, kind, value)
    row.save()


def unit_notes(**filters: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=Recipient.UNIT, **filters).order_by("id"))


def sent_to(phone: str) -> list[str]:
    return [m.body for m in MemoryNotifier.sent if m.to == phone]


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def dispatched(team: Cast, on_commit: Any, **draft: Any) -> Ticket:
    with on_commit():
        return make_ticket(Status.DISPATCHED, cast=team, **draft)


# --- 新派单 ----------------------------------------------------------------------------------------


def test_an_urgent_dispatch_alerts_the_lead_and_every_assisting_unit(frozen_now: datetime, team: Cast,
                                                                    on_commit: Any) -> None:
    ticket = dispatched(team, on_commit, urgency=Urgency.URGENT, title="燃气管道疑似泄漏")
    [lead] = sent_to(LEAD_PHONE)
    sign_due = Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD).sign_due
    assert lead == (f"新派单（紧急）：工单{ticket.number}「燃气管道疑似泄漏」已派至您单位（主办），请于{local(sign_due)}前签收。"
                    f"详见：https://12345.example.cn/orders/{ticket.number}/")
    assert local(sign_due) == "03-04 10:15"  # 15 minutes, Beijing time
    assert [len(sent_to(ASSIST_PHONE)), len(sent_to(OTHER_PHONE))] == [1, 1]
    assert "（协办）" in sent_to(ASSIST_PHONE)[0] and "（协办）" in sent_to(OTHER_PHONE)[0]
    notes = unit_notes()
    assert {(n.template, n.status, n.ticket_id) for n in notes} == {(Template.UNIT_DISPATCHED, DeliveryStatus.SENT,
                                                                      ticket.pk)}
    assert {n.unit for n in notes} == {team.lead, *team.assisting}
    assert UnitAlert.objects.filter(kind=UnitAlertKind.DISPATCHED, event__action=Action.DISPATCH).count() == 3


@pytest.mark.parametrize(("draft", "alerted"), [
    ({"urgency": Urgency.URGENT}, True),
    ({"urgency": Urgency.PRESSING}, True),
    ({"urgency": Urgency.NORMAL}, False),
])
def test_by_default_only_pressing_orders_alert_on_dispatch(frozen_now: datetime, team: Cast, on_commit: Any,
                                                           draft: dict, alerted: bool) -> None:
    dispatched(team, on_commit, **draft)
    assert len(sent_to(LEAD_PHONE)) == int(alerted)


def test_a_utility_category_is_pressing_whichever_level_carries_the_flag(frozen_now: datetime, team: Cast,
                                                                         on_commit: Any) -> None:
    water = CategoryFactory(name="供水", is_utility=True)
    leak = CategoryFactory(name="水管漏水", parent=CategoryFactory(name="管网", parent=water))
    dispatched(team, on_commit, category=leak)
    [text] = sent_to(LEAD_PHONE)
    assert text.startswith("新派单：工单")  # no urgency named: an ordinary 水电气热 order


def test_all_orders_or_none_as_the_centre_chooses(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    scope(dispatched=AlertScope.ALL)
    dispatched(team, on_commit)
    assert len(sent_to(LEAD_PHONE)) == 1
    scope(dispatched=AlertScope.OFF)
    dispatched(team, on_commit, urgency=Urgency.URGENT)
    assert len(sent_to(LEAD_PHONE)) == 1


def test_a_unit_without_a_mobile_gets_no_sms_but_the_centre_sees_it(frozen_now: datetime, on_commit: Any,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    landline = HandlingUnitFactory(phone="0731-88990002")
    silent = HandlingUnitFactory(phone="")
    cast = Cast.build(lead=landline, assisting=[silent])
    with caplog.at_level(logging.WARNING, logger="hotline.notifications.unit_alerts"):
        dispatched(cast, on_commit, urgency=Urgency.URGENT)
    assert not unit_notes() and not MemoryNotifier.sent
    assert UnitAlert.objects.filter(notification__isnull=True).count() == 2
    assert "has no mobile duty phone" in caplog.text
    assert set(unit_alerts.units_without_mobile()) >= {landline, silent}


def test_a_re_delivered_signal_sends_nothing_new(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    ticket = dispatched(team, on_commit, urgency=Urgency.URGENT)
    event = ticket.timeline.get(action=Action.DISPATCH)
    for _ in range(2):
        ticket_changed.send(sender=Ticket, ticket_id=ticket.pk, event_id=event.pk, action=event.action,
                            from_status=event.from_status, to_status=event.to_status)
    assert len(unit_notes()) == 3 and len(MemoryNotifier.sent) == 3


def test_a_signed_order_is_no_news_when_the_alert_comes_late(frozen_now: datetime, team: Cast) -> None:
    """A worker that catches up after the unit signed sends no 新派单 to it."""
    with muted():
        ticket = make_ticket(Status.IN_PROGRESS, cast=team, urgency=Urgency.URGENT)
    event = ticket.timeline.get(action=Action.DISPATCH)
    assert unit_alerts.alert_units_for_event(ticket_id=ticket.pk, event_id=event.pk, action=event.action) == []


def test_a_re_dispatch_alerts_the_new_unit(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    fresh = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, phone=NEW_PHONE)
    ticket = dispatched(team, on_commit, urgency=Urgency.URGENT)
    with on_commit():
        services.return_order(ticket, actor=team.lead_handler, unit=team.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="属于供水企业职责")
        services.accept_return(ticket, actor=team.dispatcher, lead=fresh)
    [text] = sent_to(NEW_PHONE)
    assert f"工单{ticket.number}" in text and "（主办）" in text
    assert len(sent_to(LEAD_PHONE)) == 1  # the old lead heard of the first dispatch only


def test_an_order_handed_down_alerts_the_unit_below(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    """下派 is a new order for the unit below, like a dispatch; its return alerts the unit above (下级退回)."""
    community = HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=team.lead, phone=NEW_PHONE)
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    handler = UserFactory(role=Role.UNIT_HANDLER, units=[community])
    ticket = dispatched(team, on_commit, urgency=Urgency.URGENT)
    with on_commit():
        services.forward(ticket, actor=team.lead_handler, to=community, note="请网格员到场查看")
    [text] = sent_to(NEW_PHONE)
    assert text.startswith(f"新派单（紧急）：工单{ticket.number}") and "（主办）" in text
    assert UnitAlert.objects.filter(kind=UnitAlertKind.DISPATCHED, event__action=Action.FORWARD).count() == 1
    with on_commit():
        services.return_order(ticket, actor=handler, reason_code=ReturnReason.NOT_OUR_AREA, reason="不在本社区")
    assert len(sent_to(NEW_PHONE)) == 1
    first, back = sent_to(LEAD_PHONE)
    assert first.startswith("新派单（紧急）") and back.startswith(f"下级退回：工单{ticket.number}")


def test_an_order_taken_back_tells_the_unit_below_it_need_not_act(frozen_now: datetime, team: Cast,
                                                                    on_commit: Any) -> None:
    """收回下派: the unit below heard of the order (新派单), so it hears it was taken back; nobody else does."""
    community = HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=team.lead, phone=NEW_PHONE, name="幸福社区")
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
    ticket = dispatched(team, on_commit, urgency=Urgency.URGENT, title="燃气管道疑似泄漏")
    with on_commit():
        services.forward(ticket, actor=team.lead_handler, to=community, note="请网格员到场查看")
    with on_commit():
        services.recall(ticket, actor=team.lead_handler, note="选错社区")
    first, taken_back = sent_to(NEW_PHONE)
    assert taken_back == (f"收回下派：工单{ticket.number}「燃气管道疑似泄漏」已由{team.lead.name}收回，您单位无需办理。"
                          f"详见：https://12345.example.cn/orders/{ticket.number}/")
    assert len(sent_to(LEAD_PHONE)) == 1  # the street heard of the first dispatch only
    assert first.startswith(f"新派单（紧急）：工单{ticket.number}")
    event = ticket.timeline.get(action=Action.RECALL)  # delivered again: nothing more
    ticket_changed.send(sender=Ticket, ticket_id=ticket.pk, event_id=event.pk, action=event.action,
                        from_status=event.from_status, to_status=event.to_status)
    assert len(sent_to(NEW_PHONE)) == 2


def test_a_rejected_return_alerts_the_unit_the_order_goes_back_to(frozen_now: datetime, team: Cast,
                                                                  on_commit: Any) -> None:
    ticket = dispatched(team, on_commit, urgency=Urgency.URGENT)
    with on_commit():
        services.return_order(ticket, actor=team.lead_handler, unit=team.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="不属于本单位职责")
        services.reject_return(ticket, actor=team.dispatcher, note="属地管理，仍由街道办理")
    first, back = sent_to(LEAD_PHONE)
    assert back.startswith(f"退单未获同意：工单{ticket.number}") and "不得再退单" in back and "前签收" in back
    assert len(sent_to(ASSIST_PHONE)) == 1  # the assisting units kept the order all along


def test_the_conclusion_of_a_consultation_alerts_the_units_it_names(frozen_now: datetime, team: Cast,
                                                                    on_commit: Any) -> None:
    with on_commit():
        ticket = make_ticket(Status.PENDING_DISPATCH, cast=team, urgency=Urgency.PRESSING)
        services.start_consultation(ticket, actor=team.dispatcher, units=[team.lead, team.assisting[0]],
                                    question="井盖缺失由谁负责？")
        services.conclude_consultation(ticket, actor=team.dispatcher, lead=team.lead, assisting=[team.assisting[0]],
                                       note="道路附属设施由街道主办")
    assert ["新派单（较急）" in t for t in sent_to(LEAD_PHONE) + sent_to(ASSIST_PHONE)] == [True, True]
    assert not sent_to(OTHER_PHONE)
    assert {a.event.action for a in UnitAlert.objects.select_related("event")} == {Action.CONCLUDE_CONSULTATION}


# --- 群众催办 --------------------------------------------------------------------------------------


def test_a_counted_chase_alerts_the_lead_unit(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    with on_commit():
        ticket = make_ticket(Status.IN_PROGRESS, cast=team)
        services.chase(ticket, actor=team.intake, note="群众来电询问进度，已告知正在办理")
    [text] = sent_to(LEAD_PHONE)
    reply_due = Assignment.objects.get(ticket=ticket, role=AssignmentRole.LEAD).reply_due
    assert text == (f"群众催办：工单{ticket.number}「投诉」群众来电催办（第1次），请抓紧办理，答复时限{local(reply_due)}。"
                    f"详见：https://12345.example.cn/orders/{ticket.number}/")
    assert not sent_to(ASSIST_PHONE)  # the lead answers for the order
    with on_commit():
        services.chase(ticket, actor=None)  # from the portal
    assert "群众网上催办（第2次）" in sent_to(LEAD_PHONE)[1]


def test_a_chase_that_does_not_count_alerts_nobody(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    with on_commit():
        ticket = make_ticket(Status.REPLIED, cast=team)  # the unit has replied: the centre reviews now
        services.chase(ticket, actor=team.intake, note="群众询问进度")
    assert ticket.timeline.filter(action=Action.CHASE, data__counted=False).exists()
    assert not unit_notes()


def test_the_chase_alert_can_be_switched_off(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    scope(chased=AlertScope.OFF)
    with on_commit():
        ticket = make_ticket(Status.IN_PROGRESS, cast=team)
        services.chase(ticket, actor=team.intake, note="群众询问进度")
    assert not unit_notes()


# --- What the text never carries -------------------------------------------------------------------


def test_no_caller_data_and_no_description_in_any_text(frozen_now: datetime, team: Cast, on_commit: Any) -> None:
    scope(dispatched=AlertScope.ALL)
    description = "我叫张三丰，电话13812345678，住在幸福小区三栋，楼下化粪池外溢"
    caller = {"description": description, "caller_name": "张三丰", "caller_phone": "13812345678"}
    derived = dispatched(team, on_commit, **caller)
    typed = dispatched(team, on_commit, title="张三丰反映13812345678附近化粪池外溢", **caller)
    with on_commit():
        services.sign(derived, actor=team.lead_handler, unit=team.lead)
        services.chase(derived, actor=team.intake, note="张三丰来电催办")
    phones = {LEAD_PHONE, ASSIST_PHONE, OTHER_PHONE}
    bodies = [n.body for n in unit_notes()] + [m.body for m in MemoryNotifier.sent if m.to in phones]
    assert len(bodies) == 2 * (3 * 2 + 1)
    for body in bodies:
        for secret in ("张三丰", "13812345678", "幸福小区", "化粪池外溢", "三丰"):
            assert secret not in body, body
    assert short_title(derived) == "投诉"  # the description's first words are never used as a title
    assert short_title(typed) == "***反映***附近化粪…"


def test_a_confidential_order_is_never_alerted(frozen_now: datetime, team: Cast) -> None:
    """Confidential orders are not dispatched; should one have an assignment all the same, nothing is sent."""
    scope(dispatched=AlertScope.ALL)
    with muted():
        ticket = make_ticket(Status.DISPATCHED, cast=team, urgency=Urgency.URGENT)
    Ticket.objects.filter(pk=ticket.pk).update(is_confidential=True)
    event = ticket.timeline.get(action=Action.DISPATCH)
    assert unit_alerts.alert_units_for_event(ticket_id=ticket.pk, event_id=event.pk, action=event.action) == []
    assert not UnitAlert.objects.exists() and not MemoryNotifier.sent


def test_muted_or_disabled_notifications_alert_no_unit(frozen_now: datetime, team: Cast, on_commit: Any,
                                                       settings: Any) -> None:
    with muted(), on_commit():
        make_ticket(Status.DISPATCHED, cast=team, urgency=Urgency.URGENT)
    settings.HOTLINE_NOTIFICATIONS_ENABLED = False
    dispatched(team, on_commit, urgency=Urgency.URGENT)
    assert not UnitAlert.objects.exists() and not MemoryNotifier.sent


def test_a_failing_gateway_is_recorded_and_the_step_stands(frozen_now: datetime, team: Cast, on_commit: Any,
                                                           settings: Any) -> None:
    settings.HOTLINE_NOTIFIER = "hotline.notifications.tests.fakes.FailingNotifier"
    ticket = dispatched(team, on_commit, urgency=Urgency.URGENT)
    assert ticket.status == Status.DISPATCHED
    assert {n.status for n in unit_notes()} == {DeliveryStatus.FAILED}


@pytest.mark.parametrize(("phone", "mobile"), [
    ("13900000001", "13900000001"),
    ("139-0000-0001", "13900000001"),
    ("0731-88990001；13900000001", "13900000001"),
    ("0731-88990001", ""),
    ("", ""),
    ("+86 139 0000 1111", "13900001111"),
    ("+8613900001111", "13900001111"),
    ("0086-139-0000-1111", "13900001111"),
    ("139 0000 1111", "13900001111"),
    ("１３９００００１１１１", "13900001111"),  # full-width digits
    ("13900001111 / 13800002222", "13900001111"),
    ("0731 8899 0001|13800002222", "13800002222"),
    ("13９00001111", "13900001111"),  # one full-width digit: read as written, sent in ASCII
    ("١٣٩٠٠٠٠١١١١", ""),  # other scripts' digits are not a phone number
])
def test_the_duty_mobile_is_the_first_mobile_number_of_the_contact_phone(phone: str, mobile: str) -> None:
    assert duty_mobile(HandlingUnitFactory.build(phone=phone)) == mobile
