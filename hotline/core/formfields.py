"""Form fields shared by several apps' forms (the admin's settings, the workbench, governance, incidents)."""

from __future__ import annotations

from typing import Any

from django import forms


class WriteOnlySecret(forms.CharField):
    """A secret typed in a password box and never shown; left blank, the stored one is kept."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
        super().__init__(**kwargs)

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Changed only when something was typed (a blank box keeps the secret)."""
        return bool(data)


#: The largest id a row may have: primary keys are signed 64-bit integers (bigint).
MAX_PK = 2**63 - 1


def _is_pk(value: object) -> bool:
    """Whether `value` could be a row's id: a positive whole number (as typed: ASCII digits) within 64 bits."""
    if isinstance(value, str):
        return value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= MAX_PK
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PK


class IdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multi-select of rows (units …) that refuses, before any lookup, an id no row can have (the 400, not a 500).

    Django checks each id on its own, but then looks them up together (`pk__in`), and SQLite answers a
    number beyond its 64-bit INTEGER with OverflowError. Such a value gets the field's `invalid_pk_value`.
    """

    def _check_values(self, value):  # noqa: ANN001, ANN202
        if self.to_field_name is None and isinstance(value, list | tuple):
            for pk in value:
                if not _is_pk(pk):
                    raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                                params={"pk": pk})
        return super()._check_values(value)
