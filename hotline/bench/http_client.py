"""The load generator's HTTP/1.1 client: one connection, raw bytes, nothing it does not need.

The benchmarks' clients run on the same two cores as the server they measure, so every millisecond
the client spends is a millisecond the server does not get. `http.client` parses each answer's
headers through the `email` package and builds its request in several writes: ≈ 0.7 ms of CPU per
creation in the client thread. This client writes the request in one `sendall`, reads the status
line and headers itself and takes the body by `Content-Length`, chunks or the connection's end:
≈ 0.4 ms, most of it the kernel's work for the socket.

    client = HttpClient(port, {"Authorization": "Bearer …"}, timeout=15)
    status, body, error = client.send("POST", "/api/v1/orders", payload_bytes, {"Idempotency-Key": "…"})

`status` 0 means no answer (refused, reset, closed early, timed out); `error` then says why, as
"ExceptionName: message". A connection the server closes (gunicorn's sync workers answer
`Connection: close`) is reopened for the next request.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

LOOPBACK = "127.0.0.1"
#: The largest header block read before the answer is refused as malformed.
MAX_HEADER_BYTES = 65536


class AnswerError(ValueError):
    """The server's answer is not HTTP/1.x this client can read."""


class HttpClient:
    """One HTTP/1.1 connection to 127.0.0.1:port, reopened after an error or a `Connection: close`."""

    def __init__(self, port: int, headers: Mapping[str, str], timeout: float, host: str = LOOPBACK) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._fixed = f"Host: {host}:{port}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._sock: socket.socket | None = None
        self._buffer = b""

    def send(self, method: str, path: str, payload: bytes | None = None,
             headers: Mapping[str, str] | None = None, content_type: str = "application/json",
             ) -> tuple[int, bytes, str]:
        """Send one request and read its answer: (status, body bytes, error text)."""
        lines = [f"{method} {path} HTTP/1.1\r\n", self._fixed]
        lines.extend(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        if payload is not None:
            lines.append(f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n")
        request = ("".join(lines) + "\r\n").encode("latin-1") + (payload or b"")
        try:
            sock = self._connected()
            sock.sendall(request)
            status, body, keep = self._read_answer(sock, head_only=method == "HEAD")
        except (OSError, AnswerError) as exc:
            self.close()
            return 0, b"", f"{type(exc).__name__}: {exc}"
        if not keep:
            self.close()
        return status, body, ""

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buffer = b""

    # --- Reading --------------------------------------------------------------------------------------

    def _connected(self) -> socket.socket:
        if self._sock is None:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._buffer = b""
        return self._sock

    def _more(self, sock: socket.socket) -> bytes:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection before the answer ended")
        return chunk

    def _read_answer(self, sock: socket.socket, *, head_only: bool) -> tuple[int, bytes, bool]:
        """Status, body and whether the connection stays open; 1xx interim answers are skipped."""
        while True:
            status, fields = self._read_head(sock)
            if not 100 <= status < 200:
                break
        keep = fields.get("connection", "").lower() != "close"
        if head_only or status in (204, 304):
            return status, b"", keep
        if "chunked" in fields.get("transfer-encoding", "").lower():
            return status, self._read_chunked(sock), keep
        if "content-length" in fields:
            try:
                length = int(fields["content-length"])
            except ValueError as exc:
                raise AnswerError(f"bad Content-Length {fields['content-length']!r}") from exc
            return status, self._read_exactly(sock, length), keep
        return status, self._read_to_end(sock), False  # delimited by the connection's end

    def _read_head(self, sock: socket.socket) -> tuple[int, dict[str, str]]:
        buffer = self._buffer
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            if len(buffer) > MAX_HEADER_BYTES:
                raise AnswerError("header block too long")
            buffer += self._more(sock)
        head, self._buffer = buffer[:end].decode("latin-1"), buffer[end + 4:]
        status_line, *header_lines = head.split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise AnswerError(f"bad status line {status_line[:80]!r}")
        fields: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if not sep:
                raise AnswerError(f"bad header line {line[:80]!r}")
            fields[name.strip().lower()] = value.strip()
        return int(parts[1]), fields

    def _read_exactly(self, sock: socket.socket, length: int) -> bytes:
        buffer = self._buffer
        while len(buffer) < length:
            buffer += self._more(sock)
        self._buffer = buffer[length:]
        return buffer[:length]

    def _read_line(self, sock: socket.socket) -> bytes:
        buffer = self._buffer
        while (end := buffer.find(b"\r\n")) < 0:
            buffer += self._more(sock)
        self._buffer = buffer[end + 2:]
        return buffer[:end]

    def _read_chunked(self, sock: socket.socket) -> bytes:
        parts = []
        while True:
            size_text = self._read_line(sock).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError as exc:
                raise AnswerError(f"bad chunk size {size_text[:20]!r}") from exc
            if size == 0:
                while self._read_line(sock):  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._read_exactly(sock, size))
            if self._read_line(sock):
                raise AnswerError("chunk not followed by CRLF")

    def _read_to_end(self, sock: socket.socket) -> bytes:
        parts = [self._buffer]
        while chunk := sock.recv(65536):
            parts.append(chunk)
        self._buffer = b""
        return b"".join(parts)
