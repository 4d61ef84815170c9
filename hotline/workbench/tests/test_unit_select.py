"""The unit selects of the steps (派单, 同意退回并改派, 退单): grouped by district or kind, with a filter box."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import Action, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket
from hotline.workbench.forms import AcceptReturnForm, DispatchForm, ReturnForm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    """The labels below are the Chinese ones, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield


@dataclass
class Org:
    department: HandlingUnit
    utility: HandlingUnit
    district: HandlingUnit
    district_department: HandlingUnit
    street: HandlingUnit
    community: HandlingUnit
    closed: HandlingUnit


@pytest.fixture
def org() -> Org:
    centre = HandlingUnitFactory(kind=UnitKind.CENTRE, name="测试热线中心")
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT, name="Z2区人民政府", parent=centre)
    street = HandlingUnitFactory(kind=UnitKind.STREET, name="Z2区桂花坪街道", parent=district)
    return Org(
        department=HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市住房和城乡建设局", parent=centre),
        utility=HandlingUnitFactory(kind=UnitKind.UTILITY, name="Z市燃气集团", parent=centre),
        district=district,
        district_department=HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="Z2区住建局", parent=district),
        street=street,
        community=HandlingUnitFactory(kind=UnitKind.COMMUNITY, name="向阳社区", parent=street),
        closed=HandlingUnitFactory(kind=UnitKind.STREET, name="已撤销街道", parent=district, is_active=False),
    )


def _groups(html: str) -> dict[str, str]:
    """Each optgroup's label and the markup of its options."""
    return dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S))


def test_dispatch_lead_is_grouped_as_a_dispatcher_looks(org: Org) -> None:
    """市直部门 and 公共服务企业 first, then each district with its own departments, streets and communities."""
    html = str(DispatchForm(prefix="dispatch")["lead"])
    groups = _groups(html)
    labels = list(groups)
    assert labels.index("市直部门") < labels.index("公共服务企业") < labels.index("Z2区人民政府")
    assert "市住房和城乡建设局" in groups["市直部门"] and "Z2区住建局" not in groups["市直部门"]
    assert "Z市燃气集团" in groups["公共服务企业"]
    district = groups["Z2区人民政府"]
    for unit in (org.district, org.district_department, org.street, org.community):
        assert f">{unit.name}</option>" in district
    # the community carries its street's name, so typing 「桂花坪」 finds it too
    assert f'value="{org.community.pk}" data-filter="Z2区人民政府 Z2区桂花坪街道">向阳社区</option>' in district
    # the empty choice stays first, outside any group; inactive units and the centre are not offered
    assert html.index("—请选择—") < html.index("<optgroup")
    assert "已撤销街道" not in html and "测试热线中心" not in html


def test_assisting_units_are_grouped_and_keep_their_selection(org: Org) -> None:
    form = AcceptReturnForm(prefix="accept_return", initial={"assisting": [org.street.pk, org.utility.pk]})
    html = str(form["assisting"])
    assert 'name="accept_return-assisting"' in html and " multiple" in html
    groups = _groups(html)
    assert f'value="{org.street.pk}" selected' in groups["Z2区人民政府"]
    assert f'value="{org.utility.pk}" selected' in groups["公共服务企业"]
    assert html.count(" selected") == 2


def test_a_bound_form_still_validates_the_chosen_units(org: Org) -> None:
    form = DispatchForm({"lead": org.district_department.pk, "assisting": [org.community.pk]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lead"] == org.district_department
    assert list(form.cleaned_data["assisting"]) == [org.community]
    assert not DispatchForm({"lead": org.closed.pk}).is_valid()


def test_filter_box_is_labelled_hidden_without_script_and_translated(org: Org) -> None:
    html = str(ReturnForm(prefix="return")["suggested_unit"])
    assert "<optgroup" in html
    box = re.search(r'<input type="search"[^>]*>', html).group(0)
    assert 'id="id_return-suggested_unit-filter"' in box and 'aria-controls="id_return-suggested_unit"' in box
    assert " hidden" in box and 'aria-label="输入关键字筛选单位"' in box
    assert 'src="/static/hotline/unit_filter.js"' in html
    with translation.override("en"):
        english = str(ReturnForm(prefix="return")["suggested_unit"])
    assert 'aria-label="Type to filter the units"' in english and "{n} matching units" in english


def test_order_page_offers_grouped_units_without_inline_script(frozen_now: datetime, org: Org) -> None:
    """The dispatcher's order page: the 派单 step's lead select is grouped, and every script is a file (CSP)."""
    cast = Cast.build()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    client = Client()
    client.force_login(cast.dispatcher)
    page = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    step = page[page.index(f'data-action="{Action.DISPATCH}"'):]
    step = step[:step.index("</details>")]
    assert '<optgroup label="市直部门">' in step and f'<optgroup label="{cast.lead.parent.name}">' in step
    assert 'id="id_dispatch-lead-filter"' in step
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", page))
