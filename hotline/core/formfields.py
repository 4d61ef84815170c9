"""Form fields shared by the admin's settings forms."""

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
