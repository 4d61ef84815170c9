"""`targets.check`: one resolution, and the addresses it judged, for the request to connect to (no network)."""

from __future__ import annotations

import socket

import pytest

from hotline.core import targets


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A system resolver with a fixed table; each name it is asked about is recorded."""
    table = {"hooks.example.org": ["2606:2800:220:1::1", "93.184.215.14", "93.184.215.14"],
             "rebind.example.org": ["93.184.215.14", "169.254.169.254"]}
    asked: list[str] = []

    def fake(host: str, port: int | None, type: int = 0) -> list[tuple]:  # noqa: A002 - getaddrinfo's name
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
                for a in table[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def test_a_name_is_resolved_once_and_every_address_kept_in_the_resolvers_order(lookups: list[str]) -> None:
    found = targets.check("https://hooks.example.org/in", allow_private=False)
    assert found == targets.Checked("hooks.example.org", 443, ("2606:2800:220:1::1", "93.184.215.14"))
    assert lookups == ["hooks.example.org"]
    assert targets.check("http://hooks.example.org:8080/in", allow_private=False).port == 8080
    assert targets.check("http://hooks.example.org/in", allow_private=False).port == 80


def test_a_refusal_is_the_same_from_check_and_from_refusal(lookups: list[str]) -> None:
    expected = targets.Refusal("rebind.example.org", "169.254.169.254", targets.LINK_LOCAL)
    assert targets.check("https://rebind.example.org/in", allow_private=True) == expected
    assert targets.refusal("https://rebind.example.org/in", allow_private=True) == expected
    assert targets.refusal("https://hooks.example.org/in", allow_private=False) is None
    missing = targets.check("https://nowhere.example.org/in", allow_private=False)
    assert isinstance(missing, targets.Refusal) and missing.reason == targets.UNRESOLVED


def test_an_address_in_the_url_is_the_address_connected_to(lookups: list[str]) -> None:
    assert targets.check("http://[::1]:8000/hook", allow_private=True) == targets.Checked("::1", 8000, ("::1",))
    assert targets.check("https://93.184.215.14/hook", allow_private=False) == targets.Checked(
        "93.184.215.14", 443, ("93.184.215.14",))
    assert targets.check("ftp://93.184.215.14/x", allow_private=False).port is None  # no http(s) port to assume
    assert lookups == []
