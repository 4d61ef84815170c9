"""The dispatch catalogue picks the most specific rule by category depth, then by area."""

import pytest

from hotline.orgs.models import HandlingUnit
from hotline.routing.models import DispatchRule
from hotline.routing.selectors import rule_for
from hotline.taxonomy.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    centre = HandlingUnit.objects.create(code="C", name="中心", kind="centre")
    housing = HandlingUnit.objects.create(code="H", name="住建局", kind="department", parent=centre)
    a2 = HandlingUnit.objects.create(code="A2", name="A2区", kind="district", parent=centre)
    a2_housing = HandlingUnit.objects.create(code="A2H", name="A2区住建局", kind="department", parent=a2)
    street = HandlingUnit.objects.create(code="A2S1", name="桂花坪街道", kind="street", parent=a2)
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    mid = Category.objects.create(name="住房保障与房地产", level=2, parent=top, full_name="城乡建设/住房保障与房地产")
    leaf = Category.objects.create(name="物业管理", level=3, parent=mid, full_name="城乡建设/住房保障与房地产/物业管理")
    return locals()


def test_city_wide_rule_applies_everywhere(world):
    DispatchRule.objects.create(category=world["top"], lead_unit=world["housing"])
    assert rule_for(world["leaf"], world["street"]).lead_unit == world["housing"]
    assert rule_for(world["leaf"], None).lead_unit == world["housing"]


def test_deeper_category_and_area_win(world):
    DispatchRule.objects.create(category=world["top"], lead_unit=world["housing"])
    DispatchRule.objects.create(category=world["leaf"], area=world["a2"], lead_unit=world["a2_housing"])
    assert rule_for(world["leaf"], world["street"]).lead_unit == world["a2_housing"]
    # another area falls back to the city-wide rule
    other = HandlingUnit.objects.create(code="A3", name="A3区", kind="district", parent=world["centre"])
    assert rule_for(world["leaf"], other).lead_unit == world["housing"]
    # a shallower category does not see the leaf's rule
    assert rule_for(world["mid"], world["street"]).lead_unit == world["housing"]


def test_no_rule_no_category(world):
    assert rule_for(None, world["street"]) is None
    assert rule_for(world["leaf"], world["street"]) is None
