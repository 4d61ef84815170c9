"""Dispatch recommendation on real orders: catalogue + classifier + history, auto-dispatch, evaluation."""

from __future__ import annotations

import csv
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hotline.core import clock
from hotline.orgs.choices import UnitKind
from hotline.routing import services
from hotline.routing.evaluation import evaluate
from hotline.routing.models import DispatchRecommendation, DispatchRule, DispatchSettings
from hotline.routing.reasons import describe_row
from hotline.taxonomy.choices import Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Status
from hotline.tickets.models import TimelineEvent
from hotline.tickets.tests.factories import NOW, Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

PROPERTY = "小区物业不作为，楼道垃圾堆积一个月无人清理，物业费照收"
LAMP = "小区门口路灯不亮，晚上出行不便"


@pytest.fixture
def world(org):  # noqa: ANN001, ANN201
    """Categories, a catalogue entry for the street's property matters and one for transport, city-wide."""
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    mid = Category.objects.create(name="住房保障与房地产", level=2, parent=top, full_name="城乡建设/住房保障与房地产")
    leaf = Category.objects.create(name="物业服务", level=3, parent=mid, full_name="城乡建设/住房保障与房地产/物业服务")
    traffic = Category.objects.create(name="交通运输", level=1, full_name="交通运输")
    transport = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市交通运输局", parent=org.centre)
    housing = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市住建局", parent=org.centre)
    rule = DispatchRule.objects.create(category=leaf, area=org.street_a, lead_unit=org.street_a,
                                       legal_basis="街乡镇履职清单")
    rule.assisting_units.add(org.district)
    DispatchRule.objects.create(category=top, lead_unit=housing, legal_basis="三定方案")
    DispatchRule.objects.create(category=traffic, lead_unit=transport)
    return {"leaf": leaf, "top": top, "housing": housing, "transport": transport, "rule": rule}


def _order(org, world, cast=None, status=Status.REGISTERED, at=NOW, **draft):  # noqa: ANN001, ANN003, ANN202
    draft = {"category": world["leaf"], "district": org.district, "street": org.street_a,
             "community": org.community_a, "description": PROPERTY} | draft
    return make_ticket(status, cast=cast or Cast.build(lead=org.street_a), at=at, **draft)


def test_the_catalogue_entry_leads_with_a_plain_reason(org, world) -> None:  # noqa: ANN001
    ticket = _order(org, world)
    rec = services.recommend(ticket, trigger="test")
    assert rec.top_unit == org.street_a and rec.rule == world["rule"]
    top = rec.top3[0]
    assert top["reasons"][0] == {"code": "dispatch.catalogue", "category": "城乡建设/住房保障与房地产/物业服务",
                                 "area": "东华门街道", "unit": "东华门街道", "basis": "街乡镇履职清单"}
    assert describe_row(top).startswith("派单目录：城乡建设/住房保障与房地产/物业服务 @ 东华门街道 → 东华门街道（街乡镇履职清单）")
    assert top["assisting"] == [org.district.pk]
    assert rec.model_version.startswith("classifier ") and rec.formula_version == "dispatch-2"
    assert rec.scores["weights"]["rule"] == 0.5 and rec.scores["model"]
    assert 0 < rec.confidence <= 1


def test_history_of_similar_closed_orders_counts(org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    cast = Cast.build(lead=world["housing"])
    for day in range(6):  # six similar orders, each finally handled by the city housing bureau
        with django_capture_on_commit_callbacks(execute=True):  # triage indexes their texts after commit
            _order(org, world, cast=cast, status=Status.CLOSED, at=NOW + timedelta(days=day), category=world["top"])
    ticket = _order(org, world, at=NOW + timedelta(days=10), category=world["top"])
    rec = services.recommend(ticket, at=NOW + timedelta(days=10))
    assert rec.top_unit == world["housing"]
    assert {"code": "dispatch.history", "similar": 6, "neighbours": 6} in rec.top3[0]["reasons"]
    assert "相似工单 6/6 最终由该单位办理" in describe_row(rec.top3[0])
    assert len(rec.scores["neighbours"]) == 6 and rec.confidence > 0.9
    # history as known at registration: none of those orders had closed at the first one's time
    early = services.build(ticket, at=NOW)
    assert early.scores["neighbours"] == []


def test_a_departments_matter_is_not_pushed_down_to_the_street(org, world,  # noqa: ANN001
                                                               django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    street_cast = Cast.build(lead=org.street_a)
    entry = DispatchRule.objects.get(category=world["top"])
    entry.is_active = False  # the history is from before the entry: no 派单说明 was asked for the street
    entry.save()
    for day in range(6):  # units kept pushing it to the street: history says street
        with django_capture_on_commit_callbacks(execute=True):
            _order(org, world, cast=street_cast, status=Status.CLOSED, at=NOW + timedelta(days=day),
                   category=world["top"])
    entry.is_active = True
    entry.save()
    ticket = _order(org, world, at=NOW + timedelta(days=10), category=world["top"])
    rec = services.recommend(ticket, at=NOW + timedelta(days=10))
    assert len(rec.scores["neighbours"]) == 6  # history did vote for the street …
    assert rec.top_unit == world["housing"]  # … but the catalogue's department leads; the street is struck out
    assert org.street_a.pk not in rec.top3_ids


def test_registration_stores_a_recommendation(org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _order(org, world)
    rec = DispatchRecommendation.objects.get(ticket=ticket)
    assert rec.trigger == "register" and rec.created_at == ticket.registered_at and not rec.auto_dispatched


def _send(org, world, capture, **draft):  # noqa: ANN001, ANN003, ANN202
    with capture(execute=True):
        return _order(org, world, status=Status.PENDING_DISPATCH, **draft)


def test_auto_dispatch_above_the_threshold(org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    DispatchSettings.objects.update_or_create(pk=1, defaults={"auto_dispatch": True, "threshold": 0.5})
    ticket = _send(org, world, django_capture_on_commit_callbacks)
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assignment = ticket.lead_assignment
    assert assignment.unit == org.street_a and assignment.dispatched_by.username == services.SYSTEM_USERNAME
    assert [a.unit for a in ticket.assignments.filter(role="assist")] == [org.district]
    event = TimelineEvent.objects.filter(ticket=ticket, action="dispatch").get()
    assert event.note.startswith("自动派单：派单目录") and "阈值 0.50" in event.note
    assert DispatchRecommendation.objects.get(ticket=ticket).auto_dispatched
    assert not services.system_dispatcher().has_usable_password()


@pytest.mark.parametrize("case", ["off", "threshold", "confidential", "urgent", "life"])
def test_auto_dispatch_leaves_it_to_a_person(org, world, django_capture_on_commit_callbacks, case) -> None:  # noqa: ANN001
    DispatchSettings.objects.update_or_create(pk=1, defaults={
        "auto_dispatch": case != "off", "threshold": 1.01 if case == "threshold" else 0.3})
    draft = {"confidential": {"is_confidential": True}, "urgent": {"urgency": Urgency.URGENT},
             "life": {"description": "小区楼道起火了，浓烟很大，物业不管"}}.get(case, {})
    ticket = _send(org, world, django_capture_on_commit_callbacks, **draft)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH
    assert not TimelineEvent.objects.filter(ticket=ticket, action="dispatch").exists()


def test_final_decision_is_the_completing_unit_else_the_first_accepted(org, world) -> None:  # noqa: ANN001
    closed = _order(org, world, status=Status.CLOSED)
    in_progress = _order(org, world, status=Status.IN_PROGRESS)
    returned = _order(org, world, status=Status.RETURNED)
    dispatched = _order(org, world, status=Status.DISPATCHED)
    finals = services.final_units([closed.pk, in_progress.pk, returned.pk, dispatched.pk])
    assert finals == {closed.pk: org.street_a, in_progress.pk: org.street_a}


def test_evaluate_dispatch_reports_agreement_and_exports_corrections(org, world, tmp_path: Path) -> None:  # noqa: ANN001
    right = [_order(org, world, status=Status.IN_PROGRESS) for _ in range(3)]
    wrong_cast = Cast.build(lead=world["transport"])
    wrong = _order(org, world, cast=wrong_cast, status=Status.CLOSED)
    pending = _order(org, world)
    for ticket in [*right, wrong, pending]:
        with clock.frozen(NOW):
            services.recommend(ticket, trigger="register", at=ticket.registered_at)
    report = evaluate()
    assert (report.orders, report.top1) == (4, 3)
    assert [c.ticket for c in report.corrections] == [wrong]
    out = StringIO()
    target = tmp_path / "corrections.csv"
    call_command("evaluate_dispatch", "--export-corrections", str(target), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert "top-1 agreement: 3/4 = 0.750" in lines
    assert lines[-1] == "agreement=0.75"
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["一级标签"] == "城乡建设" and rows[0]["最终单位"] == "市交通运输局"
    assert rows[0]["留言详情"] == PROPERTY
    # with a training base, its rows come first: a file ready for `hotline train --data`
    base = tmp_path / "base.csv"
    base.write_text("留言主题,留言详情,一级标签\n路灯,路灯不亮,城乡建设\n", encoding="utf-8")
    call_command("evaluate_dispatch", "--export-corrections", str(target), "--training-base", str(base),
                 stdout=StringIO())
    assert [r["留言详情"] for r in csv.DictReader(target.open(encoding="utf-8"))] == ["路灯不亮", PROPERTY]
    out = StringIO()
    call_command("evaluate_dispatch", "--since", "2099-01-01", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "agreement=0.00"


def test_evaluate_dispatch_refuses_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("evaluate_dispatch", "--since", "yesterday", stdout=StringIO())


def test_the_demo_catalogue_seeds_from_the_demo_table() -> None:
    from hotline.demo.orgs import build_units
    from hotline.routing.catalogue import seed_demo_catalogue
    from hotline.taxonomy.services import load_taxonomy

    load_taxonomy()
    city = build_units()
    count = seed_demo_catalogue(auto_dispatch=True, threshold=0.9)
    assert count == DispatchRule.objects.count() > 100
    assert seed_demo_catalogue() == count  # idempotent
    gas = Category.objects.get(full_name="城乡建设/城市建设和市政管理/燃气供应")
    assert services.rule_for(gas, city["S-A2-01"]).lead_unit == city["UTIL-GAS"]
    prop = Category.objects.get(full_name="城乡建设/住房保障与房地产/物业服务")
    assert services.rule_for(prop, city["C-A2-01-01"]).lead_unit == city["S-A2-01"]
    settings = DispatchSettings.current()
    assert settings.auto_dispatch and settings.threshold == 0.9


def test_catalogue_edits_take_effect_at_once(org, world) -> None:  # noqa: ANN001
    ticket = _order(org, world)
    assert services.build(ticket).top_unit_id == org.street_a.pk
    rule = world["rule"]
    rule.lead_unit = org.street_b
    rule.save()
    assert services.build(ticket).top_unit_id == org.street_b.pk
    rule.assisting_units.clear()
    assert services.build(ticket).top3[0]["assisting"] == []
    DispatchRule.objects.filter(pk=rule.pk).update(is_active=False)  # no signal: the TTL covers other processes
    from hotline.routing import selectors

    selectors.invalidate()
    assert services.build(ticket).rule_id != rule.pk


def test_the_catalogue_refuses_a_second_city_wide_entry_for_a_category(org, world) -> None:  # noqa: ANN001
    from django.core.exceptions import ValidationError

    twin = DispatchRule(category=world["top"], lead_unit=world["transport"])
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "area" in refused.value.message_dict
    DispatchRule(category=world["leaf"], lead_unit=world["housing"]).full_clean()  # city-wide, and the first one


@pytest.mark.parametrize("change, field", [({"threshold": -5}, "threshold"), ({"threshold": 1.5}, "threshold"),
                                           ({"history_days": 0}, "history_days")])
def test_dispatch_settings_out_of_range_are_refused(db, change, field) -> None:  # noqa: ANN001
    from django.core.exceptions import ValidationError

    settings_row = DispatchSettings(**change)
    with pytest.raises(ValidationError) as refused:
        settings_row.full_clean()
    assert field in refused.value.message_dict
