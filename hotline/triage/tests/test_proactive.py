"""Triage counts callers: the centre's own proactive orders (主动发现, 未诉先办) are never a repeat of a caller
nor one of the callers at a place, and raise no alert (they stay in the index for routing)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage.models import Alert, AlertKind, DuplicateKey, RepeatLink

pytestmark = pytest.mark.django_db

NOISE = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
NOISE_AGAIN = "又是向阳小区3栋楼下烧烤摊，晚上营业到凌晨两点，噪音油烟扰民，之前反映过还是没人管。"


@pytest.fixture
def register(django_capture_on_commit_callbacks, org):  # noqa: ANN001, ANN201
    """Register an order at community A (through the real service) and run the after-commit receivers."""
    cast = Cast.build(lead=org.street_a)

    def _register(description: str, *, phone: str = "", channel: str = Channel.PHONE, at=NOW):  # noqa: ANN001, ANN202
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(Status.REGISTERED, cast=cast, at=at, description=description, caller_phone=phone,
                               channel=channel, community=org.community_a, street=org.street_a, district=org.district)

    return _register


def test_proactive_orders_make_no_cluster(register) -> None:  # noqa: ANN001
    for i in range(4):  # four callers: one short of a cluster
        register(NOISE if i % 2 else NOISE_AGAIN, phone=f"1370000000{i}", at=NOW + timedelta(hours=i))
    raised = [register(NOISE, channel=Channel.PROACTIVE, at=NOW + timedelta(hours=4, minutes=i)) for i in range(3)]
    assert not Alert.objects.filter(kind=AlertKind.CLUSTER).exists()
    fifth = register(NOISE_AGAIN, phone="13700000009", at=NOW + timedelta(hours=5))
    alert = Alert.objects.get(kind=AlertKind.CLUSTER)  # the fifth caller makes it, without the centre's orders
    assert alert.callers == 5 and fifth in alert.tickets.all()
    assert not alert.tickets.filter(pk__in=[t.pk for t in raised]).exists()
    assert all(DuplicateKey.objects.filter(ticket=t, place="", phone="").exists() for t in raised)


def test_a_proactive_order_is_no_callers_repeat(register) -> None:  # noqa: ANN001
    """The centre's own order on the same matter is neither a repeat nor an earlier call of the caller's.

    A proactive order keeps no phone (the intake service refuses one), so it cannot join a caller's repeats.
    """
    first = register(NOISE, phone="13800138000")
    raised = register(NOISE_AGAIN, channel=Channel.PROACTIVE, at=NOW + timedelta(days=1))
    again = register(NOISE_AGAIN, phone="13800138000", at=NOW + timedelta(days=2))
    assert not RepeatLink.objects.filter(ticket=raised).exists()
    assert not RepeatLink.objects.filter(earlier=raised).exists()
    assert list(RepeatLink.objects.filter(ticket=again).values_list("earlier_id", flat=True)) == [first.pk]
    register(NOISE, channel=Channel.PROACTIVE, at=NOW + timedelta(days=3))
    assert not Alert.objects.filter(kind=AlertKind.REPEAT_CALLER).exists()  # two calls, not three
