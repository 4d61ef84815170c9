"""The unit tree keeps its materialised paths right, also when a unit moves."""

import pytest

from hotline.orgs.models import HandlingUnit

pytestmark = pytest.mark.django_db


def test_moving_a_unit_carries_its_subtree():
    root = HandlingUnit.objects.create(code="C", name="中心", kind="centre")
    a1 = HandlingUnit.objects.create(code="A1", name="A1区", kind="district", parent=root)
    a2 = HandlingUnit.objects.create(code="A2", name="A2区", kind="district", parent=root)
    street = HandlingUnit.objects.create(code="S", name="街道", kind="street", parent=a1)
    community = HandlingUnit.objects.create(code="K", name="社区", kind="community", parent=street)
    assert list(HandlingUnit.objects.subtree_of([a1])) == [a1, street, community]
    street.parent = a2
    street.save()
    community.refresh_from_db()
    assert community.path == f"{a2.path}{street.pk}/{community.pk}/"
    assert community.depth == 3
    assert list(HandlingUnit.objects.subtree_of([a1])) == [a1]
    assert set(HandlingUnit.objects.subtree_of([a2])) == {a2, street, community}
    assert community.is_within(a2) and not community.is_within(a1)
