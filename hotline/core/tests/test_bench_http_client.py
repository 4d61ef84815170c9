"""The load generator's HTTP client against a scripted loopback server: what it sends, what it reads."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from hotline.bench.http_client import HttpClient
from hotline.bench.intake_env import Client, Request

#: A scripted connection: reads requests from the socket and writes answers; returns when done.
Script = Callable[[socket.socket, list[bytes]], None]


def read_request(conn: socket.socket) -> bytes:
    """One request (head and Content-Length body) as bytes; b"" when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@contextmanager
def scripted_server(*scripts: Script) -> Iterator[tuple[int, list[bytes]]]:
    """A loopback server: the n-th accepted connection runs the n-th script; requests are recorded."""
    listener = socket.create_server(("127.0.0.1", 0))
    port, received = listener.getsockname()[1], []

    def serve() -> None:
        for script in scripts:
            conn, _addr = listener.accept()
            with conn:
                script(conn, received)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port, received
    finally:
        thread.join(5)
        listener.close()


def answer(*replies: bytes, close: bool = False) -> Script:
    """Answer each request on the connection with the next reply; then close."""
    def script(conn: socket.socket, received: list[bytes]) -> None:
        for reply in replies:
            request = read_request(conn)
            if not request:
                return
            received.append(request)
            conn.sendall(reply)
        if not close:
            read_request(conn)  # wait until the client is done with the connection
    return script


def json_reply(status: int, body: dict, *extra: str) -> bytes:
    payload = json.dumps(body).encode()
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    return (head + "".join(f"{h}\r\n" for h in extra) + "\r\n").encode() + payload


def test_sends_one_well_formed_request_and_keeps_the_connection() -> None:
    replies = (json_reply(201, {"number": "1"}), json_reply(201, {"number": "2"}))
    with scripted_server(answer(*replies)) as (port, received):
        client = HttpClient(port, {"Authorization": "Bearer k"}, timeout=5)
        first = client.send("POST", "/api/v1/orders", "{\"a\": \"中\"}".encode(), {"Idempotency-Key": "x-1"})
        second = client.send("GET", "/api/v1/orders/1")
        client.close()
    assert first == (201, b'{"number": "1"}', "") and second == (201, b'{"number": "2"}', "")
    head, _, body = received[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /api/v1/orders HTTP/1.1"
    assert {f"Host: 127.0.0.1:{port}", "Authorization: Bearer k", "Idempotency-Key: x-1",
            "Content-Type: application/json", f"Content-Length: {len(body)}"} <= set(lines[1:])
    assert json.loads(body) == {"a": "中"}
    assert received[1].startswith(b"GET /api/v1/orders/1 HTTP/1.1\r\n") and b"Content-Length" not in received[1]


def test_connection_close_opens_a_new_connection_for_the_next_request() -> None:
    with scripted_server(answer(json_reply(200, {"n": 1}, "Connection: close"), close=True),
                         answer(json_reply(200, {"n": 2}))) as (port, received):
        client = HttpClient(port, {}, timeout=5)
        assert client.send("GET", "/a")[0] == 200
        assert client.send("GET", "/b")[:2] == (200, b'{"n": 2}')  # on the second scripted connection
        client.close()
    assert len(received) == 2


@pytest.mark.parametrize(("reply", "body"), [
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n3\r\nefg\r\n0\r\nX-T: 1\r\n\r\n",
     b"abcdefg"),
    (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", b"until the end"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", b""),
])
def test_bodies_by_chunks_by_the_connections_end_and_none(reply: bytes, body: bytes) -> None:
    with scripted_server(answer(reply, close=True)) as (port, _received):
        client = HttpClient(port, {}, timeout=5)
        status, got, error = client.send("GET", "/")
        client.close()
    assert (got, error) == (body, "") and status in (200, 204)


def test_no_answer_is_status_zero_with_the_reason() -> None:
    with scripted_server(answer(b"", close=True)) as (port, _received):  # reads the request, closes
        assert HttpClient(port, {}, timeout=5).send("GET", "/")[0::2] == (
            0, "ConnectionResetError: the server closed the connection before the answer ended")
    with scripted_server(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", close=True)) as (port, _r):
        status, _body, error = HttpClient(port, {}, timeout=5).send("GET", "/")
        assert status == 0 and error.startswith("ConnectionResetError")
    with scripted_server(answer(b"NOT HTTP\r\n\r\n", close=True)) as (port, _received):
        assert HttpClient(port, {}, timeout=5).send("GET", "/")[0::2] == (0, "AnswerError: bad status line 'NOT HTTP'")

    silent: Script = lambda conn, received: received.append(read_request(conn)) or read_request(conn)  # noqa: E731
    with scripted_server(silent) as (port, _received):
        client = HttpClient(port, {}, timeout=0.3)
        status, _body, error = client.send("GET", "/")
        client.close()
    assert status == 0 and "timed out" in error

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        free = unused.getsockname()[1]
    status, _body, error = HttpClient(free, {}, timeout=5).send("GET", "/")
    assert status == 0 and error.startswith("ConnectionRefusedError")


def test_the_benchmark_client_decodes_json_and_keeps_text() -> None:
    replies = (json_reply(201, {"number": "7"}),
               b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 7\r\n\r\nno json")
    with scripted_server(answer(*replies)) as (port, received):
        client = Client(port, {"Authorization": "Bearer k"}, 5)
        created = client.send(Request("POST", "/api/v1/orders", {"description": "路灯不亮"}, {"Idempotency-Key": "k"}))
        failed = client.send(Request("GET", "/x"))
        client.close()
    assert created == (201, {"number": "7"}, "") and failed == (502, "no json", "")
    assert json.loads(received[0].partition(b"\r\n\r\n")[2]) == {"description": "路灯不亮"}
