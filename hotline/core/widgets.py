"""Form widgets that render the same HTML as Django's, faster where pages show many of them.

Django renders each `<option>` of a `<select>` through two template includes. The order list's filter
panel has selects of every handling unit and every category (hundreds of options): rendered that way
they took about half of a unit inbox page (`hotline bench inbox`). `QuickSelect` builds the same markup
in Python; a test compares it with Django's output.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """Attributes as Django's attrs.html writes them: `True` bare, `False` left out, the rest `name="value"`."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items() if value is not False
    )


class QuickSelect(forms.Select):
    """`forms.Select` rendered without a template per option (same HTML, same choices and attributes)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = set(self.format_value(value))
        found = [False]  # a single select marks only its first matching option
        parts = [f'<select name="{escape(name)}"{_attrs(final_attrs)}>']
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                parts.append(f'<optgroup label="{escape(str(option_value))}">')
                parts.extend(self._option(v, label, selected, found) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, selected, found))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped

    def _option(self, value: Any, label: Any, selected: set[str], found: list[bool]) -> str:
        value = "" if value is None else str(value)
        chosen = value in selected and (self.allow_multiple_selected or not found[0])
        if chosen:
            found[0] = True
        return f'<option value="{escape(value)}"{" selected" if chosen else ""}>{escape(str(label))}</option>'
