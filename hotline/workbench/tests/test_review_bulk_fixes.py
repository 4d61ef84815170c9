"""Bulk actions read each order just before its step; unit lists refuse ids no unit can have (400, not 500)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.core.formfields import MAX_PK
from hotline.tickets.choices import Action, Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.forms import ConsultForm, DispatchForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _post(user: User, action: str, numbers: list[str], **fields: Any) -> Any:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    data = {"action": action, "numbers": numbers, "next": "/work/inbox/", "submission": "",
            **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(reverse("bulk-action"), data)


def test_bulk_merge_with_the_master_selected_refuses_it_as_merging_into_itself(cast: Cast) -> None:
    """The first order's merge records 被并入 on the master; the master, read afresh, meets the step's own rule."""
    master = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    response = _post(cast.dispatcher, Action.MERGE, [duplicate.number, master.number],
                     master_number=master.number, note="重复")
    report = response.context["report"]
    assert [o.number for o in report.done] == [duplicate.number]
    assert {o.number: o.message for o in report.refused} == {master.number: "不能并入自身"}
    duplicate.refresh_from_db()
    master.refresh_from_db()
    assert (duplicate.status, duplicate.master_id, master.status) == (Status.MERGED, master.pk,
                                                                      Status.PENDING_DISPATCH)


def test_bulk_dispatch_with_an_out_of_range_unit_id_answers_400(cast: Cast) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    response = _post(cast.dispatcher, Action.DISPATCH, [t.number], lead=str(cast.lead.pk),
                     assisting="99999999999999999999999")
    assert response.status_code == 400
    t.refresh_from_db()
    assert t.status == Status.PENDING_DISPATCH


@pytest.mark.parametrize("value", [str(MAX_PK + 1), "99999999999999999999999", "9" * 5000, "-1", "0", "1.5", "x", "１", "²"])
def test_unit_lists_refuse_values_no_unit_id_can_be(cast: Cast, value: str) -> None:
    dispatch = DispatchForm({"lead": str(cast.lead.pk), "assisting": [value]})
    consult = ConsultForm({"units": [str(cast.lead.pk), value], "question": "职责不清"})
    for form, name in ((dispatch, "assisting"), (consult, "units")):
        assert not form.is_valid()
        assert [e.code for e in form.errors.as_data()[name]] == ["invalid_pk_value"]


def test_unit_lists_still_take_real_units_and_refuse_unknown_ones_as_before(cast: Cast) -> None:
    assert DispatchForm({"lead": str(cast.lead.pk), "assisting": []}).is_valid()
    consult = ConsultForm({"units": [str(cast.lead.pk), str(Cast.build().lead.pk)], "question": "职责不清"})
    assert consult.is_valid(), consult.errors
    assert len(consult.cleaned_data["units"]) == 2
    form = DispatchForm({"lead": str(cast.lead.pk), "assisting": [str(MAX_PK)]})  # in range, no such unit
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["assisting"]] == ["invalid_choice"]
