"""The gazetteer (地名库) of the active units: built once, rebuilt when units change."""

from __future__ import annotations

import pytest

from hotline.orgs import places
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets.tests.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db


def test_the_gazetteer_is_cached_and_rebuilt_when_a_unit_changes(org, django_assert_num_queries) -> None:  # noqa: ANN001
    assert places.recognise("东华门街道").ids == (org.district.pk, org.street_a.pk, None)
    with django_assert_num_queries(0):  # cached: a dictionary look-up per order
        assert places.recognise("多福巷社区").community.id == org.community_a.pk
        assert places.recognise("  ") is None
    org.street_a.name = "东华街道"
    org.street_a.save()
    assert places.recognise("东华门街道") is None and places.recognise("东华街道").street.id == org.street_a.pk
    new = HandlingUnitFactory(kind=UnitKind.COMMUNITY, name="灯市口社区", parent=org.street_b)
    assert places.recognise("灯市口社区").ids == (org.district.pk, org.street_b.pk, new.pk)
    new.delete()
    assert places.recognise("灯市口社区") is None


def test_changes_made_elsewhere_are_seen_at_the_next_look(org, monkeypatch) -> None:  # noqa: ANN001
    assert places.recognise("景山街道") is not None
    HandlingUnit.objects.filter(pk=org.street_b.pk).update(is_active=False)  # no signal: another process, say
    assert places.recognise("景山街道") is not None  # trusted for RECHECK_SECONDS
    monkeypatch.setattr(places, "RECHECK_SECONDS", 0.0)
    assert places.recognise("景山街道") is None  # count of active units changed
