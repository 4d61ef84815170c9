"""Triage on the pages: the order-page panels, one-click dispatch and merge, the alert list, the intake assist."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, Cast, UserFactory, make_ticket
from hotline.triage.models import Alert, AlertStatus

pytestmark = pytest.mark.django_db

NOISE = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"


@pytest.fixture
def cast(org):  # noqa: ANN001, ANN201
    return Cast.build(lead=org.street_a)


@pytest.fixture
def make(org, cast, django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    def _make(description: str = NOISE, *, status: str = Status.PENDING_DISPATCH, phone: str = "13800138000",
              at=NOW, **draft):  # noqa: ANN001, ANN003, ANN202
        draft = {"district": org.district, "street": org.street_a, "community": org.community_a} | draft
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(status, cast=cast, at=at, description=description, caller_phone=phone, **draft)
    return _make


def test_dispatcher_sees_the_top_three_and_dispatches_in_one_click(client, org, cast, make) -> None:  # noqa: ANN001
    leaf = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    DispatchRule.objects.create(category=leaf, area=org.district, lead_unit=org.street_a, legal_basis="履职清单")
    ticket = make(category=leaf)
    client.force_login(cast.dispatcher)
    page = client.get(reverse("order-detail", args=[ticket.number]))
    html = page.content.decode()
    assert "派单推荐" in html and "派给此单位" in html and "派单目录：城乡建设 @ 东城区 → 东华门街道" in html
    response = client.post(reverse("order-act", args=[ticket.number, "dispatch"]), {
        "version": ticket.version, "dispatch-lead": org.street_a.pk, "dispatch-note": "按派单推荐"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.lead_assignment.unit == org.street_a


def test_unit_staff_see_no_recommendation_and_no_hidden_links(client, org, cast, make) -> None:  # noqa: ANN001
    make(status=Status.CLOSED)  # the caller's earlier order, handled by the same street
    other_cast = Cast.build(lead=org.other_street)
    hidden = make_ticket(Status.IN_PROGRESS, cast=other_cast, at=NOW, description=NOISE, caller_phone="13800138000")
    ticket = make(status=Status.IN_PROGRESS, at=NOW + timedelta(days=1))
    client.force_login(cast.lead_handler)
    html = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "派单推荐" not in html
    assert "重复件" in html and hidden.number not in html


def test_a_repeat_can_be_merged_into_the_earlier_order(client, cast, make) -> None:  # noqa: ANN001
    first = make()
    again = make(at=NOW + timedelta(hours=2))
    client.force_login(cast.dispatcher)
    html = client.get(reverse("order-detail", args=[again.number])).content.decode()
    assert "并入此工单" in html and first.number in html
    response = client.post(reverse("order-act", args=[again.number, "merge"]), {
        "version": again.version, "merge-master_number": first.number, "merge-note": "重复件并入主工单"})
    assert response.status_code == 302
    again.refresh_from_db()
    assert again.status == Status.MERGED and again.master == first


def test_the_emergency_banner_on_the_order_page(client, cast, make) -> None:  # noqa: ANN001
    ticket = make("楼顶上有人要跳楼，已经站在天台边上了", status=Status.REGISTERED)
    client.force_login(cast.intake)
    html = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "疑似危及生命安全：请立即转 110" in html


def test_the_alert_list_is_for_shift_leads(client, cast, make) -> None:  # noqa: ANN001
    for i in range(3):
        make(at=NOW + timedelta(hours=i))
    alert = Alert.objects.get()
    client.force_login(cast.intake)
    assert client.get(reverse("triage-alerts")).status_code == 403
    client.force_login(cast.lead_handler)
    assert client.get(reverse("triage-alert", args=[alert.pk])).status_code == 403
    client.force_login(cast.supervisor)
    html = client.get(reverse("triage-alerts")).content.decode()
    assert alert.title in html and "同一诉求多次来电" in html
    response = client.post(reverse("triage-alert-ack", args=[alert.pk]), {"note": "已电话联系"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.note == "已电话联系"
    assert alert.title not in client.get(reverse("triage-alerts")).content.decode()  # open ones by default
    assert alert.title in client.get(reverse("triage-alerts") + "?status=all").content.decode()


def test_merge_all_from_the_alert_page(client, cast, make) -> None:  # noqa: ANN001
    orders = [make(at=NOW + timedelta(hours=i)) for i in range(3)]
    alert = Alert.objects.get()
    client.force_login(cast.dispatcher)
    response = client.post(reverse("triage-alert-merge", args=[alert.pk]), follow=True)
    assert "已并入主工单" in response.content.decode()
    for order in orders[1:]:
        order.refresh_from_db()
        assert order.status == Status.MERGED and order.master == orders[0]


def test_the_intake_assist_shows_urgency_repeats_and_units(client, org, cast, make, frozen_now) -> None:  # noqa: ANN001
    earlier = make()
    client.force_login(cast.intake)
    url = reverse("triage-intake-assist")
    html = client.get(url, {"description": "家里煤气泄漏了，闻到很浓的煤气味", "phone": ""}).content.decode()
    assert "疑似危及生命安全：请立即转 119" in html and "紧急" in html
    html = client.get(url, {"description": NOISE, "phone": "13800138000", "community": org.community_a.pk,
                            "street": org.street_a.pk, "district": org.district.pk}).content.decode()
    assert "疑似重复件" in html and earlier.number in html and "请立即转" not in html
    # opened beside the intake form, so that what the agent has typed mid-call is not lost
    assert f'{reverse("order-detail", args=[earlier.number])}" target="_blank" rel="noopener"' in html
    unit_user = UserFactory(role="unit_handler", units=[org.street_a])
    client.force_login(unit_user)
    assert client.get(url, {"description": NOISE}).status_code == 403


def test_the_intake_page_carries_the_hook(client, cast) -> None:  # noqa: ANN001
    client.force_login(cast.intake)
    html = client.get(reverse("intake")).content.decode()
    assert reverse("triage-intake-assist") in html


def test_a_returned_order_is_redispatched_in_one_click(client, org, cast, make) -> None:  # noqa: ANN001
    leaf = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    DispatchRule.objects.create(category=leaf, area=org.district, lead_unit=org.street_b, legal_basis="履职清单")
    ticket = make(category=leaf, status=Status.RETURNED)  # the cast's street_a returned it
    client.force_login(cast.dispatcher)
    html = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "accept_return-lead" in html and "景山街道" in html
    response = client.post(reverse("order-act", args=[ticket.number, "accept_return"]), {
        "version": ticket.version, "accept_return-lead": org.street_b.pk, "accept_return-note": "按派单推荐"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.lead_assignment.unit == org.street_b


def test_the_alert_list_renders_empty(client, cast) -> None:  # noqa: ANN001
    client.force_login(cast.dispatcher)
    html = client.get(reverse("triage-alerts") + "?status=all&kind=cluster").content.decode()
    assert "没有符合条件的预警" in html


def test_the_intake_assist_takes_a_long_description_by_post(client, cast, frozen_now) -> None:  # noqa: ANN001
    """A description of thousands of characters does not fit in a URL: the page POSTs it, CSRF-checked."""
    from django.test import Client

    description = "小区物业管理混乱，电梯经常故障，" * 125 + "刚才楼下有人跳楼了"
    assert len(description) > 2000
    client.force_login(cast.intake)
    response = client.post(reverse("triage-intake-assist"), {"description": description, "phone": ""})
    assert response.status_code == 200
    assert "疑似危及生命安全：请立即转" in response.content.decode()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.intake)
    assert strict.post(reverse("triage-intake-assist"), {"description": description}).status_code == 403


def test_the_intake_hook_posts_only_the_fields_it_reads(client, cast) -> None:  # noqa: ANN001
    client.force_login(cast.intake)
    html = client.get(reverse("intake")).content.decode()
    assert f'hx-post="{reverse("triage-intake-assist")}"' in html and "hx-get=\"" + reverse("triage-intake-assist") not in html
    assert 'hx-params="csrfmiddlewaretoken,title,description,' in html and "this:queue last" in html
