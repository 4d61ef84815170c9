"""Review fixes: confidence never above the evidence, auto-dispatch only on the catalogue's word, 属地 and
active units in the recommendation, fail-closed urgency, 举报 never auto-dispatched, the centre's decision
as the final unit, and `evaluate-dispatch`'s first / auto-dispatched recommendations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.intelligence.dispatch import ModelVote, RuleHit, Unit
from hotline.intelligence.dispatch import recommend as combine
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.routing import services
from hotline.routing.evaluation import evaluate
from hotline.routing.models import DispatchRecommendation, DispatchRule, DispatchSettings
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets import services as tickets
from hotline.tickets.choices import Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

TEXT = "市民反映某某商户占道经营，油烟扰民，噪音很大，希望有关部门尽快处理"
FIRE = "小区楼道起火了，浓烟很大，物业不管"


def _closed_history(category, lead, capture, n=6, **draft):  # noqa: ANN001, ANN003, ANN202
    cast = Cast.build(lead=lead)
    for day in range(n):
        with capture(execute=True):  # triage indexes their texts after commit
            make_ticket(Status.CLOSED, cast=cast, at=NOW + timedelta(days=day), category=category,
                        description=TEXT, **draft)


def _auto(threshold: float) -> None:
    DispatchSettings.objects.update_or_create(pk=1, defaults={"auto_dispatch": True, "threshold": threshold})


@pytest.fixture
def local(org):  # noqa: ANN001, ANN201
    """城乡建设 led by 东华门街道 in 东城区 (the catalogue's word for the street's own matters)."""
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    DispatchRule.objects.create(category=top, area=org.district, lead_unit=org.street_a, legal_basis="履职清单")
    return top


# --- 1. Confidence: a faint classifier guess stays faint ---------------------------------------------------

def test_the_models_share_is_over_all_its_probability() -> None:
    transport = Unit(5, "市交通运输局", "department")
    traffic = RuleHit(rule_id=12, category="交通运输", lead=transport)
    votes = [ModelVote("城乡建设", 0.79, None), ModelVote("交通运输", 0.08, traffic)]
    result = combine(rule=None, votes=votes, neighbours=[])
    assert result.top is not None and result.top.unit == transport
    assert result.top.confidence == 0.08  # the classifier alone speaks: its probability, not 1.0


def test_a_faint_model_guess_is_neither_full_confidence_nor_auto_dispatched(  # noqa: ANN201
        org, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    cat = Category.objects.create(name="其他事项", level=1, full_name="其他事项")
    traffic = Category.objects.create(name="交通运输", level=1, full_name="交通运输")
    transport = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市交通运输局", parent=org.centre)
    DispatchRule.objects.create(category=traffic, lead_unit=transport)
    _auto(0.05)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.PENDING_DISPATCH, at=NOW, category=cat, description="小区物业乱收停车费，门口道路被占",
                             district=org.district, street=org.street_a)
    rec = DispatchRecommendation.objects.filter(ticket=ticket).order_by("created_at", "id").first()
    p = {v["label"]: v["p"] for v in rec.scores["model"]}["交通运输"]
    assert p < 0.5 and rec.top_unit == transport and rec.confidence <= round(p, 3) + 1e-9
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH  # the catalogue does not name the unit for this order


def test_history_alone_never_auto_dispatches(org, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    cat = Category.objects.create(name="其他事项", level=1, full_name="其他事项")
    _closed_history(cat, org.street_a, django_capture_on_commit_callbacks, district=org.district, street=org.street_a)
    _auto(0.5)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.PENDING_DISPATCH, at=NOW + timedelta(days=10), category=cat, description=TEXT,
                             district=org.district, street=org.street_a)
    rec = DispatchRecommendation.objects.get(ticket=ticket)
    assert rec.top_unit == org.street_a and rec.confidence >= 0.5  # history is sure …
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH  # … but only the catalogue's word dispatches


# --- 2. 属地: no street of another district from history --------------------------------------------------

def test_history_never_offers_a_street_of_another_district(org, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    cat = Category.objects.create(name="其他事项", level=1, full_name="其他事项")
    _closed_history(cat, org.street_a, django_capture_on_commit_callbacks, district=org.district, street=org.street_a)
    elsewhere = make_ticket(Status.REGISTERED, at=NOW + timedelta(days=10), category=cat, description=TEXT,
                            district=org.other_district, street=org.other_street)
    rec = services.build(elsewhere, at=NOW + timedelta(days=10))
    assert len(rec.scores["neighbours"]) == 6  # history spoke (kept for the audit) …
    assert org.street_a.pk not in rec.top3_ids  # … but 东华门街道 is not 西城区's
    nowhere = make_ticket(Status.REGISTERED, at=NOW + timedelta(days=10), category=cat, description=TEXT)
    assert services.build(nowhere, at=NOW + timedelta(days=10)).top3 == []  # no district: no area unit from history
    own = make_ticket(Status.REGISTERED, at=NOW + timedelta(days=10), category=cat, description=TEXT,
                      district=org.district, street=org.street_b)
    assert services.build(own, at=NOW + timedelta(days=10)).top_unit == org.street_a  # same district: offered


# --- 4. No inactive unit ------------------------------------------------------------------------------------

def test_the_recommendation_never_names_an_inactive_unit(org, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    cat = Category.objects.create(name="其他事项", level=1, full_name="其他事项")
    old = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市旧部门", parent=org.centre)
    _closed_history(cat, old, django_capture_on_commit_callbacks, district=org.district, street=org.street_a)
    HandlingUnit.objects.filter(pk=old.pk).update(is_active=False)
    ticket = make_ticket(Status.REGISTERED, at=NOW + timedelta(days=10), category=cat, description=TEXT,
                         district=org.district, street=org.street_a)
    rec = services.build(ticket, at=NOW + timedelta(days=10))
    assert rec.scores["neighbours"] and old.pk not in rec.top3_ids and rec.top_unit_id != old.pk


# --- 3 and 8. Auto-dispatch fails closed on urgency; 举报 is never auto-dispatched ----------------------------

def test_auto_dispatch_assesses_an_unassessed_order_itself(org, local, django_capture_on_commit_callbacks,  # noqa: ANN001
                                                          monkeypatch) -> None:  # noqa: ANN001
    from hotline.triage import services as triage

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("database went away")

    _auto(0.3)
    monkeypatch.setattr(triage, "assess", boom)  # the triage receiver fails and logs
    with django_capture_on_commit_callbacks(execute=True):
        fire = make_ticket(Status.PENDING_DISPATCH, at=NOW, category=local, description=FIRE,
                           district=org.district, street=org.street_a)
    fire.refresh_from_db()
    assert fire.status == Status.PENDING_DISPATCH
    assert services._blocked(fire) == "研判为紧急"
    # an ordinary order without an assessment is assessed inline and may go
    with django_capture_on_commit_callbacks(execute=True):
        lamp = make_ticket(Status.PENDING_DISPATCH, at=NOW, category=local, district=org.district,
                           street=org.street_a)
    lamp.refresh_from_db()
    assert lamp.status == Status.DISPATCHED and lamp.lead_assignment.unit == org.street_a


def test_auto_dispatch_refuses_when_urgency_cannot_be_assessed(org, local, monkeypatch) -> None:  # noqa: ANN001
    from hotline.triage import services as triage

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("rules unreadable")

    _auto(0.3)
    ticket = make_ticket(Status.PENDING_DISPATCH, at=NOW, category=local, district=org.district, street=org.street_a)
    monkeypatch.setattr(triage, "assess_text", boom)
    assert services._blocked(ticket) == "未完成紧急研判"
    assert services.auto_dispatch(ticket.pk) is None


def test_a_report_is_never_auto_dispatched(org, local, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    _auto(0.3)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(Status.PENDING_DISPATCH, at=NOW, category=local, district=org.district,
                             street=org.street_a, request_type=RequestType.REPORT)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH and services._blocked(ticket) == "举报件"


# --- 9. The final decision is the centre's dispatch, not the unit below ----------------------------------------

def test_the_final_unit_of_a_handed_down_order_is_the_unit_the_centre_chose(org) -> None:  # noqa: ANN001
    cast = Cast.build(lead=org.district)
    ticket = make_ticket(Status.DISPATCHED, cast=cast, at=NOW, district=org.district, street=org.street_a)
    street_handler = UserFactory(role="unit_handler", units=[org.street_a])
    with_clock = {"actor": street_handler, "unit": org.street_a}
    tickets.forward(ticket, actor=cast.lead_handler, to=org.street_a, note="请街道现场核实处理")
    assert services.final_units([ticket.pk]) == {ticket.pk: org.district}  # handed down: the district accepted it
    tickets.sign(ticket, **with_clock)
    tickets.reply(ticket, **with_clock, content="已安排维修，路灯恢复照明", public_reply="路灯已修复",
                  contacted=True, resolved=True, is_truthful=True)
    tickets.approve_reply(ticket, actor=cast.inspector)
    tickets.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True, satisfaction="satisfied")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert Assignment.objects.get(ticket=ticket, unit=org.street_a).status == "completed"
    assert services.final_units([ticket.pk]) == {ticket.pk: org.district}


# --- 5 and 6. evaluate-dispatch ------------------------------------------------------------------------------

def test_evaluate_since_judges_only_first_recommendations(org) -> None:  # noqa: ANN001
    top = Category.objects.create(name="交通运输", level=1, full_name="交通运输")
    transport = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市交通运输局", parent=org.centre)
    rule = DispatchRule.objects.create(category=top, lead_unit=org.department)
    ticket = make_ticket(Status.CLOSED, cast=Cast.build(lead=transport), at=NOW, category=top,
                         description=TEXT, district=org.district, street=org.street_a)
    assert services.recommend(ticket, trigger="register", at=NOW).top_unit == org.department
    rule.lead_unit = transport
    rule.save()
    assert services.recommend(ticket, trigger="return", at=NOW + timedelta(days=5)).top_unit == transport
    report = evaluate(since=NOW + timedelta(days=1))
    assert (report.orders, report.top1) == (0, 0)  # its first recommendation came before `since`
    report = evaluate(since=NOW)
    assert (report.orders, report.top1) == (1, 0)


def test_evaluate_counts_an_order_auto_dispatched_on_a_later_recommendation(org, local) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.PENDING_DISPATCH, at=NOW, category=local, description=TEXT,
                         district=org.district, street=org.street_a)
    services.recommend(ticket, trigger="register", at=NOW)
    services.recommend(ticket, trigger="correct", at=NOW + timedelta(minutes=5))
    _auto(0.3)
    assert services.auto_dispatch(ticket.pk) is not None
    Assignment.objects.filter(ticket=ticket, role="lead").update(signed_at=timezone.now())
    assert services.latest(ticket).auto_dispatched
    report = evaluate()
    assert (report.orders, report.auto, report.auto_agreed) == (1, 1, 1)
