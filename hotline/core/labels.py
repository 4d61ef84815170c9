"""The label of a stored choice, as `get_FOO_display()` gives it, without rebuilding the choices dict each call.

    label(Status, ticket.status)   # "已受理" (in the active language); a value that is no choice comes back as is

Django's `get_FOO_display()` turns the field's flat choices into a dict on every call; on the intake path
(the timeline's actor and channel, the 201 body's status) that was measurable. The enum lookup is not.

The same dict-per-call cost made up a sixth of a unit's inbox page (50 rows, five labels each). So at
start-up (`CoreConfig.ready`) every `get_FOO_display()` Django generated for the platform's models is
pointed at `display`, which builds each field's dict once; the answers are the same, in the language
active at each call (a test compares them with Django's own for every choice of every model).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from functools import partialmethod
from typing import Any

from django.db.models import Choices, Field, Model
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

#: Per choice field: its flat choices as a dict (value -> lazy label), built on first use.
_choices_by_field: dict[Field, dict[Any, Any]] = {}


def label(choices: type[Choices], value: object) -> str:
    """The label of `value` among `choices` in the active language, or `value` itself if it is not one of them."""
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)


def display(instance: Model, field: Field) -> str:
    """What `instance.get_FOO_display()` returns for `field`, from the field's choices dict built once."""
    value = getattr(instance, field.attname)
    choices = _choices_by_field.get(field)
    if choices is None:
        choices = _choices_by_field[field] = dict(make_hashable(field.flatchoices))
    return force_str(choices.get(make_hashable(value), value), strings_only=True)


def speed_up_displays(models: Iterable[type[Model]]) -> int:
    """Point the `get_FOO_display()` methods Django generated for these models at `display`; how many."""
    changed = 0
    for model in models:
        for field in model._meta.fields:
            name = f"get_{field.name}_display"
            method = inspect.getattr_static(model, name, None)
            if field.choices is not None and isinstance(method, partialmethod) \
                    and method.func is Model._get_FIELD_display:  # not a method the model wrote itself
                setattr(model, name, partialmethod(display, field=field))
                changed += 1
    return changed
