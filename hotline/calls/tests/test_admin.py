"""The admin's call-centre pages show callers' numbers masked (the full number is on the call centre's own
pages, which record who saw it: docs/security.md)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from hotline.calls.admin import masked_payload
from hotline.calls.models import Call, Callback, CallbackEvent, CallEvent, PbxSource
from hotline.ops.models import AccessRecord

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # the admin signs in at the frozen moment

CALLER, CALLER_MASKED = "13911112222", "139****2222"
MISSED, MISSED_MASKED = "13733334444", "137****4444"
OUTSIDE = "13600005555"


def test_call_and_callback_pages_show_numbers_masked(admin_client: Client, frozen_now: datetime) -> None:
    """Lists and pages of calls, events, callbacks and their records: masked numbers only, nothing to record."""
    source = PbxSource.objects.create(key="pbx", name="PBX", secret="s" * 32)
    call = Call.objects.create(source=source, call_id="c-1", caller=CALLER, offered_at=frozen_now,
                               transferred_to=OUTSIDE)
    callback = Callback.objects.create(phone=MISSED, first_missed_at=frozen_now, last_missed_at=frozen_now,
                                       due_at=frozen_now)
    record = CallbackEvent.objects.create(callback=callback, at=frozen_now, action="outcome",
                                          to_status=callback.status, note=f"回拨{MISSED}无人接听")
    event = CallEvent.objects.create(source=source, event_id="e-1", type="call.offered", at=frozen_now,
                                     call_id="c-1", payload={"caller": CALLER, "to": OUTSIDE, "queue": "q1"},
                                     received_at=frozen_now)
    pages = {
        "/admin/calls/call/": [CALLER_MASKED],
        f"/admin/calls/call/{call.pk}/change/": [CALLER_MASKED, "136****5555"],
        "/admin/calls/callback/": [MISSED_MASKED],
        f"/admin/calls/callback/{callback.pk}/change/": [MISSED_MASKED],
        "/admin/calls/callbackevent/": [MISSED_MASKED],
        f"/admin/calls/callbackevent/{record.pk}/change/": [MISSED_MASKED],
        "/admin/calls/callevent/": [],
        f"/admin/calls/callevent/{event.pk}/change/": [CALLER_MASKED, "q1"],
    }
    for path, expected in pages.items():
        page = admin_client.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert not [n for n in (CALLER, MISSED, OUTSIDE) if n in html], path
        assert all(text in html for text in expected), path
    assert not AccessRecord.objects.exists()  # nothing full was shown, so nothing to record


def test_a_callback_is_named_by_its_masked_number() -> None:
    assert str(Callback(phone=MISSED, status="open")) == f"{MISSED_MASKED} open"


def test_masked_payload_masks_the_caller_and_numbers_in_text_only() -> None:
    payload = {"caller": CALLER, "to": "8001", "note": f"转 {OUTSIDE}", "legs": [{"caller": MISSED}], "n": 3,
               "ok": True}
    assert masked_payload(payload) == {"caller": CALLER_MASKED, "to": "8001", "note": "转 136****5555",
                                       "legs": [{"caller": MISSED_MASKED}], "n": 3, "ok": True}
