"""docs/lifecycle.md is generated from the transition table and must not drift from it."""

from __future__ import annotations

from hotline.tickets.choices import Action, Status
from hotline.tickets.lifecycle_doc import DOC_PATH, RECORDS, render
from hotline.tickets.transitions import TRANSITIONS


def test_every_action_says_what_it_records() -> None:
    """A new action needs its row in lifecycle_doc.RECORDS."""
    assert set(RECORDS) == set(TRANSITIONS) == set(Action.values)


def test_render_draws_every_transition() -> None:
    """Every (from, to) pair of the table is an arrow and every action a table row."""
    text = render()
    for action, row in TRANSITIONS.items():
        assert f"`{action}` |" in text
        for source in row.sources:
            for target in row.targets:
                assert f"    {source or '[*]'} --> {target} : " in text, (action, source, target)
    for status in Status:
        assert f"    {status.value} : {status.label}" in text


def test_document_is_up_to_date() -> None:
    """Regenerate with `python -m hotline.tickets.lifecycle_doc --write` when this fails."""
    assert render() in DOC_PATH.read_text(encoding="utf-8")
