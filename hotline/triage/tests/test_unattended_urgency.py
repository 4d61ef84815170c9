"""A life-threatening order that comes in with no agent on the line alerts the shift lead (危及生命安全（无坐席受理）)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.core import clock
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage import services
from hotline.triage.models import Alert, AlertKind, AlertStatus, UrgencyAssessment

pytestmark = pytest.mark.django_db

GAS = "家里厨房煤气泄漏了，闻到很浓的煤气味，老人在家不敢动，快来人"


@pytest.fixture
def portal_order(org, django_capture_on_commit_callbacks, frozen_now):  # noqa: ANN001, ANN201
    """Submit a request on the portal (channel web, nobody registers it) and run the after-commit receivers."""
    from hotline.portal.services import submit_request, web_draft

    def _submit(description: str = GAS, title: str = "家里煤气泄漏"):  # noqa: ANN202
        with django_capture_on_commit_callbacks(execute=True):
            return submit_request(web_draft(request_type=RequestType.COMPLAINT, title=title, description=description,
                                            phone="13800138000", district=org.district))
    return _submit


def test_life_threatening_portal_order_alerts_the_shift_lead(portal_order) -> None:  # noqa: ANN001
    ticket = portal_order()
    assessment = UrgencyAssessment.objects.get(ticket=ticket)
    assert assessment.life_threatening and assessment.transfer_to == "119"
    alert = Alert.objects.get(kind=AlertKind.LIFE_UNATTENDED)
    assert alert.status == AlertStatus.OPEN and alert.master == ticket
    assert list(alert.tickets.all()) == [ticket]
    assert alert.created_at == clock.now() and alert.callers == 1
    assert alert.title == "疑似危及生命安全，无坐席受理，建议转 119：家里煤气泄漏"


def test_the_alert_is_listed_acknowledged_and_offers_no_merge(client, portal_order, staff) -> None:  # noqa: ANN001
    ticket = portal_order()
    alert = Alert.objects.get(kind=AlertKind.LIFE_UNATTENDED)
    client.force_login(staff["dispatcher"])
    listing = client.get(reverse("triage-alerts")).content.decode()
    assert "危及生命安全（无坐席受理）" in listing and ticket.number in listing
    only = client.get(reverse("triage-alerts"), {"kind": AlertKind.LIFE_UNATTENDED}).content.decode()
    assert alert.title in only
    page = client.get(reverse("triage-alert", args=[alert.pk])).content.decode()
    assert "全部并入主工单" not in page and "来电人不在线：请立即联系来电人核实" in page
    client.post(reverse("triage-alert-ack", args=[alert.pk]), {"note": "已电话联系，已转 119"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == staff["dispatcher"]


def test_an_ordinary_portal_order_raises_no_alert(portal_order) -> None:  # noqa: ANN001
    portal_order("小区门口路灯不亮，晚上出行不便", title="路灯不亮")
    assert not Alert.objects.exists()


@pytest.mark.parametrize("channel", [Channel.APP, Channel.TRANSFER_IN, Channel.WECHAT])
def test_other_channels_without_an_agent_alert_too(org, django_capture_on_commit_callbacks, channel) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.REGISTERED, cast=Cast.build(), at=NOW, description=GAS, channel=channel)
    assert Alert.objects.get(kind=AlertKind.LIFE_UNATTENDED).master == ticket


def test_a_call_the_agent_took_raises_no_alert(django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """On a call the agent sees the 转 119 banner while typing: the alert is for orders nobody took."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.REGISTERED, cast=Cast.build(), at=NOW, description=GAS, channel=Channel.PHONE)
    assert UrgencyAssessment.objects.get(ticket=ticket).life_threatening
    assert not Alert.objects.exists()


def test_a_call_no_account_registered_alerts(django_capture_on_commit_callbacks, frozen_now) -> None:  # noqa: ANN001
    draft = lifecycle.TicketDraft(request_type=RequestType.COMPLAINT, title="", description=GAS,
                                  channel=Channel.PHONE, caller_phone="13800138000")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = lifecycle.register(draft, actor=None)
    assert Alert.objects.get(kind=AlertKind.LIFE_UNATTENDED).master == ticket


def test_an_order_already_transferred_raises_no_alert(org, frozen_now) -> None:  # noqa: ANN001
    """Triage runs after the commit; an order transferred to 119 by then needs nobody."""
    cast = Cast.build()
    ticket = make_ticket(Status.REGISTERED, cast=cast, description=GAS, channel=Channel.WEB)
    UrgencyAssessment.objects.filter(ticket=ticket).delete()
    lifecycle.transfer(ticket, actor=cast.dispatcher, to="119", note="已转消防")
    services.on_registered(ticket.pk)
    assert UrgencyAssessment.objects.get(ticket=ticket).life_threatening
    assert not Alert.objects.exists()


def test_triage_run_again_raises_one_alert(portal_order) -> None:  # noqa: ANN001
    ticket = portal_order()
    services.on_registered(ticket.pk)  # a retried follow-up
    assessment = UrgencyAssessment.objects.get(ticket=ticket)
    assert services.alert_unattended(ticket, assessment) is None
    assert Alert.objects.filter(kind=AlertKind.LIFE_UNATTENDED).count() == 1


def test_life_threatening_portal_order_prompts_someone(portal_order, client, staff) -> None:  # noqa: ANN001
    """The reviewer's journey: the dispatch queue lists the order, and the shift lead has an alert for it."""
    ticket = portal_order()
    client.force_login(staff["dispatcher"])
    assert ticket.number in client.get(reverse("queue-dispatch")).content.decode()
    assert Alert.objects.filter(kind=AlertKind.LIFE_UNATTENDED, tickets=ticket, status=AlertStatus.OPEN).exists()


def test_the_dispatch_queue_lists_it_first_and_flagged_until_the_shift_lead_knows(
        portal_order, org, traveller) -> None:  # noqa: ANN001
    from datetime import timedelta

    from django.test import Client

    from hotline.tickets.tests.factories import Cast

    cast = Cast.build()
    earlier = make_ticket(Status.PENDING_DISPATCH, cast=cast, title="楼下餐馆油烟扰民")
    traveller.shift(timedelta(minutes=5))
    urgent = portal_order()
    client = Client()
    client.force_login(cast.dispatcher)

    page = client.get(reverse("queue-dispatch")).content.decode()
    assert page.index(urgent.number) < page.index(earlier.number)  # first, though registered later
    assert "危及生命" in page
    services.acknowledge(Alert.objects.get(kind=AlertKind.LIFE_UNATTENDED), actor=cast.supervisor, note="已回电")
    page = client.get(reverse("queue-dispatch")).content.decode()
    assert page.index(earlier.number) < page.index(urgent.number) and "危及生命</span>" not in page
