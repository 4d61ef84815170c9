"""Django's PostgreSQL backend (psycopg 3) with a health check that costs no round trip on a quiet connection.

With CONN_HEALTH_CHECKS, Django checks a reused connection at the start of every request with a
`SELECT 1`: one more round trip and one more statement parsed by the server, on every request. A
connection that sits idle between requests has nothing to read unless the server wrote to it. When
PostgreSQL is restarted or a backend is terminated, the server sends a FATAL message and closes the
socket, which makes it readable. So an idle connection whose socket has nothing to read is usable
as it is; anything else (data waiting, a transaction left open, an unusual state) gets Django's
`SELECT 1`. A server that vanishes without closing the socket is found by the next statement, as
before: the request fails cleanly and Django closes the connection at its end.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


def _nothing_to_read(fd: int) -> bool:
    """Whether the socket has no data and no end-of-file waiting (poll with a zero timeout)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed:
            return False
        try:
            quiet = conn.info.transaction_status == pq.TransactionStatus.IDLE and _nothing_to_read(conn.fileno())
        except (OSError, ValueError):
            quiet = False
        return True if quiet else super().is_usable()
