"""Extra sections on the order page, contributed by other apps (质检结果, 二次回访, 转办记录 …).

An app registers a function in its `AppConfig.ready()`:

    from hotline.tickets import panels
    panels.register(my_panel)

`my_panel(request, ticket)` returns a `Panel` (a template and its context) or None when it has nothing
to show for this order and this person. The order page renders every panel after the step forms, in
registration order (`order` breaks ties: lower first). Panels only read; steps stay in the step forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from hotline.tickets.models import Ticket


@dataclass(frozen=True)
class Panel:
    """One section of the order page: the template to include and what it needs."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelFunction = Callable[["HttpRequest", "Ticket"], Panel | None]
_registry: list[PanelFunction] = []


def register(function: PanelFunction) -> PanelFunction:
    """Add a panel function (idempotent, usable as a decorator)."""
    if function not in _registry:
        _registry.append(function)
    return function


def panels_for(request: HttpRequest, ticket: Ticket) -> list[Panel]:
    """The panels every registered app has for this order and this person."""
    found = [panel for function in _registry if (panel := function(request, ticket)) is not None]
    return sorted(found, key=lambda panel: panel.order)
