"""Where a merge goes: 全部并入主工单 takes the earliest order still open, 并入此工单 a merged order's master;
a landline written with or without the centre's area code is one caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from hotline.core import clock
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage import services
from hotline.triage.models import Alert, AlertKind, RepeatLink

pytestmark = pytest.mark.django_db

NOISE = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
NOISE_AGAIN = "又是向阳小区3栋楼下烧烤摊，晚上营业到凌晨两点，噪音油烟扰民，之前反映过还是没人管。"


@pytest.fixture
def register(django_capture_on_commit_callbacks, org):  # noqa: ANN001, ANN201
    """Register an order waiting for dispatch (through the real service) and run the after-commit receivers."""
    cast = Cast.build(lead=org.street_a)

    def _register(description: str, *, phone: str = "13800138000", at=NOW, **draft):  # noqa: ANN001, ANN003, ANN202
        draft = {"district": org.district, "street": org.street_a, "community": org.community_a} | draft
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(Status.PENDING_DISPATCH, cast=cast, at=at, description=description,
                               caller_phone=phone, **draft)

    _register.cast = cast
    return _register


# --- 全部并入主工单 ----------------------------------------------------------------------------------------------

def test_merge_alert_uses_the_earliest_order_still_open(register) -> None:  # noqa: ANN001
    """docs/triage.md: the master is the earliest order still open — when merging, not when the alert was raised."""
    first = register(NOISE)
    second = register(NOISE_AGAIN, at=NOW + timedelta(days=1))
    third = register(NOISE, at=NOW + timedelta(days=2))
    alert = Alert.objects.get(kind=AlertKind.REPEAT_CALLER)
    assert alert.master == first
    with clock.frozen(NOW + timedelta(days=2, hours=1)):
        lifecycle.answer_directly(first, actor=register.cast.dispatcher, answer="已告知摊位整治安排")
    with clock.frozen(NOW + timedelta(days=2, hours=2)):
        merged, refused = services.merge_alert(alert, actor=register.cast.dispatcher)
    assert refused == [], [reason for _, reason in refused]
    assert [t.pk for t in merged] == [third.pk]
    third.refresh_from_db()
    alert.refresh_from_db()
    assert third.status == Status.MERGED and third.master_id == second.pk
    assert alert.master_id == second.pk  # recorded: the list and the page name the master the orders went into


def test_alert_page_names_the_master_the_merge_will_use(client, register) -> None:  # noqa: ANN001
    first = register(NOISE)
    second = register(NOISE_AGAIN, at=NOW + timedelta(days=1))
    register(NOISE, at=NOW + timedelta(days=2))
    alert = Alert.objects.get(kind=AlertKind.REPEAT_CALLER)
    with clock.frozen(NOW + timedelta(days=2, hours=1)):
        lifecycle.answer_directly(first, actor=register.cast.dispatcher, answer="已告知摊位整治安排")
    client.force_login(register.cast.dispatcher)
    html = client.get(reverse("triage-alert", args=[alert.pk])).content.decode()
    assert f"全部并入主工单 {second.number}" in html and f"全部并入主工单 {first.number}" not in html


# --- 并入此工单 on the order page ------------------------------------------------------------------------------

def _merged_repeat(register):  # noqa: ANN001, ANN202
    """The caller's order `mine` was merged into another caller's `master`; the caller calls again (`again`)."""
    master = register(NOISE, phone="13911112222")
    mine = register(NOISE_AGAIN, at=NOW + timedelta(hours=1))
    with clock.frozen(NOW + timedelta(hours=2)):
        lifecycle.merge(mine, actor=register.cast.dispatcher, master=master)
    again = register(NOISE, at=NOW + timedelta(days=1))
    assert RepeatLink.objects.filter(ticket=again, earlier=mine).exists()
    return master, mine, again


def test_repeat_of_a_merged_order_offers_its_master(client, register) -> None:  # noqa: ANN001
    """Offering the merged order itself was refused (「请将本单作为新诉求派单办理」) and led to a second dispatch
    of a matter already being handled under its master."""
    master, mine, again = _merged_repeat(register)
    client.force_login(register.cast.dispatcher)
    html = client.get(reverse("order-detail", args=[again.number])).content.decode()
    assert f'name="merge-master_number" value="{master.number}"' in html
    assert f'name="merge-master_number" value="{mine.number}"' not in html
    assert f"并入其主工单 {master.number}" in html
    with clock.frozen(NOW + timedelta(days=1, hours=1)):
        client.post(reverse("order-act", args=[again.number, "merge"]), {
            "version": again.version, "merge-master_number": master.number,
            "merge-note": f"重复件并入主工单 {master.number}"})
    again.refresh_from_db()
    assert again.status == Status.MERGED and again.master_id == master.pk


def test_the_offer_reads_in_english(client, register, settings) -> None:  # noqa: ANN001
    master, _mine, again = _merged_repeat(register)
    client.force_login(register.cast.dispatcher)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("order-detail", args=[again.number])).content.decode()
    assert f"Merge into its master order {master.number}" in html


def test_repeat_of_a_finished_order_offers_no_merge(client, register) -> None:  # noqa: ANN001
    first = register(NOISE)
    with clock.frozen(NOW + timedelta(hours=1)):
        lifecycle.answer_directly(first, actor=register.cast.dispatcher, answer="已告知摊位整治安排")
    again = register(NOISE_AGAIN, at=NOW + timedelta(days=1))
    assert RepeatLink.objects.filter(ticket=again, earlier=first).exists()
    client.force_login(register.cast.dispatcher)
    html = client.get(reverse("order-detail", args=[again.number])).content.decode()
    assert 'type="hidden" name="merge-master_number"' not in html  # the one-click form (the step form stays)
    assert "此前工单已不再办理，请将本单作为新诉求派单" in html


def test_repeat_of_an_open_order_still_offers_it(client, register) -> None:  # noqa: ANN001
    first = register(NOISE)
    again = register(NOISE_AGAIN, at=NOW + timedelta(days=1))
    client.force_login(register.cast.dispatcher)
    html = client.get(reverse("order-detail", args=[again.number])).content.decode()
    assert f'name="merge-master_number" value="{first.number}"' in html and "并入此工单" in html


# --- the caller's landline with or without the area code ----------------------------------------------------

@pytest.mark.parametrize(("before", "after"), [
    ("13800138000", "+86 138 0013 8000"),
    ("0731-84567890", "(0731) 8456 7890"),
    ("84567890", "0731-84567890"),  # local landline written without, then with, the area code
    ("0731-8456789", "8456789"),  # a 7-digit local number
])
def test_same_caller_written_differently_is_a_repeat(register, before: str, after: str) -> None:  # noqa: ANN001
    first = register(NOISE, phone=before)
    again = register(NOISE_AGAIN, phone=after, at=NOW + timedelta(days=1))
    assert RepeatLink.objects.filter(ticket=again, earlier=first).exists(), f"{before!r} vs {after!r}: no repeat"


def test_another_citys_landline_is_another_caller(register, settings) -> None:  # noqa: ANN001
    settings.HOTLINE_AREA_CODE = "010"
    first = register(NOISE, phone="84567890")
    again = register(NOISE_AGAIN, phone="0731-84567890", at=NOW + timedelta(days=1))
    assert not RepeatLink.objects.filter(ticket=again, earlier=first).exists()
