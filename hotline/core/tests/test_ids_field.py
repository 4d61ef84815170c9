"""`IdsMultipleChoiceField`: an id no row can have is a form error, never a database error (the 400, not a 500)."""

from __future__ import annotations

import pytest

from hotline.core.formfields import MAX_PK, IdsMultipleChoiceField
from hotline.governance.forms import _assisting_field
from hotline.orgs.models import HandlingUnit
from hotline.tickets.tests.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [str(MAX_PK + 1), "9" * 5000, "-1", "0", "1.5", "x", "１"])
def test_an_impossible_id_is_refused_before_the_lookup(value: str) -> None:
    field = IdsMultipleChoiceField(queryset=HandlingUnit.objects.all())
    with pytest.raises(Exception) as refused:
        field.clean([value])
    assert getattr(refused.value, "code", "") == "invalid_pk_value"


def test_real_ids_are_found_and_the_governance_and_incident_fields_use_it() -> None:
    unit = HandlingUnitFactory()
    field = IdsMultipleChoiceField(queryset=HandlingUnit.objects.all())
    assert list(field.clean([str(unit.pk)])) == [unit]
    from hotline.incidents.forms import IncidentForm

    assert isinstance(_assisting_field(4), IdsMultipleChoiceField)
    assert isinstance(IncidentForm.base_fields["areas"], IdsMultipleChoiceField)
