"""A delivery connects to an address that was checked, never to its name resolved again (DNS rebinding).

Real servers on 127.0.0.1 stand for the centre's own network: when a name is rebound to them after the
check, they must receive nothing. `socket.socket.connect` is watched to see where each connection went.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hotline.core import targets
from hotline.webhooks import deliverer, services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Subscription
from hotline.webhooks.signing import verify
from hotline.webhooks.tests.offline_dns import PUBLIC
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db

#: The system resolver, as it is before `offline_dns` replaces it in each test.
SYSTEM_RESOLVE = targets.resolve
REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = socket.socket.connect


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every address a socket connects to; a connection to `PUBLIC` is refused (no test reaches the internet)."""
    seen: list[tuple] = []

    def connect(sock: socket.socket, address: tuple) -> None:
        seen.append(tuple(address[:2]))
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(111, "Connection refused")
        REAL_CONNECT(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def _getaddrinfo_answering(answers: dict[str, Callable[[], str]], lookups: list[str]) -> Callable[..., list]:
    """A system resolver that answers these names as told (an address per call) and any other one as usual."""
    def getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list:
        if host not in answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        lookups.append(host)
        number = int(port) if port else 0
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answers[host](), number))]
    return getaddrinfo


SECRET = "whsec_pin"  # noqa: S105 - a test secret


def _deliver(url: str) -> tuple:
    subscription = Subscription.objects.create(name="hook", url=url, secret=SECRET)
    delivery = services.enqueue(subscription, event_id="evt_pin", event_type="order.created", payload={"x": 1})
    assert deliverer.deliver_due() == 1
    delivery.refresh_from_db()
    return delivery, delivery.attempt_log.get()


def test_a_name_rebound_to_loopback_after_the_check_reaches_nothing(monkeypatch, connects, frozen_now) -> None:  # noqa: ANN001
    """The resolver answers a public address to the check, then 127.0.0.1: only the public one is connected to."""
    answers = iter([PUBLIC])
    lookups: list[str] = []
    monkeypatch.setattr(targets, "resolve", SYSTEM_RESOLVE)
    monkeypatch.setattr(socket, "getaddrinfo", _getaddrinfo_answering(
        {"rebind.example.org": lambda: next(answers, "127.0.0.1")}, lookups))
    with receiver() as endpoint:
        port = int(endpoint.url.rsplit(":", 1)[1].split("/")[0])
        delivery, log = _deliver(f"http://rebind.example.org:{port}/hook")
        assert endpoint.received == []  # the loopback server got nothing
    assert connects == [(PUBLIC, port)]  # the checked address, the only connection made
    assert lookups == ["rebind.example.org"]  # resolved once, by the check
    assert log.status_code is None and f"{PUBLIC} port {port}" in log.error and "Connection refused" in log.error
    assert not log.error.startswith(deliverer.REFUSED)  # it passed the check; the connection itself failed
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None  # retried later


def test_a_name_rebound_to_the_metadata_service_is_connected_to_the_public_address(monkeypatch, connects) -> None:  # noqa: ANN001
    answers = iter([PUBLIC])
    monkeypatch.setattr(targets, "resolve", SYSTEM_RESOLVE)
    monkeypatch.setattr(socket, "getaddrinfo", _getaddrinfo_answering(
        {"meta.example.org": lambda: next(answers, "169.254.169.254")}, []))
    target = targets.check("http://meta.example.org/latest/meta-data/")
    assert target == targets.Checked("meta.example.org", 80, (PUBLIC,))
    answer = deliverer.post("http://meta.example.org/latest/meta-data/", b"{}", {}, addresses=target.addresses)
    assert connects == [(PUBLIC, 80)] and answer.status_code is None


def test_the_checked_addresses_are_tried_in_order_and_the_host_header_keeps_the_name(
        monkeypatch, connects, frozen_now, allow_private) -> None:  # noqa: ANN001
    """hooks.test resolves to 127.0.0.2 (nothing listens there) and 127.0.0.1: the second one gets it."""
    monkeypatch.setattr(targets, "resolve", lambda host, port=None: ["127.0.0.2", "127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", _getaddrinfo_answering(
        {"hooks.test": lambda: pytest.fail("the name was resolved again to connect")}, []))
    with receiver([(202, b'{"ok": true}')]) as endpoint:
        port = int(endpoint.url.rsplit(":", 1)[1].split("/")[0])
        delivery, log = _deliver(f"http://hooks.test:{port}/in?token=abc")
        [got] = endpoint.received
    assert connects == [("127.0.0.2", port), ("127.0.0.1", port)]
    assert got.path == "/in?token=abc" and got.headers["host"] == f"hooks.test:{port}"
    assert verify(SECRET, got.headers["x-hotline-timestamp"], got.body, got.headers["x-hotline-signature"])
    assert json.loads(got.body) == {"x": 1} and got.headers["user-agent"] == deliverer.USER_AGENT
    assert (log.status_code, log.response_excerpt, log.error) == (202, '{"ok": true}', "")
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_proxy_from_the_environment_does_not_carry_deliveries(monkeypatch, frozen_now, allow_private) -> None:  # noqa: ANN001
    with receiver() as proxy, receiver() as endpoint:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url.removesuffix("/hook"))
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        delivery, _ = _deliver(endpoint.url)
        assert proxy.received == [] and len(endpoint.received) == 1
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_redirect_is_the_answer_and_not_followed(allow_private) -> None:  # noqa: ANN001
    with receiver([(302, b"moved")]) as endpoint:
        answer = deliverer.post(endpoint.url, b"{}", {}, addresses=["127.0.0.1"])
        assert len(endpoint.received) == 1
    assert (answer.status_code, answer.body, answer.error) == (302, b"moved", "")


def test_connecting_shares_one_timeout_between_the_addresses(monkeypatch) -> None:  # noqa: ANN001
    waits: list[float] = []

    def silent(sock: socket.socket, address: tuple) -> None:
        waits.append(sock.gettimeout())
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket.socket, "connect", silent)
    answer = deliverer.post("http://hooks.example.org/in", b"{}", {}, timeout=10,
                            addresses=["192.0.2.1", "2001:db8::1"])
    assert waits[0] == pytest.approx(5, abs=0.5) and waits[1] == pytest.approx(10, abs=0.5)
    assert answer.status_code is None and answer.error == (
        "192.0.2.1 port 80: TimeoutError: timed out; 2001:db8::1 port 80: TimeoutError: timed out")


def test_https_names_the_host_to_tls_not_the_address(monkeypatch) -> None:  # noqa: ANN001
    """Unit level (no TLS server needed): the socket to the checked address is wrapped with the host's name."""
    wrapped: list[dict] = []

    class Plain:
        closed = False

        def close(self) -> None:
            self.closed = True

    plain = Plain()

    class Context:
        verify_mode, check_hostname = ssl.CERT_REQUIRED, True

        def wrap_socket(self, sock: object, **kwargs: object) -> object:
            wrapped.append({"sock": sock, **kwargs})
            raise ssl.SSLCertVerificationError("stop here")

    monkeypatch.setattr(deliverer, "open_socket", lambda addresses, port, timeout: (addresses, port, plain)[2])
    connection = deliverer.PinnedHTTPSConnection("hooks.example.org", 8443, addresses=[PUBLIC], timeout=3,
                                                 context=Context())  # type: ignore[arg-type]
    with pytest.raises(ssl.SSLCertVerificationError):
        connection.connect()
    assert wrapped == [{"sock": plain, "server_hostname": "hooks.example.org"}] and plain.closed
    made = deliverer.connection("https://hooks.example.org/in", [PUBLIC], 3)
    assert isinstance(made, deliverer.PinnedHTTPSConnection) and (made.host, made.port) == ("hooks.example.org", 443)
    assert made.tls.verify_mode == ssl.CERT_REQUIRED and made.tls.check_hostname


@dataclass
class TLSReceiver:
    port: int
    server_names: list[str | None] = field(default_factory=list)
    received: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the name hooks.test only (no IP address in it), and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",  # noqa: S607
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=hooks.test",
         "-addext", "subjectAltName=DNS:hooks.test", "-addext", "basicConstraints=critical,CA:FALSE"],
        check=True, capture_output=True, timeout=30)
    return cert, key


@contextmanager
def tls_receiver(cert: Path, key: Path) -> Iterator[TLSReceiver]:
    """An HTTPS endpoint on 127.0.0.1 that records the server name each client asked for (SNI)."""
    state = TLSReceiver(port=0)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _context: state.server_names.append(name)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_https_to_a_pinned_address_verifies_the_certificate_for_the_name(
        monkeypatch, certificate, connects, frozen_now, allow_private) -> None:  # noqa: ANN001
    """The certificate names hooks.test only: it is accepted while connecting to 127.0.0.1, and SNI carries it."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the system's trust store, for this test only
    monkeypatch.setattr(targets, "resolve", lambda host, port=None: ["127.0.0.1"])
    with tls_receiver(*certificate) as endpoint:
        delivery, log = _deliver(f"https://hooks.test:{endpoint.port}/in")
        assert (log.status_code, log.error) == (200, "")
        assert endpoint.server_names == ["hooks.test"]
        [headers] = endpoint.received
    assert headers["host"] == f"hooks.test:{endpoint.port}" and headers["x-hotline-event-id"] == "evt_pin"
    assert connects == [("127.0.0.1", endpoint.port)] and delivery.status == DeliveryStatus.DELIVERED


def test_https_refuses_a_certificate_for_another_name(monkeypatch, certificate, frozen_now, allow_private) -> None:  # noqa: ANN001
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setattr(targets, "resolve", lambda host, port=None: ["127.0.0.1"])
    with tls_receiver(*certificate) as endpoint:
        delivery, log = _deliver(f"https://other.test:{endpoint.port}/in")
        assert endpoint.received == [] and endpoint.server_names == ["other.test"]
    assert log.status_code is None and log.error.startswith("SSLCertVerificationError")
    assert "other.test" in log.error and delivery.status == DeliveryStatus.PENDING
