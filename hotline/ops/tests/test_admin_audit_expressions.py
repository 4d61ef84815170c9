"""A field a save sets in the database (HandlingUnit.version = F("version") + 1) is bookkeeping: the admin change
trail records neither the expression's text nor, for a save that changed nothing else, a change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotline.ops import context
from hotline.ops.models import AdminAction, AdminChange
from hotline.tickets.tests.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_request() -> Iterator[None]:
    token = context.activate(context.RequestContext(request_id="p" * 32, path="/admin/", method="POST",
                                                    username="root", admin=True))
    yield
    context.deactivate(token)


def test_unit_rename_records_version_as_numbers(admin_request: None) -> None:
    unit = HandlingUnitFactory(name="景山街道")
    unit.name = "景山街道办事处"
    unit.save()
    changed = AdminChange.objects.get(model="orgs.handlingunit", action=AdminAction.CHANGE)
    assert "F(" not in str(changed.changes) and "version" not in changed.changes
    assert changed.changes["name"][1] == "景山街道办事处"


def test_unchanged_unit_save_records_no_change(admin_request: None) -> None:
    unit = HandlingUnitFactory(name="景山街道")
    unit.save()
    assert not AdminChange.objects.filter(model="orgs.handlingunit", action=AdminAction.CHANGE).exists(), \
        list(AdminChange.objects.filter(action=AdminAction.CHANGE).values_list("changes", flat=True))
