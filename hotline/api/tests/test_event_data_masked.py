"""Texts kept in a timeline event's data read over the API as the event's note does (`core.privacy.data_for`): the
whole title an import cut (the register event's `data["original"]`) and a title correction's old and new values
(`data["changes"]`) show numbers masked to a unit's key and a key without the `phone` scope, in full (the view
recorded) to a centre key with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.api import serialize
from hotline.api.keys import create_key
from hotline.api.tests.conftest import ApiClient
from hotline.dataio.rows import MAX_TITLE
from hotline.dataio.tests.test_import import run
from hotline.dataio.tests.test_import_warnings import _mapped, _row
from hotline.ops.models import AccessKind, AccessRecord
from hotline.taxonomy.services import load_taxonomy
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db

OTHER = "13900001111"
MASKED = "139****1111"


@pytest.fixture
def cast(frozen_now) -> Cast:  # noqa: ANN001
    ensure_default_policies()
    return Cast.build()


@pytest.fixture
def imported(tmp_path: Path) -> Ticket:
    """An order imported with a title longer than the column: the whole title is kept in the register event."""
    load_taxonomy()
    title = f"请回电{OTHER}" + "长" * (MAX_TITLE + 5)
    source, mapping = _mapped(tmp_path, [_row("W-1", 标题=title)])
    run(source, "mapped", "--mapping", str(mapping))
    ticket = Ticket.objects.get(imported_from__external_id="W-1")
    assert OTHER in str(ticket.timeline.get(action=Action.REGISTER).data["original"])
    return ticket


@pytest.fixture
def corrected(cast) -> Ticket:  # noqa: ANN001
    """An order whose title, which held a number, was corrected (工单更正)."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, title=f"噪音扰民 回电{OTHER}", description="楼下噪音扰民")
    services.correct(ticket, actor=cast.intake, reason="标题含号码", title="噪音扰民")
    return ticket


def _register_data(client: ApiClient, ticket: Ticket) -> dict:
    response = client.get(f"/orders/{ticket.number}/timeline")
    assert response.status_code == 200
    return next(e for e in response.json() if e["action"] == Action.REGISTER)["data"]


def _change(client: ApiClient, ticket: Ticket) -> dict:
    response = client.get(f"/orders/{ticket.number}/timeline")
    assert response.status_code == 200
    [event] = [e for e in response.json() if e["action"] == Action.CORRECT]
    [change] = event["data"]["changes"]
    return change


def test_a_key_without_phone_reads_an_imported_whole_title_masked(imported) -> None:  # noqa: ANN001
    client = ApiClient(create_key("统计系统", ["read"])[1])
    assert OTHER not in client.get(f"/orders/{imported.number}").content.decode()
    data = _register_data(client, imported)
    [original] = data["original"].values()
    assert original.startswith(f"请回电{MASKED}长")
    assert data["external_id"] == "W-1"  # other texts as stored when they hold no number
    assert OTHER not in client.get(f"/orders/{imported.number}/timeline").content.decode()
    assert not AccessRecord.objects.exists()


def test_a_centre_key_with_phone_reads_the_whole_title_and_the_view_is_recorded(imported) -> None:  # noqa: ANN001
    client = ApiClient(create_key("坐席系统", ["read", "phone"])[1])
    [original] = _register_data(client, imported)["original"].values()
    assert original.startswith(f"请回电{OTHER}长")
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=imported.number).exists()


def test_a_unit_key_reads_a_corrected_titles_old_value_masked(corrected, cast) -> None:  # noqa: ANN001
    client = ApiClient(create_key("街道办件系统", ["read", "phone"], unit=cast.lead)[1])
    change = _change(client, corrected)
    assert change == {"field": "title", "from": f"噪音扰民 回电{MASKED}", "to": "噪音扰民"}
    assert OTHER not in client.get(f"/orders/{corrected.number}/timeline").content.decode()


def test_a_key_without_phone_reads_it_masked_and_a_centre_key_with_phone_in_full(corrected) -> None:  # noqa: ANN001
    masked = ApiClient(create_key("统计系统", ["read"])[1])
    assert _change(masked, corrected)["from"] == f"噪音扰民 回电{MASKED}"
    assert not AccessRecord.objects.exists()
    full = ApiClient(create_key("坐席系统", ["read", "phone"])[1])
    assert _change(full, corrected)["from"] == f"噪音扰民 回电{OTHER}"
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=corrected.number).exists()


def test_numbers_and_flags_in_the_data_are_kept(corrected, cast) -> None:  # noqa: ANN001
    client = ApiClient(create_key("街道办件系统", ["read"], unit=cast.lead)[1])
    response = client.get(f"/orders/{corrected.number}/timeline").json()
    [event] = [e for e in response if e["action"] == Action.CORRECT]
    assert event["data"]["after_dispatch"] is True and event["data"]["reason"] == "标题含号码"


def test_an_event_serialized_without_its_reader_has_its_data_masked(corrected) -> None:  # noqa: ANN001
    event = corrected.timeline.get(action=Action.CORRECT)
    [change] = serialize.timeline_event(event)["data"]["changes"]
    assert change["from"] == f"噪音扰民 回电{MASKED}"
