"""Triage that ran late or out of order, and split calls (拆单) in the repeat chain.

A follow-up that failed and was retried (`repair_follow_ups`), or two workers taking neighbouring orders,
may index an order after later orders of the same caller or place: the end state must not depend on the
order triage ran in. A call split into several orders is one call when a caller's calls are counted.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.core import clock
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage import services
from hotline.triage.models import Alert, AlertKind, DuplicateKey, RepeatLink

pytestmark = pytest.mark.django_db

NOISE = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
NOISE_AGAIN = "又是向阳小区3栋楼下烧烤摊，晚上营业到凌晨两点，噪音油烟扰民，之前反映过还是没人管。"
LAMP = "小区门口的路灯坏了一个多月，晚上漆黑一片，老人出门摔倒过。"
LAMP_AND_RUBBISH = LAMP + "另外小区垃圾站三天没人清运了。"
LAMP_AGAIN = "还是小区门口的路灯坏了，一个多月没人修，晚上漆黑一片，老人出门摔倒过。"


@pytest.fixture
def register(django_capture_on_commit_callbacks, org):  # noqa: ANN001, ANN201
    """Register an order through the real service; its triage runs after the commit unless `run=False`
    (a follow-up that failed and is delivered again later with `services.on_registered`)."""
    cast = Cast.build(lead=org.street_a)

    def _register(description: str, *, phone: str = "13800138000", at=NOW, run: bool = True,
                  status: str = Status.PENDING_DISPATCH, **draft):  # noqa: ANN001, ANN003, ANN202
        draft.setdefault("community", org.community_a)
        draft.setdefault("street", org.street_a)
        draft.setdefault("district", org.district)
        with django_capture_on_commit_callbacks(execute=run):
            return make_ticket(status, cast=cast, at=at, description=description, caller_phone=phone, **draft)

    _register.cast = cast
    return _register


def _alert_orders(kind: str) -> set[int]:
    return set(Alert.objects.get(kind=kind).tickets.values_list("pk", flat=True))


# --- triage that ran late ------------------------------------------------------------------------------------

def test_third_call_alert_raised_when_second_calls_triage_ran_late(register) -> None:  # noqa: ANN001
    """The 2nd order's follow-up failed and ran after the 3rd order's: the 3rd is linked to the 2nd, and
    the shift lead gets the third-call alert."""
    first = register(NOISE)
    second = register(NOISE_AGAIN, at=NOW + timedelta(days=1), run=False)
    third = register(NOISE, at=NOW + timedelta(days=2))
    assert not Alert.objects.exists()  # the 3rd saw only the 1st: its 2nd call
    with clock.frozen(NOW + timedelta(days=2, hours=1)):
        services.on_registered(second.pk)  # the repair delivers the 2nd order's step again
    assert RepeatLink.objects.filter(ticket=second, earlier=first).exists()
    assert RepeatLink.objects.filter(ticket=third, earlier=second).exists()
    alert = Alert.objects.get(kind=AlertKind.REPEAT_CALLER)
    assert _alert_orders(AlertKind.REPEAT_CALLER) == {first.pk, second.pk, third.pk}
    assert alert.master == first and "第 3 次" in alert.title


def test_a_late_order_grows_the_open_alert_instead_of_raising_another(register) -> None:  # noqa: ANN001
    first = register(NOISE)
    second = register(NOISE_AGAIN, at=NOW + timedelta(days=1), run=False)
    third = register(NOISE, at=NOW + timedelta(days=2))
    fourth = register(NOISE_AGAIN, at=NOW + timedelta(days=3))
    assert _alert_orders(AlertKind.REPEAT_CALLER) == {first.pk, third.pk, fourth.pk}
    with clock.frozen(NOW + timedelta(days=3, hours=1)):
        services.on_registered(second.pk)
        services.on_registered(second.pk)  # delivered twice: nothing more
    alert = Alert.objects.get(kind=AlertKind.REPEAT_CALLER)  # still one
    assert _alert_orders(AlertKind.REPEAT_CALLER) == {first.pk, second.pk, third.pk, fourth.pk}
    assert "第 4 次" in alert.title
    assert RepeatLink.objects.filter(earlier=second).count() == 2  # the 3rd and the 4th, once each


def test_cluster_alert_raised_when_one_callers_triage_ran_late(register) -> None:  # noqa: ANN001
    """Five callers at one place within minutes; the 4th order's follow-up ran after the 5th's."""
    orders = [register(NOISE if i % 2 else NOISE_AGAIN, phone=f"1370000000{i}", at=NOW + timedelta(minutes=i),
                       run=(i != 3)) for i in range(5)]
    assert not Alert.objects.exists()
    with clock.frozen(NOW + timedelta(minutes=30)):
        services.on_registered(orders[3].pk)
    alert = Alert.objects.get(kind=AlertKind.CLUSTER)
    assert alert.callers == 5 and _alert_orders(AlertKind.CLUSTER) == {o.pk for o in orders}
    assert alert.master == orders[0]


def test_the_end_state_does_not_depend_on_the_order_triage_ran_in(register) -> None:  # noqa: ANN001
    """Triage run newest first gives the same links and alert members as triage run as registered."""
    texts = [NOISE, NOISE_AGAIN, NOISE, NOISE_AGAIN]
    orders = [register(text, at=NOW + timedelta(days=i), run=False) for i, text in enumerate(texts)]
    with clock.frozen(NOW + timedelta(days=4)):
        for order in reversed(orders):
            services.on_registered(order.pk)
    reversed_links = set(RepeatLink.objects.values_list("ticket_id", "earlier_id"))
    reversed_alert = _alert_orders(AlertKind.REPEAT_CALLER)
    assert len(reversed_links) == 6 and reversed_alert == {o.pk for o in orders}
    # the same orders triaged in order
    RepeatLink.objects.all().delete()
    Alert.objects.all().delete()
    DuplicateKey.objects.all().delete()
    with clock.frozen(NOW + timedelta(days=4)):
        for order in orders:
            services.on_registered(order.pk)
    assert set(RepeatLink.objects.values_list("ticket_id", "earlier_id")) == reversed_links
    assert _alert_orders(AlertKind.REPEAT_CALLER) == reversed_alert
    assert "第 4 次" in Alert.objects.get().title


def test_an_order_triaged_on_time_looks_up_only_itself(register, monkeypatch) -> None:  # noqa: ANN001
    """The re-check of later orders is one empty range scan per key when triage runs on time."""
    register(NOISE)
    calls = []
    original = services.lookup
    monkeypatch.setattr(services, "lookup", lambda key, *a, **kw: calls.append(key.ticket_id) or original(key, *a, **kw))
    again = register(NOISE_AGAIN, at=NOW + timedelta(days=1))
    assert calls == [again.pk]


def test_related_orders_are_triaged_one_at_a_time_on_postgresql(register) -> None:  # noqa: ANN001
    """On PostgreSQL each triage takes a transaction advisory lock per caller and place key, before its
    lookup; on SQLite (transactions begin IMMEDIATE, one writer) it takes none."""
    order = register(NOISE, run=False)
    with CaptureQueriesContext(connection) as queries, clock.frozen(NOW + timedelta(minutes=1)):
        services.on_registered(order.pk)
    locks = [q["sql"] for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
    first_lookup = next(i for i, q in enumerate(queries.captured_queries) if "triage_duplicatekey" in q["sql"]
                        and "SELECT" in q["sql"] and "registered_at" in q["sql"])
    if connection.vendor == "postgresql":
        assert len(locks) == 2  # the caller key and the place key
        assert all(i < first_lookup for i, q in enumerate(queries.captured_queries)
                   if "pg_advisory_xact_lock" in q["sql"])
    else:
        assert locks == []


# --- split calls (拆单) ---------------------------------------------------------------------------------------

def _split(parent: Ticket, cast: Cast, capture) -> Ticket:  # noqa: ANN001
    with capture(execute=True), clock.frozen(NOW + timedelta(minutes=5)):
        lifecycle.split(parent, actor=cast.dispatcher, children=[lifecycle.ChildDraft(description=LAMP, title="路灯不亮")])
    return Ticket.objects.get(split_from=parent)


def test_second_call_after_a_split_is_not_a_third_call(register, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    parent = register(LAMP_AND_RUBBISH)
    child = _split(parent, register.cast, django_capture_on_commit_callbacks)
    again = register(LAMP_AGAIN, at=NOW + timedelta(days=2))
    assert {parent.pk, child.pk} <= set(RepeatLink.objects.filter(ticket=again).values_list("earlier_id", flat=True))
    # one earlier call (split into two orders) + this one = the 2nd call: no 第 3 次 alert
    assert not Alert.objects.filter(kind=AlertKind.REPEAT_CALLER).exists()


def test_third_call_after_a_split_still_alerts(register, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    parent = register(LAMP_AND_RUBBISH)
    child = _split(parent, register.cast, django_capture_on_commit_callbacks)
    second = register(LAMP_AGAIN, at=NOW + timedelta(days=2))
    third = register(LAMP, at=NOW + timedelta(days=3))
    alert = Alert.objects.get(kind=AlertKind.REPEAT_CALLER)
    assert "第 3 次" in alert.title  # the split call, the 2nd, the 3rd
    assert {child.pk, second.pk, third.pk} <= _alert_orders(AlertKind.REPEAT_CALLER)


def test_a_split_of_a_split_is_still_one_call(register, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    parent = register(LAMP_AND_RUBBISH + "还有楼道灯也不亮。")
    with django_capture_on_commit_callbacks(execute=True), clock.frozen(NOW + timedelta(minutes=5)):
        lifecycle.split(parent, actor=register.cast.dispatcher,
                        children=[lifecycle.ChildDraft(description=LAMP + "还有楼道灯也不亮。", title="路灯不亮")])
    child = Ticket.objects.get(split_from=parent)
    with django_capture_on_commit_callbacks(execute=True), clock.frozen(NOW + timedelta(minutes=10)):
        lifecycle.split(child, actor=register.cast.dispatcher,
                        children=[lifecycle.ChildDraft(description=LAMP, title="小区门口路灯不亮")])
    grandchild = Ticket.objects.get(split_from=child)
    again = register(LAMP_AGAIN, at=NOW + timedelta(days=2))
    linked = set(RepeatLink.objects.filter(ticket=again).values_list("earlier_id", flat=True))
    assert grandchild.pk in linked and len(linked) >= 2
    assert not Alert.objects.filter(kind=AlertKind.REPEAT_CALLER).exists()
