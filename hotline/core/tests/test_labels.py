"""`core.labels.label`: what `get_FOO_display()` shows, in the active language."""

from __future__ import annotations

import pytest
from django.utils import translation

from hotline.core.labels import label
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_stored_choice_is_labelled_as_get_display_labels_it(language: str) -> None:
    with translation.override(language):
        for status in Status.values:
            assert label(Status, status) == str(Ticket(status=status).get_status_display())
        assert label(Channel, Channel.WECHAT) == str(Ticket(channel=Channel.WECHAT).get_channel_display())


def test_a_value_that_is_no_choice_comes_back_as_it_is() -> None:
    assert label(Status, "no-such-status") == str(Ticket(status="no-such-status").get_status_display())
    assert label(Status, None) == ""
