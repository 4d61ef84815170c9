"""The gazetteer (地名库) of one process sees a unit renamed, moved to another district, or switched off while
another is switched on, by another process (another web worker, the admin on another box): every save raises the
unit's `version`, whose sum the one-query look compares, with the count and largest id of the units."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from conftest import Org
from hotline.orgs import places
from hotline.orgs.models import HandlingUnit

pytestmark = pytest.mark.django_db


def _elsewhere(unit: HandlingUnit, **changes: Any) -> None:
    """What a save made by another process leaves in the database (its `version` raised), without this process's
    signal."""
    HandlingUnit.objects.filter(pk=unit.pk).update(version=F("version") + 1, **changes)


def _move_elsewhere(org: Org, *, version: bool = True) -> None:
    """东华门街道 (and its community) moved under 西城区 by another process (区划调整)."""
    new_path = f"{org.other_district.path}{org.street_a.pk}/"
    if version:
        _elsewhere(org.street_a, parent=org.other_district, path=new_path)
    else:  # a bulk update that raises no version
        HandlingUnit.objects.filter(pk=org.street_a.pk).update(parent=org.other_district, path=new_path)
    HandlingUnit.objects.filter(pk=org.community_a.pk).update(path=f"{new_path}{org.community_a.pk}/")


@pytest.fixture
def look_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(places, "RECHECK_SECONDS", 0.0)


def test_every_save_raises_the_version_even_of_named_fields_only(org: Org) -> None:
    start = HandlingUnit.objects.get(pk=org.street_a.pk).version
    org.street_a.name = "东华街道"
    org.street_a.save(update_fields=["name"])
    assert org.street_a.version == start + 1  # read back from the database
    org.street_a.save()
    assert HandlingUnit.objects.get(pk=org.street_a.pk).version == start + 2


def test_a_street_moved_to_another_district_elsewhere_is_seen(org: Org, look_every_time: None) -> None:
    places.invalidate()
    assert places.recognise("东华门街道").district.id == org.district.pk
    _move_elsewhere(org)
    assert places.recognise("东华门街道").district.id == org.other_district.pk
    assert places.recognise("多福巷社区").ids == (org.other_district.pk, org.street_a.pk, org.community_a.pk)


def test_a_bulk_move_that_raises_no_version_is_seen_too(org: Org, look_every_time: None) -> None:
    places.invalidate()
    assert places.recognise("东华门街道").district.id == org.district.pk
    _move_elsewhere(org, version=False)
    assert places.recognise("东华门街道").district.id == org.other_district.pk


def test_a_street_renamed_elsewhere_is_seen(org: Org, look_every_time: None) -> None:
    places.invalidate()
    assert places.recognise("东华门街道") is not None
    _elsewhere(org.street_a, name="东华里街道")  # same length, same count, same ids
    assert places.recognise("东华门街道") is None
    assert places.recognise("东华里街道").street.id == org.street_a.pk


def test_one_street_switched_off_and_another_on_elsewhere_is_seen(org: Org, look_every_time: None) -> None:
    HandlingUnit.objects.filter(pk=org.street_a.pk).update(is_active=False)
    places.invalidate()
    assert places.recognise("东华门街道") is None and places.recognise("景山街道") is not None
    _elsewhere(org.street_b, is_active=False)  # 景山街道 merged away, 东华门街道 on again: the same count
    _elsewhere(org.street_a, is_active=True)
    assert places.recognise("景山街道") is None, "a switched-off street still recognised"
    assert places.recognise("东华门街道").street.id == org.street_a.pk


def test_the_look_is_one_query_while_nothing_changed(org: Org, look_every_time: None,
                                                     django_assert_num_queries: Any) -> None:
    places.invalidate()
    assert places.recognise("东华门街道") is not None
    with django_assert_num_queries(1):
        assert places.recognise("景山街道").street.id == org.street_b.pk
