"""The profile's small edit form as posted: tag names ticked, the note, the version the person saw, and (posted to
the number-free `/callers/save/`) the caller's number.

The rules (known tags, note length, permission) are the service's (`update_profile`), which says why it refuses.
"""

from __future__ import annotations

from django.http import QueryDict

from hotline.callers.selectors import ProfileCard
from hotline.workbench.posted import posted_version


class ProfileForm:
    """Read the posted tags, note and version."""

    def __init__(self, data: QueryDict) -> None:
        self.data = data

    def phone(self) -> str:
        """The caller's number, posted in the form's body (`/callers/save/`): never in an address."""
        return self.data.get("phone", "")

    def tag_names(self) -> list[str]:
        """The tag names ticked."""
        return self.data.getlist("tags")

    def note(self) -> str:
        """The note as typed (the service strips it and checks its length)."""
        return self.data.get("note", "")

    def version(self) -> int | None:
        """The profile's version when the form was shown, or None when absent or not a short ASCII number
        (`posted_version`): the page then treats the form as stale, never skipping the version check."""
        return posted_version(self.data.get("version", "").strip())

    def keep_posted(self, card: ProfileCard | None) -> None:
        """Show a refused form again as it was posted: ticks and note kept (what is stored is shown unchanged)."""
        if card is None:
            return
        ticked = set(self.tag_names())
        card.choices = [_ticked(tag, tag.name in ticked) for tag in card.choices]
        card.draft_note = self.note()


def _ticked(tag: object, on: bool) -> object:
    from copy import copy

    shown = copy(tag)
    shown.on = on
    return shown
