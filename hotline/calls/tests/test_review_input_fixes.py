"""A NUL character anywhere in a CTI event refuses that event, by index, and keeps the rest of the batch.

PostgreSQL stores NUL neither in text nor in jsonb: stored, one such event would make the whole signed
batch a 500, and the PBX would post the same batch again and again.
"""

from __future__ import annotations

from typing import Any

import pytest

from hotline.calls.ingest import parse_event
from hotline.calls.models import Call, CallEvent
from hotline.calls.tests.conftest import Post, at, ev

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.mark.parametrize(("kind", "fields", "where"), [
    ("call.offered", {"call_id": "c\u0000"}, "call_id"),
    ("call.offered", {"call_id": "c1", "note": "x\u0000"}, "note"),
    ("call.answered", {"call_id": "c1", "agent": "80\u000001"}, "agent"),
    ("call.offered", {"call_id": "c1", "extra": {"tags": ["ok", "b\u0000d"]}}, "extra.tags[1]"),
    ("call.offered", {"call_id": "c1", "extra": {"k\u0000": 1}}, "extra.k\\u0000"),
])
def test_an_event_with_a_nul_is_refused_by_index_and_the_good_ones_are_stored(
        post: Post, kind: str, fields: dict[str, Any], where: str) -> None:
    bad = ev("n1", kind, at(0), **fields)
    good = ev("g1", "call.offered", at(0), call_id="c9", caller="13812345678")
    response = post([good, bad])
    assert response.status_code == 400
    body = response.json()
    assert body["accepted"] == 1
    [refused] = body["rejected"]
    assert refused["index"] == 1 and refused["id"] == "n1"
    assert refused["reason"] == f"'{where}' contains a NUL character (\\u0000), which cannot be stored"
    assert list(CallEvent.objects.values_list("event_id", flat=True)) == ["g1"]
    assert list(Call.objects.values_list("call_id", flat=True)) == ["c9"]


def test_a_nul_in_the_id_is_refused_too(db: None) -> None:
    with pytest.raises(ValueError, match="'id' contains a NUL"):
        parse_event(ev("x\u0000", "call.offered", at(0), call_id="c1"))


def test_text_without_nul_is_kept_as_sent(post: Post) -> None:
    response = post([ev("e1", "call.offered", at(0), call_id="c1", extra={"note": ["换行\n与制表\t"]})])
    assert response.status_code == 200, response.json()
    assert CallEvent.objects.get().payload["extra"] == {"note": ["换行\n与制表\t"]}
