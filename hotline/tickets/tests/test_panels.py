"""Apps add sections to the order page through the panel registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.tickets import panels
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket


@pytest.fixture
def panel_template(tmp_path: Path):
    (tmp_path / "probe.html").write_text("<section id='probe'>PANEL {{ panel.word }}</section>", encoding="utf-8")
    yield tmp_path


@pytest.mark.django_db
def test_registered_panels_render_on_the_order_page(client, cast, panel_template: Path, settings) -> None:
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], panel_template]}]
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)

    def probe(request, shown):
        return panels.Panel("probe.html", {"word": shown.number}) if shown.pk == ticket.pk else None

    panels.register(probe)
    panels.register(probe)  # idempotent
    try:
        client.force_login(cast.dispatcher)
        html = client.get(f"/orders/{ticket.number}/").content.decode()
        assert html.count("id='probe'") == 1
        assert f"PANEL {ticket.number}" in html
    finally:
        panels._registry.remove(probe)
    assert f"PANEL {ticket.number}" not in client.get(f"/orders/{ticket.number}/").content.decode()


def test_panels_are_sorted_by_order() -> None:
    first, second = panels.Panel("a.html", order=1), panels.Panel("b.html", order=2)
    functions = [lambda r, t: second, lambda r, t: None, lambda r, t: first]
    saved = list(panels._registry)
    panels._registry[:] = functions
    try:
        assert panels.panels_for(None, None) == [first, second]
    finally:
        panels._registry[:] = saved

