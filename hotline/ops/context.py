"""What the current request is (id, person, address, path), for log lines and audit records.

The request-id middleware opens a `RequestContext` for each request; code deep below a view (the log
formatter, `hotline.core.privacy.phone_for`) reads it without being handed the request. Outside a request
(a command, a Celery task) there is no context and `current()` is None.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

#: An incoming X-Request-ID is kept only if it looks like an id (no spaces, quotes, control characters).
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,128}$")


@dataclass
class RequestContext:
    """One request as seen by the log and the audit: who, from where, what."""

    request_id: str
    ip: str = ""
    path: str = ""
    method: str = ""
    user_id: int | None = None
    username: str = ""
    #: Sensitive views seen while handling this request, written together when the response leaves.
    pending: list[Any] = field(default_factory=list)
    #: The keys of `pending`, so that a view seen twice is kept once without scanning the list.
    pending_keys: set[tuple] = field(default_factory=set)
    #: True while the request is a change through the admin site (audited field by field).
    admin: bool = False


_current: ContextVar[RequestContext | None] = ContextVar("hotline_request_context", default=None)


def current() -> RequestContext | None:
    """The request being handled in this thread/task, or None."""
    return _current.get()


def activate(ctx: RequestContext | None) -> Any:
    """Make `ctx` current; returns the token for `deactivate`."""
    return _current.set(ctx)


def deactivate(token: Any) -> None:
    _current.reset(token)


#: The longest path kept for log lines and access records.
PATH_LENGTH = 300


def path_for_record(path: str) -> str:
    """A request's path as log lines and access records keep it: phone and identity card numbers in it masked
    (`hotline.core.privacy.numbers_masked`; the caller profile's address is /callers/<number>/), then cut to
    PATH_LENGTH characters."""
    # Imported here: logging loads this module with the settings, before the apps (privacy needs accounts).
    from hotline.core.privacy import numbers_masked

    return numbers_masked(path or "")[:PATH_LENGTH]


def new_request_id() -> str:
    """A fresh request id (32 hex characters)."""
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """The incoming id if it is safe to log and echo back, else None."""
    value = (value or "").strip()
    return value if _SANE_ID.match(value) else None
