"""The recommender's catalogue snapshot (`routing.selectors.catalogue()`) is keyed on the units' `version` (orgs
migration 0002), as the gazetteer is: a lead unit switched off in another process (no signal reaches this one)
is no longer recommended or auto-dispatched to at the next call, not only after `CATALOGUE_TTL`."""

from __future__ import annotations

import pytest
from django.db.models import F

from hotline.orgs.models import HandlingUnit
from hotline.routing import selectors
from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule() -> DispatchRule:
    centre = HandlingUnit.objects.create(code="C", name="中心", kind="centre")
    street = HandlingUnit.objects.create(code="S1", name="桂花坪街道", kind="street", parent=centre)
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    found = DispatchRule.objects.create(category=top, lead_unit=street, legal_basis="街乡镇履职清单")
    selectors.invalidate()
    return found


def _leads() -> list[int]:
    return [entry.lead[0] for entry in selectors.catalogue().entries]


def test_a_unit_saved_switched_off_in_another_process_leaves_the_snapshot_at_once(rule: DispatchRule) -> None:
    assert _leads() == [rule.lead_unit_id]
    # Another process's `save()`: the row switched off and its version raised, no signal here.
    HandlingUnit.objects.filter(pk=rule.lead_unit_id).update(is_active=False, version=F("version") + 1)
    assert _leads() == []


def test_a_bulk_switch_off_elsewhere_is_seen_too(rule: DispatchRule) -> None:
    assert _leads() == [rule.lead_unit_id]
    HandlingUnit.objects.filter(pk=rule.lead_unit_id).update(is_active=False)  # no `version` raised
    assert _leads() == []


def test_an_unchanged_catalogue_keeps_its_snapshot(rule: DispatchRule) -> None:
    first = selectors.catalogue()
    assert selectors.catalogue() is first
