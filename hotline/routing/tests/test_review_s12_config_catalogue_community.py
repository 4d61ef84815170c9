"""派单目录: an entry whose lead the centre may not dispatch to (a community while 下派设置 forbids it)."""
import pytest

from hotline.routing.admin import DispatchRuleForm
from hotline.tickets.models import ForwardSettings
from hotline.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _form(org, **changes: str) -> DispatchRuleForm:  # noqa: ANN001
    category = CategoryFactory(name="楼道堆物")
    data = {"category": category.pk, "area": org.community_a.pk, "lead_unit": org.community_a.pk,
            "legal_basis": "", "is_active": "on"}
    return DispatchRuleForm(data={**data, **changes})


def test_a_community_lead_is_refused_while_dispatch_to_communities_is_off(org) -> None:  # noqa: ANN001
    """ForwardSettings.to_communities is off by default: `dispatch` refuses a community as lead. An entry naming
    one makes the recommendation's top unit one the desk cannot use, and auto-dispatch fails on every such
    order; the admin refuses every other entry 「that cannot dispatch」 (docs/triage.md)."""
    assert not ForwardSettings.current().to_communities
    form = _form(org)
    assert not form.is_valid(), "saved a catalogue entry whose lead cannot be dispatched to"
    assert form.errors["lead_unit"] == ["下派设置不允许社区（村）主办，请改选街道或职能部门，或先在下派设置中允许"]


def test_a_street_lead_for_the_community_is_accepted(org) -> None:  # noqa: ANN001
    assert _form(org, lead_unit=str(org.street_a.pk)).is_valid()


def test_a_community_lead_is_accepted_once_dispatch_to_communities_is_allowed(org) -> None:  # noqa: ANN001
    settings = ForwardSettings.current()
    settings.to_communities = True
    settings.save()
    assert _form(org).is_valid()


def test_an_entry_switched_off_may_keep_its_community_lead(org) -> None:  # noqa: ANN001
    """As for a switched-off lead: the entry dispatches nothing, so it can be switched off as it is."""
    form = _form(org)
    form.data = {**form.data}
    form.data.pop("is_active")
    assert form.is_valid(), form.errors
