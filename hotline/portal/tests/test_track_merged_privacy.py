"""A merged order's tracking page shows its master's approved public reply (or direct answer), written to
another citizen: their recorded name and number are masked in it (`scrub_public_text(order=master)`)."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def _track(client: Client, number: str, code: str) -> str:
    return client.post(reverse("portal:track"), {"number": number, "query_code": code}, follow=True).content.decode()


def test_merged_orders_page_does_not_show_the_other_citizens_phone(client, frozen_now, cast):
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_name="王建华", caller_phone="13812345678")
    mine = make_ticket(Status.MERGED, cast=cast, master=master, caller_name="李四", caller_phone="13900001111",
                       description="小区门口路灯也不亮")
    master.refresh_from_db()
    services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已维修",
                   public_reply="王建华您好：路灯已修复。如仍不亮请拨打您留下的13812345678联系我们回访。",
                   contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(master, actor=cast.inspector)
    page = _track(client, mine.number, mine.query_code)
    assert "路灯已修复" in page  # the master's answer is shown, as designed
    assert "13812345678" not in page  # ... but not the other citizen's phone
    assert "王建华" not in page  # ... nor their full name
