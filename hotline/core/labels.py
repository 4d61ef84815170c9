"""The label of a stored choice, as `get_FOO_display()` gives it, without rebuilding the choices dict each call.

    label(Status, ticket.status)   # "已受理" (in the active language); a value that is no choice comes back as is

Django's `get_FOO_display()` turns the field's flat choices into a dict on every call; on the intake path
(the timeline's actor and channel, the 201 body's status) that was measurable. The enum lookup is not.
"""

from __future__ import annotations

from django.db.models import Choices


def label(choices: type[Choices], value: object) -> str:
    """The label of `value` among `choices` in the active language, or `value` itself if it is not one of them."""
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)
