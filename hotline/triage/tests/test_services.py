"""Triage hooks on real orders: urgency stored at registration, repeats linked, alerts raised, merges done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.core import clock
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Status
from hotline.tickets.models import TimelineEvent
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage import services
from hotline.triage.hints import hint_for
from hotline.triage.models import (
    Alert,
    AlertKind,
    AlertStatus,
    DuplicateKey,
    RepeatLink,
    UrgencyAssessment,
    UrgencyRule,
)
from hotline.triage.reasons import describe_reason

pytestmark = pytest.mark.django_db

NOISE = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
NOISE_AGAIN = "又是向阳小区3栋楼下烧烤摊，晚上营业到凌晨两点，噪音油烟扰民，之前反映过还是没人管。"
LAMP = "暮云街道路灯不亮已经一个月了，晚上出行很不安全。"


@pytest.fixture
def register(django_capture_on_commit_callbacks, org):  # noqa: ANN001, ANN201
    """Register an order (through the real service) and run the after-commit receivers."""
    cast = Cast.build(lead=org.street_a)

    def _register(description: str, *, phone: str = "13800138000", at=NOW, status: str = Status.REGISTERED,
                  **draft):  # noqa: ANN001, ANN003, ANN202
        draft.setdefault("community", org.community_a)
        draft.setdefault("street", org.street_a)
        draft.setdefault("district", org.district)
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(status, cast=cast, at=at, description=description, caller_phone=phone, **draft)

    _register.cast = cast
    return _register


def test_registration_stores_the_urgency_suggestion(register) -> None:  # noqa: ANN001
    ticket = register("家里厨房煤气泄漏了，闻到很浓的煤气味")
    assessment = UrgencyAssessment.objects.get(ticket=ticket)
    assert assessment.level == "urgent" and assessment.transfer_to == "119" and assessment.life_threatening
    assert assessment.kinds == ["gas"]
    assert assessment.reasons[0]["code"] == "urgency.hit" and assessment.reasons[0]["kind"] == "gas"
    assert describe_reason(assessment.reasons[0]).startswith("燃气泄漏：命中「")
    calm = register("咨询一下煤气费缴纳的方式", phone="13900000001")
    assert UrgencyAssessment.objects.get(ticket=calm).level == "normal"
    assert calm.urgency == "normal"  # a suggestion only: the order's own urgency is the agent's


def test_same_caller_same_matter_is_linked_as_a_repeat(register) -> None:  # noqa: ANN001
    first = register(NOISE)
    other_matter = register(LAMP)
    again = register(NOISE_AGAIN, at=NOW + timedelta(days=3))
    links = list(RepeatLink.objects.filter(ticket=again))
    assert [link.earlier for link in links] == [first]
    assert links[0].reason_data == {"code": "repeat.same_caller", "similarity": links[0].reason_data["similarity"]}
    assert links[0].reason == "" and links[0].similarity >= 0.35
    assert describe_reason(links[0].shown_reason).startswith("同一来电人，诉求内容相似度 ")
    assert not RepeatLink.objects.filter(ticket=other_matter).exists()
    other_caller = register(NOISE_AGAIN, phone="13911112222", at=NOW + timedelta(days=3))
    assert not RepeatLink.objects.filter(ticket=other_caller).exists()
    late = register(NOISE, at=NOW + timedelta(days=32))  # the first is outside the 30-day window
    assert list(RepeatLink.objects.filter(ticket=late).values_list("earlier_id", flat=True)) == [again.pk]


def test_the_third_order_on_one_matter_alerts_the_shift_lead(register) -> None:  # noqa: ANN001
    first = register(NOISE)
    second = register(NOISE_AGAIN, at=NOW + timedelta(days=1))
    assert not Alert.objects.exists()
    third = register(NOISE, at=NOW + timedelta(days=2))
    alert = Alert.objects.get(kind=AlertKind.REPEAT_CALLER)
    assert set(alert.tickets.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    assert alert.master == first and "第 3 次" in alert.title
    fourth = register(NOISE_AGAIN, at=NOW + timedelta(days=3))
    assert Alert.objects.count() == 1  # the same alert grows
    alert.refresh_from_db()
    assert fourth in alert.tickets.all() and "第 4 次" in alert.title


def test_many_callers_at_one_place_raise_one_cluster_alert(register) -> None:  # noqa: ANN001
    orders = [register(NOISE if i % 2 else NOISE_AGAIN, phone=f"1370000000{i}", at=NOW + timedelta(hours=i))
              for i in range(4)]
    assert not Alert.objects.filter(kind=AlertKind.CLUSTER).exists()
    orders.append(register(NOISE, phone="13700000009", at=NOW + timedelta(hours=5)))
    alert = Alert.objects.get(kind=AlertKind.CLUSTER)
    assert alert.callers == 5 and alert.tickets.count() == 5 and alert.master == orders[0]
    orders.append(register(NOISE_AGAIN, phone="13700000008", at=NOW + timedelta(hours=6)))
    alert.refresh_from_db()
    assert Alert.objects.filter(kind=AlertKind.CLUSTER).count() == 1 and alert.callers == 6
    # the next day, outside the 24-hour window, one more call is not a cluster by itself
    register(NOISE, phone="13700000007", at=NOW + timedelta(days=3))
    assert Alert.objects.filter(kind=AlertKind.CLUSTER).count() == 1


def test_merging_an_alert_goes_through_the_merge_service(register, org) -> None:  # noqa: ANN001
    orders = [register(NOISE, phone=f"1370000000{i}", at=NOW + timedelta(minutes=i), status=Status.PENDING_DISPATCH)
              for i in range(5)]
    alert = Alert.objects.get(kind=AlertKind.CLUSTER)
    with clock.frozen(NOW + timedelta(hours=1)):
        merged, refused = services.merge_alert(alert, actor=register.cast.dispatcher)
    assert len(merged) == 4 and refused == []
    for order in orders[1:]:
        order.refresh_from_db()
        assert order.status == Status.MERGED and order.master == orders[0]
        assert TimelineEvent.objects.filter(ticket=order, action="merge").exists()
    assert TimelineEvent.objects.filter(ticket=orders[0], action="merge_into").count() == 4
    assert services.merge_alert(alert, actor=register.cast.dispatcher) == ([], [])
    # an intake agent may not merge: refused by the service, nothing changes
    fresh = register(NOISE, phone="13700000006", at=NOW + timedelta(minutes=10), status=Status.PENDING_DISPATCH)
    from hotline.tickets.exceptions import NotPermitted

    with pytest.raises(NotPermitted):
        services.merge_into_master(fresh, master=orders[0], actor=register.cast.intake)
    fresh.refresh_from_db()
    assert fresh.status == Status.PENDING_DISPATCH


def test_triage_is_idempotent(register) -> None:  # noqa: ANN001
    first = register(NOISE)
    again = register(NOISE_AGAIN)
    services.on_registered(again.pk)
    services.on_registered(again.pk)
    assert UrgencyAssessment.objects.filter(ticket=again).count() == 1
    assert DuplicateKey.objects.filter(ticket=again).count() == 1
    assert RepeatLink.objects.filter(ticket=again, earlier=first).count() == 1
    services.on_registered(999_999)  # a vanished order is not an error


def test_acknowledge(register) -> None:  # noqa: ANN001
    for i in range(3):
        register(NOISE, at=NOW + timedelta(hours=i))
    alert = Alert.objects.get()
    services.acknowledge(alert, actor=register.cast.supervisor, note="已安排联系")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == register.cast.supervisor


def test_edited_rules_are_used_and_bad_ones_skipped() -> None:
    assert services.assess_text("楼道起火").level == "urgent"
    UrgencyRule.objects.filter(name="火情").update(is_active=False)
    assert services.assess_text("楼道起火").level == "normal"
    UrgencyRule.objects.create(name="坏规则", kind="fire", level="urgent", pattern="(起火", is_regex=True)
    assert services.assess_text("楼道起火").level == "normal"  # a broken rule is skipped, not fatal
    UrgencyRule.objects.all().delete()
    assert services.assess_text("楼道起火").level == "urgent"  # an empty table falls back to the shipped file


def test_the_unreasonable_hint_reads_earlier_orders_on_the_matter(register) -> None:  # noqa: ANN001
    cast = register.cast
    earlier = []
    for day in range(2):
        t = register(NOISE, at=NOW + timedelta(days=day), status=Status.REPLIED)
        earlier.append(t)
    # the replies of make_ticket cite no law: only the repeats count
    third = register(NOISE_AGAIN, at=NOW + timedelta(days=5), status=Status.IN_PROGRESS)
    hint = hint_for(third)
    assert [s.code for s in hint.signals] == []  # two earlier orders without a legal answer: nothing yet
    with clock.frozen(NOW + timedelta(days=6)):
        lifecycle.reply(third, actor=cast.lead_handler, unit=cast.lead,
                        content="根据《A市市容和环境卫生管理条例》第二十条的规定，已责令摊主整改。",
                        public_reply="已整改", contacted=True, resolved=True, is_truthful=True)
    fourth = register(NOISE + "要求赔偿精神损失费20万元", at=NOW + timedelta(days=7), status=Status.IN_PROGRESS)
    hint = hint_for(fourth)
    codes = {s.code for s in hint.signals}
    assert {"repeat_answered", "excessive_compensation"} <= codes
    assert hint.notice == "仅供参考，不会自动排除"
    fourth.refresh_from_db()
    assert fourth.status == Status.IN_PROGRESS  # advice never changes the order


def test_one_person_posting_five_times_without_a_number_is_not_a_cluster(register) -> None:  # noqa: ANN001
    text = "小区旁边工地夜间施工噪音很大，凌晨两点还在打桩，严重影响休息，请相关部门查处"
    for i in range(5):
        register(text, phone="", channel="app", at=NOW + timedelta(minutes=3 * i))
    assert not Alert.objects.filter(kind=AlertKind.CLUSTER).exists()
    # the same text from numberless posts hours apart counts each post as a caller, as before
    for i in range(1, 5):
        register(text, phone="", channel="app", at=NOW + timedelta(hours=i))
    assert Alert.objects.get(kind=AlertKind.CLUSTER).callers == 5


def test_a_rule_matching_every_text_is_refused_and_ignored() -> None:
    from django.core.exceptions import ValidationError

    rule = UrgencyRule(name="测试空匹配", kind="fire", level="urgent", pattern="楼道起火|车辆着火|", transfer_to="119",
                       is_regex=True)
    with pytest.raises(ValidationError, match="空文本"):
        rule.full_clean()
    rule.save()  # saved around the admin: skipped at run time
    assessment = services.assess_text("咨询住房公积金提取需要什么材料")
    assert assessment.level == "normal" and not assessment.life_threatening


def test_the_data_migration_adds_new_rules_and_keeps_edited_ones() -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("hotline.triage.migrations.0003_more_urgency_rules")
    assert set(migration.NEW_RULES) <= set(UrgencyRule.objects.values_list("name", flat=True))
    UrgencyRule.objects.filter(name="爆炸").delete()  # an installation that predates the rule
    UrgencyRule.objects.filter(name="有人跳楼跳河").update(pattern="有人跳楼", is_active=False)  # edited by the centre
    migration.add_rules(apps, None)
    assert UrgencyRule.objects.get(name="爆炸").transfer_to == "119"
    edited = UrgencyRule.objects.get(name="有人跳楼跳河")
    assert edited.pattern == "有人跳楼" and not edited.is_active
    assert services.assess_text("燃气爆炸了").life_threatening
