"""Outbound targets: only public addresses, unless the deployment allows its intranet (no network needed)."""

from __future__ import annotations

import socket

import pytest

from hotline.core import targets

UNSPECIFIED_V4 = "0.0.0.0"  # noqa: S104 - an address to judge, nothing binds to it


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", targets.LOOPBACK), ("127.8.9.10", targets.LOOPBACK), ("::1", targets.LOOPBACK),
    ("10.0.0.5", targets.PRIVATE), ("172.16.3.4", targets.PRIVATE), ("192.168.1.1", targets.PRIVATE),
    ("100.64.0.1", targets.PRIVATE), ("fd12:3456::1", targets.PRIVATE), ("fc00::1", targets.PRIVATE),
    ("169.254.169.254", targets.LINK_LOCAL), ("fe80::1", targets.LINK_LOCAL), ("fe80::1%eth0", targets.LINK_LOCAL),
    (UNSPECIFIED_V4, targets.UNSPECIFIED), ("0.1.2.3", targets.UNSPECIFIED), ("::", targets.UNSPECIFIED),
    ("224.0.0.1", targets.MULTICAST), ("ff02::1", targets.MULTICAST), ("255.255.255.255", targets.RESERVED),
    ("::ffff:127.0.0.1", targets.LOOPBACK), ("::ffff:169.254.169.254", targets.LINK_LOCAL),
    ("64:ff9b::a9fe:a9fe", targets.LINK_LOCAL), ("2002:7f00:1::1", targets.LOOPBACK),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", targets.RESERVED),
    ("93.184.215.14", ""), ("2606:2800:220:1::1", ""), ("::ffff:93.184.215.14", ""),
])
def test_address_refusal(address: str, reason: str) -> None:
    assert targets.address_refusal(address) == reason


def test_allowing_the_intranet_keeps_metadata_multicast_and_unspecified_refused() -> None:
    allowed = {a: targets.address_refusal(a, allow_private=True)
               for a in ("127.0.0.1", "::1", "10.0.0.5", "192.168.1.1", "fd00::1", "169.254.169.254", UNSPECIFIED_V4,
                         "224.0.0.1")}
    assert allowed == {"127.0.0.1": "", "::1": "", "10.0.0.5": "", "192.168.1.1": "", "fd00::1": "",
                       "169.254.169.254": targets.LINK_LOCAL, UNSPECIFIED_V4: targets.UNSPECIFIED,
                       "224.0.0.1": targets.MULTICAST}


@pytest.mark.parametrize(("url", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", targets.LINK_LOCAL),
    ("http://127.0.0.1:5432/", targets.LOOPBACK),
    ("http://10.0.0.5/admin", targets.PRIVATE),
    ("http://[::1]:8000/metrics", targets.LOOPBACK),
    ("https://[fd00::5]/hook", targets.PRIVATE),
    ("http://0.0.0.0:8000/", targets.UNSPECIFIED),
    ("https:///nohost", targets.INVALID),
    ("http://example.com:99999/", targets.INVALID),
])
def test_literal_addresses_need_no_resolution(url: str, reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kwargs: object) -> None:
        raise AssertionError("an IP literal was resolved")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    found = targets.refusal(url, allow_private=False)
    assert found is not None and found.reason == reason, found


def test_localhost_resolves_locally_and_is_refused() -> None:
    found = targets.refusal("http://localhost:6379/", allow_private=False)
    assert found is not None and found.reason == targets.LOOPBACK and found.host == "localhost"
    assert "localhost" in str(found) and "loopback" in str(found)
    assert targets.refusal("http://localhost:6379/", allow_private=True) is None


def test_a_name_is_refused_when_any_of_its_addresses_is(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"hooks.example.org": ["93.184.215.14"], "rebind.example.org": ["93.184.215.14", "10.1.2.3"]}

    def fake(host: str, port: int | None, type: int = 0) -> list[tuple]:  # noqa: A002 - getaddrinfo's name
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0)) for a in table[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    assert targets.refusal("https://hooks.example.org/in", allow_private=False) is None
    rebind = targets.refusal("https://rebind.example.org/in", allow_private=False)
    assert rebind == targets.Refusal("rebind.example.org", "10.1.2.3", targets.PRIVATE)
    assert str(rebind) == "rebind.example.org (10.1.2.3) is a private address, not a public one"
    missing = targets.refusal("https://nowhere.example.org/in", allow_private=False)
    assert missing is not None and missing.reason == targets.UNRESOLVED


def test_the_setting_is_the_default(settings) -> None:  # noqa: ANN001 - pytest-django fixture
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = True
    assert targets.refusal("http://10.0.0.5/admin") is None
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = False
    assert targets.refusal("http://10.0.0.5/admin").reason == targets.PRIVATE
