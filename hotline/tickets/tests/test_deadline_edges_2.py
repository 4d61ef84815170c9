"""Four more edges of the assisting-unit and deadline rules (docs/sla.md §6, §8, §9).

- An assisting unit still to sign once the lead's reply is approved (待回访) cannot sign: its sign clock is moot,
  as its reply would be (`sla.sweep.assist_sign_moot`), and 签收及时率 leaves it out (`kpis.definitions.sign_missed`).
- An assisting unit whose reply is moot is withdrawn without blame when the order closes, even with a request for
  more time the centre could not decide in 待回访 (`sla.sweep.assist_clock_moot`).
- The returning lead's own extension request is not granted while its return awaits review (退单待审).
- The unit below returning a 下派 order up does not turn the unit above's yellow light green (`sla.continue_phase`).
- After 驳回退单 the deadline given back the review's time is a moved deadline: alerted again (§9).

Times are Beijing time, in March 2025 (no holidays): 一般 policy, sign within 1 working day, reply within 5,
yellow at 80 %.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.kpis.definitions import sign_missed
from hotline.notifications import unit_alerts
from hotline.notifications.choices import Template, UnitAlertKind
from hotline.notifications.models import Notification, UnitAlert, UnitAlertSettings
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    ReturnReason,
    Satisfaction,
    Status,
)
from hotline.tickets.exceptions import InvalidTransition, RuleViolation
from hotline.tickets.models import Assignment, Extension, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def bj(m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(2025, m, d, hh, mm, tzinfo=SH)


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def _return(ticket: Ticket, cast: Cast, at: datetime) -> None:
    with clock.frozen(at):
        services.return_order(_fresh(ticket), actor=cast.lead_handler, unit=cast.lead,
                              reason_code=ReturnReason.NOT_OUR_DUTY, reason="该事项属于其他部门职责")


def _visit(ticket: Ticket, cast: Cast, at: datetime, *, satisfied: bool) -> None:
    with clock.frozen(at):
        services.record_return_visit(_fresh(ticket), actor=cast.inspector, contacted=True, resolved=satisfied,
                                     satisfaction=Satisfaction.SATISFIED if satisfied else Satisfaction.UNSATISFIED)


# --- 1. An assisting unit still to sign in 待回访 -------------------------------------------------------------------


def _unsigned_helper_awaiting_visit() -> tuple[Cast, Ticket, Assignment]:
    """Dispatched Tue 03-04 10:00 (sign by Wed 03-05 10:00); the lead signs, replies and is approved the same day,
    the assisting unit has not signed."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, assist_signs=False, at=bj(3, 4, 10))
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    assert (helper.status, helper.sign_due, helper.light) == (AssignmentStatus.PENDING_SIGN, bj(3, 5, 10), Light.GREEN)
    return cast, t, helper


def test_an_assisting_unit_that_may_not_sign_in_awaiting_visit_is_not_judged_on_its_sign_clock():
    cast, t, helper = _unsigned_helper_awaiting_visit()
    with clock.frozen(bj(3, 4, 15)), pytest.raises(InvalidTransition):  # 协办签收 is closed in 待回访
        services.sign(_fresh(t), actor=cast.assist_handlers[0], unit=cast.assisting[0])
    sweep(bj(3, 5, 8))  # past its yellow mark (Wed 05:12)
    sweep(bj(3, 5, 11))  # past its sign deadline
    helper.refresh_from_db()
    assert (helper.light, helper.sign_overdue) == (Light.GREEN, False)
    assert not Assignment.objects.filter(sign_missed(bj(3, 5, 11)), pk=helper.pk).exists()  # 签收及时率 leaves it out
    _visit(t, cast, bj(3, 6, 10), satisfied=True)
    helper.refresh_from_db()
    assert (helper.status, helper.sign_overdue) == (AssignmentStatus.WITHDRAWN, False)


def test_the_sign_clock_is_judged_again_once_the_visit_sends_the_order_back():
    """重办 opens 协办签收 again: the sign deadline as it stands (already passed) is judged at the next sweep."""
    cast, t, helper = _unsigned_helper_awaiting_visit()
    sweep(bj(3, 5, 11))
    _visit(t, cast, bj(3, 6, 10), satisfied=False)
    assert _fresh(t).status == Status.IN_PROGRESS
    sweep(bj(3, 6, 10, 5))
    helper.refresh_from_db()
    assert (helper.light, helper.sign_overdue) == (Light.RED, True)
    assert Assignment.objects.filter(sign_missed(bj(3, 6, 10, 5)), pk=helper.pk).exists()


def test_an_assisting_unit_that_may_still_sign_is_judged_and_stays_late():
    """答复待审: 协办签收 is open, so the clock counts; a flag set then stays in 签收及时率 once in 待回访."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.REPLIED, cast=cast, assist_signs=False, at=bj(3, 4, 10))
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    sweep(bj(3, 5, 11))
    helper.refresh_from_db()
    assert (helper.light, helper.sign_overdue) == (Light.RED, True)
    with clock.frozen(bj(3, 5, 12)):
        services.approve_reply(_fresh(t), actor=cast.inspector)
    assert Assignment.objects.filter(sign_missed(bj(3, 5, 13)), pk=helper.pk).exists()


# --- 2. A moot assisting unit's pending request when the order closes -----------------------------------------


def test_a_moot_assisting_unit_with_a_pending_request_is_withdrawn_without_blame():
    """The assisting unit (reply by Tue 03-11 10:00) asks for 2 more days Wed 03-05 09:00; the lead's reply is
    approved at 10:00 (待回访): the centre can no longer decide the request. The visit on Wed 03-12 closes the
    order after the assisting unit's deadline: the request closes, but not "as if denied"."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(3, 4, 10))
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    with clock.frozen(bj(3, 5, 9)):
        services.request_extension(_fresh(t), actor=cast.assist_handlers[0], unit=cast.assisting[0], days=2,
                                   reason="需等待检测报告")
    with clock.frozen(bj(3, 5, 9, 30)):
        services.reply(_fresh(t), actor=cast.lead_handler, unit=cast.lead, content="已修复路灯", contacted=True,
                       resolved=True)
    with clock.frozen(bj(3, 5, 10)):
        services.approve_reply(_fresh(t), actor=cast.inspector)
    sweep(bj(3, 12, 10))
    _visit(t, cast, bj(3, 12, 11), satisfied=True)
    helper.refresh_from_db()
    assert (helper.status, helper.reply_overdue) == (AssignmentStatus.WITHDRAWN, False)
    assert Extension.objects.get(assignment=helper).status == Decision.REJECTED  # closed, not left pending


def test_a_late_reply_awaiting_the_decision_is_still_judged_when_the_order_closes():
    """Not moot: the assisting unit replied (after its deadline, while its timely request waited), so the
    closing judges the reply as a denial would (docs/sla.md §8)."""
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(3, 4, 10))
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    with clock.frozen(bj(3, 10, 9)):
        services.request_extension(_fresh(t), actor=cast.assist_handlers[0], unit=cast.assisting[0], days=2,
                                   reason="需等待检测报告")
    with clock.frozen(bj(3, 11, 12)):
        services.reply(_fresh(t), actor=cast.assist_handlers[0], unit=cast.assisting[0], content="已配合核实",
                       contacted=True, resolved=True)
        services.reply(_fresh(t), actor=cast.lead_handler, unit=cast.lead, content="已修复路灯", contacted=True,
                       resolved=True)
        services.approve_reply(_fresh(t), actor=cast.inspector)
    helper.refresh_from_db()
    assert helper.reply_overdue is False  # the request still decides it
    _visit(t, cast, bj(3, 12, 11), satisfied=True)
    helper.refresh_from_db()
    assert (helper.status, helper.reply_overdue) == (AssignmentStatus.COMPLETED, True)


# --- 3. The returning lead's own extension while its return awaits review -------------------------------------


def _requested_then_returned(assisting: int = 0) -> tuple[Cast, Ticket]:
    """The lead (reply by Tue 03-11 10:00) asks for 3 more working days Wed 03-05 08:00, returns the order 09:00."""
    cast = Cast.build(assisting=assisting)
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(3, 4, 10), caller_phone="13812345678")
    with clock.frozen(bj(3, 5, 8)):
        services.request_extension(_fresh(t), actor=cast.lead_handler, unit=cast.lead, days=3, reason="需协调施工队")
    _return(t, cast, bj(3, 5, 9))
    return cast, _fresh(t)


def _snapshot(t: Ticket) -> tuple:
    lead = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD)
    t = _fresh(t)
    return (t.version, t.status, t.close_due, t.extension_count, lead.reply_due, lead.phase_yellow_at,
            list(Extension.objects.filter(ticket=t).values_list("status", flat=True)))


def test_the_returning_leads_extension_is_not_granted_while_its_return_awaits_review(
        django_capture_on_commit_callbacks):
    cast, t = _requested_then_returned()
    before = _snapshot(t)
    with clock.frozen(bj(3, 5, 9, 30)), django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(RuleViolation, match="请先审核退单"):
        services.approve_extension(_fresh(t), actor=cast.dispatcher)
    assert _snapshot(t) == before  # nothing moved, the request still waits
    assert not Notification.objects.filter(ticket=t, template=Template.EXTENDED).exists()  # no text to the citizen
    other = HandlingUnitFactory()
    with clock.frozen(bj(3, 5, 10)):
        services.accept_return(_fresh(t), actor=cast.dispatcher, note="同意", lead=other)
    t = _fresh(t)
    assert (t.status, t.extension_count) == (Status.DISPATCHED, 0)
    assert Extension.objects.get(ticket=t).status == Decision.REJECTED  # closed with the unit's part


def test_the_returning_leads_request_may_be_denied_and_granted_once_the_return_is_rejected():
    cast, t = _requested_then_returned()
    with clock.frozen(bj(3, 5, 10)):
        services.reject_return(_fresh(t), actor=cast.dispatcher, note="属本单位职责")
    with clock.frozen(bj(3, 5, 10, 30)):
        services.approve_extension(_fresh(t), actor=cast.dispatcher)
    lead = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD)
    assert (lead.reply_due, Extension.objects.get(ticket=t).status) == (bj(3, 14, 11), Decision.APPROVED)

    cast, t = _requested_then_returned()
    with clock.frozen(bj(3, 5, 9, 30)):
        services.deny_extension(_fresh(t), actor=cast.dispatcher, note="先审核退单")
    assert Extension.objects.get(ticket=t).status == Decision.REJECTED


def test_an_assisting_units_request_is_still_granted_while_the_leads_return_awaits_review():
    cast, t = _requested_then_returned(assisting=1)
    helper = Assignment.objects.get(ticket=t, role=AssignmentRole.ASSIST)
    with clock.frozen(bj(3, 5, 9, 10)):
        services.request_extension(_fresh(t), actor=cast.assist_handlers[0], unit=cast.assisting[0], days=2,
                                   reason="需等待检测报告")
    mine = Extension.objects.get(assignment=helper)
    with clock.frozen(bj(3, 5, 9, 30)):
        services.approve_extension(_fresh(t), actor=cast.dispatcher, extension=mine)
    helper.refresh_from_db()
    assert (helper.reply_due, Extension.objects.get(pk=mine.pk).status) == (bj(3, 13, 10), Decision.APPROVED)
    assert Extension.objects.get(assignment__role=AssignmentRole.LEAD, ticket=t).status == Decision.PENDING


def test_the_page_and_the_api_refuse_it_with_the_reason():
    cast, t = _requested_then_returned()
    lead_request = Extension.objects.get(ticket=t)
    before = _snapshot(t)
    client = Client()
    client.force_login(cast.dispatcher)
    with clock.frozen(bj(3, 5, 9, 30)):
        page = client.post(reverse("order-act", args=[t.number, Action.APPROVE_EXTENSION]),
                           {"version": t.version, "approve_extension-extension": lead_request.pk}, follow=False)
        api = client.post(f"/api/v1/orders/{t.number}/actions/approve_extension",
                          data=json.dumps({"version": t.version, "extension": lead_request.pk}),
                          content_type="application/json")
    assert page.status_code == 400 and "请先审核退单" in page.content.decode()
    assert api.status_code == 400, api.content
    assert api.json()["error"]["code"] == "rule_violation" and "请先审核退单" in api.json()["error"]["message"]
    assert _snapshot(t) == before


# --- 4. The unit below returns a 下派 order up ---------------------------------------------------------------------


def _handed_down_while_yellow() -> tuple[Cast, Ticket, Assignment, HandlingUnit, object]:
    """A district signed Tue 03-04 10:00 (reply by Tue 03-11 10:00, yellow from Mon 03-10 10:00), yellow and alerted
    即将超期 at Mon 12:00, hands the order down to a street, which signs at 12:10."""
    with clock.frozen(bj(3, 4, 9)):
        UnitAlertSettings.current()  # the alerts were on before any deadline
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, phone="13900000021")
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    cast = Cast.build(lead=district)
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=bj(3, 4, 10))
    above = Assignment.objects.get(ticket=t, unit=district)
    sweep(bj(3, 10, 12))
    with clock.frozen(bj(3, 10, 12)):
        unit_alerts.alert_lights()
        services.forward(_fresh(t), actor=cast.lead_handler, unit=district, to=street, note="请街道核实")
    assert UnitAlert.objects.filter(assignment=above, kind=UnitAlertKind.DUE_SOON).count() == 1
    street_user = UserFactory(role=Role.UNIT_HANDLER, units=[street])
    with clock.frozen(bj(3, 10, 12, 10)):
        services.sign(_fresh(t), actor=street_user, unit=street)
    return cast, t, above, street, street_user


def _return_up(t: Ticket, street: HandlingUnit, user: object, at: datetime) -> None:
    with clock.frozen(at):
        services.return_order(_fresh(t), actor=user, unit=street, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="非本街道职责")


def test_a_yellow_unit_above_stays_yellow_when_the_order_is_returned_up_and_is_not_alerted_again():
    cast, t, above, street, street_user = _handed_down_while_yellow()
    _return_up(t, street, street_user, bj(3, 10, 12, 20))
    above.refresh_from_db()
    assert (above.status, above.reply_due, above.phase_due, above.phase_started_at, above.phase_yellow_at,
            above.light) == (AssignmentStatus.SIGNED, bj(3, 11, 10), bj(3, 11, 10), bj(3, 4, 10), bj(3, 10, 10),
                             Light.YELLOW)
    sweep(bj(3, 10, 12, 25))
    with clock.frozen(bj(3, 10, 12, 25)):
        unit_alerts.alert_lights()
    assert UnitAlert.objects.filter(assignment=above, kind=UnitAlertKind.DUE_SOON).count() == 1


def test_a_deadline_the_unit_below_extended_carries_up_with_its_yellow_mark_set_for_it():
    """The street is granted 2 more working days (reply by Thu 03-13 10:00) and then returns the order up: the
    district's phase goes on from Tue 03-04 10:00 with its yellow mark at 80 % of the 7 working days to the
    deadline carried up (Wed 03-12 00:24), as an extension marks it (§8)."""
    cast, t, above, street, street_user = _handed_down_while_yellow()
    with clock.frozen(bj(3, 10, 12, 15)):
        services.request_extension(_fresh(t), actor=street_user, unit=street, days=2, reason="需等待检测报告")
        services.approve_extension(_fresh(t), actor=cast.dispatcher)
    _return_up(t, street, street_user, bj(3, 10, 12, 20))
    above.refresh_from_db()
    assert (above.reply_due, above.phase_due, above.phase_started_at, above.phase_yellow_at, above.light) == (
        bj(3, 13, 10), bj(3, 13, 10), bj(3, 4, 10), bj(3, 12, 0, 24), Light.GREEN)


# --- 驳回退单: a moved deadline is alerted again (docs/sla.md §9, `sla.continue_phase`) ---------------------------


def test_a_rejected_return_alerts_the_deadline_given_back_again():
    """Sign by Wed 03-05 10:00, yellow and alerted at Wed 07:00; returned 08:00, rejected 08:30: sign by 10:30,
    still yellow. The deadline moved by the time given back, so the unit is alerted 即将超期 for it once more, as
    after a pause, and only once."""
    with clock.frozen(bj(3, 4, 9)):
        UnitAlertSettings.current()
    cast = Cast.build(lead=HandlingUnitFactory(kind=UnitKind.DISTRICT, phone="13900000021"))
    t = make_ticket(Status.DISPATCHED, cast=cast, at=bj(3, 4, 10))
    a = Assignment.objects.get(ticket=t, unit=cast.lead)
    sweep(bj(3, 5, 7))
    with clock.frozen(bj(3, 5, 7)):
        unit_alerts.alert_lights()
    _return(t, cast, bj(3, 5, 8))
    with clock.frozen(bj(3, 5, 8, 30)):
        services.reject_return(_fresh(t), actor=cast.dispatcher, note="属本单位职责")
    a.refresh_from_db()
    assert (a.light, a.phase_started_at, a.phase_due) == (Light.YELLOW, bj(3, 4, 10), bj(3, 5, 10, 30))
    for minute in (35, 40):
        sweep(bj(3, 5, 8, minute))
        with clock.frozen(bj(3, 5, 8, minute)):
            unit_alerts.alert_lights()
    due_soon = UnitAlert.objects.filter(assignment=a, kind=UnitAlertKind.DUE_SOON)
    assert sorted(due_soon.values_list("due", flat=True)) == [bj(3, 5, 10), bj(3, 5, 10, 30)]
