"""A claimed one-time token is given back when the step it guards fails, and kept when it succeeds."""

from __future__ import annotations

import pytest

from hotline.tickets.exceptions import RuleViolation
from hotline.workbench import once as one_time


def test_a_refused_step_gives_its_token_back_and_a_done_one_keeps_it() -> None:
    token = "hotline:once:test:1:given-back"
    assert one_time.claim(token)
    with pytest.raises(RuleViolation), one_time.given_back_on_error(token):
        raise RuleViolation("请填写理由")
    assert one_time.claim(token)  # given back: the corrected page may be posted
    with one_time.given_back_on_error(token):
        pass
    assert not one_time.claim(token)  # kept: a repeated post is recognised
    one_time.release(token)
