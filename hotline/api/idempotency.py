"""`Idempotency-Key` on creation: retries with the same key get the first response, and one order exists.

The record is written with the answer, as the last statement of the call's transaction (`INSERT … ON
CONFLICT DO NOTHING`): a first call costs that one statement. A call whose key is already recorded (a
retry after a lost answer) or is being recorded by a concurrent call (which it waits for, on the unique
(principal, key) constraint) inserts nothing: its own work is rolled back and the first response is
replayed; the views of full numbers that replay shows are recorded again (read again, see below; the
stored `shown` views only when the answer names no order that can be read again). A failed call
leaves no record (its transaction is rolled back), so it can be retried; if it failed where the first
call with its key had succeeded, the first response is replayed instead. A replay shows what the caller
may see now, not what it could see then (`as_seen_now`): the fields that depend on who asks — the
caller's number and name, and the numbers typed in the title, description, address and direct answer — are
read again for the caller as it is now (a key whose `phone` scope was withdrawn gets them masked), the rest
is the first answer as stored, its order number included. An order the caller may no longer read (made 保密 since, no
longer its unit's) answers 404 `not_found`, as a read would, unless it was 保密 from the start. A key
reused with a different body is refused (422 `idempotency_key_reused`). Records older than
`IDEMPOTENCY_TTL` are forgotten when their key comes back, and purged nightly
(`hotline.tasks.purge_idempotency_records`).

The statements are plain SQL on this one small table: they run on every creation, and the ORM spent
three times the database's own time building them. The call runs as one unit (`all_or_nothing`): the
services inside it open no savepoints of their own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpResponse
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.api import serialize
from hotline.api.constants import IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_TTL
from hotline.api.errors import ApiError
from hotline.api.models import ApiKey, IdempotencyRecord
from hotline.api.principal import Principal
from hotline.api.rendering import render_json
from hotline.core import clock
from hotline.core.transactions import all_or_nothing, pipelined
from hotline.ops import access
from hotline.ops.models import AccessKind
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Ticket

REPLAYED_HEADER = "Idempotent-Replayed"

#: The fields of a stored order answer that depend on who asks (the key's `phone` scope, the account's role,
#: a withheld identity): a replay reads them again for the caller as it is now (`as_seen_now`).
VIEWER_FIELDS: tuple[str, ...] = ("title", "description", "caller_name", "caller_phone", "caller_company",
                                   "address", "direct_answer")


def request_hash(method: str, path: str, payload: Any) -> str:
    """A fingerprint of the request: method, path and the canonical JSON of its body."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise ApiError(400, "invalid_idempotency_key",
                       _("Idempotency-Key 须为 1–%(max)d 个可打印字符") % {"max": IDEMPOTENCY_KEY_MAX})
    return key


def json_response(status: int, body: str, *, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


# The table of IdempotencyRecord (its name is fixed by the migration; a test checks it).
_LOOKUP = ("SELECT request_hash, status_code, response_body, shown FROM api_idempotencyrecord "
           'WHERE principal = %s AND "key" = %s AND created_at >= %s')
_RECORD = ('INSERT INTO api_idempotencyrecord (principal, "key", method, path, request_hash, status_code, '
           'response_body, shown, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) '
           'ON CONFLICT (principal, "key") DO NOTHING')


class _KeyTaken(Exception):
    """Another call recorded this key first: this call's work is rolled back."""


def _at(value: Any) -> Any:
    """A datetime as the database driver takes it (what the ORM would send)."""
    return connection.ops.adapt_datetimefield_value(value)


def _replay(principal: str, key: str, fingerprint: str) -> HttpResponse | None:
    with connection.cursor() as cursor:
        cursor.execute(_LOOKUP, [principal, key, _at(clock.now() - IDEMPOTENCY_TTL)])
        row = cursor.fetchone()
    if row is None:
        return None
    stored_hash, status_code, body, shown = row
    if stored_hash != fingerprint:
        raise ApiError(422, "idempotency_key_reused", _("该 Idempotency-Key 已用于内容不同的请求"),
                       {"idempotency_key": key})
    seen_now = as_seen_now(principal, body, shown)
    if seen_now is not None:
        # Read again for the caller as it is now; what it shows in full was recorded while reading it.
        return json_response(status_code, seen_now, replayed=True)
    if shown:
        access.shown_again(json.loads(shown))  # the replay shows the full number again: recorded again
    return json_response(status_code, body, replayed=True)


def _viewer(principal: str) -> Principal | None:
    """The caller named by a record's `principal` (`Principal.ident`), as it is now; None if it is gone."""
    kind, _sep, pk = principal.partition(":")
    if not pk.isdigit():
        return None
    if kind == "key":
        key = ApiKey.objects.select_related("user").filter(pk=int(pk)).first()
        return Principal(user=key.user, key=key) if key is not None else None
    if kind == "user":
        user = User.objects.filter(pk=int(pk)).first()
        return Principal(user=user) if user is not None else None
    return None


def as_seen_now(principal: str, body: str, shown: str = "") -> str | None:
    """The stored order answer `body` with its `VIEWER_FIELDS` as this caller may see them now.

    The stored bytes when nothing differs (a retry's answer is the first one, byte for byte); a copy with
    those fields read again when the caller may now see less (a withdrawn `phone` scope: the number masked)
    or more. None when the answer names no order that can be read again (then it is replayed as stored).
    Reading the caller's full number records the view, as every read of it does (docs/security.md).

    An order the caller may no longer read (`Principal.orders`, as `GET /orders/{number}`: made 保密 since,
    or no longer its unit's) is not shown again: 404 `not_found`, as a read answers. An order the caller
    registered as 保密 itself (its first answer already recorded the view of a confidential order, `shown`)
    is replayed as before: the retry after a lost answer must learn that its order exists.
    """
    try:
        stored = json.loads(body)
    except ValueError:
        return None
    number = stored.get("number") if isinstance(stored, dict) else None
    if not isinstance(number, str) or (viewer := _viewer(principal)) is None:
        return None
    ticket = Ticket.objects.select_related("category", "district").filter(number=number).first()
    if ticket is None:
        return None
    if not _readable(viewer, ticket) and not _confidential_from_the_start(ticket, shown):
        raise ApiError(404, "not_found", _("工单不存在或无权查看"))
    now = serialize.new_order_detail(ticket, viewer.creator, full_phone=viewer.sees_full_phones)
    changed = {name: now[name] for name in VIEWER_FIELDS if name in stored and stored[name] != now[name]}
    if not changed:
        return body
    return render_json({**stored, **changed})


def _readable(viewer: Principal, ticket: Ticket) -> bool:
    """Whether the caller may read the order now, by the rule every read follows (`Principal.orders`)."""
    return viewer.orders(one=True).filter(pk=ticket.pk).exists()


def _confidential_from_the_start(ticket: Ticket, shown: str) -> bool:
    """Whether the order was 保密 when first answered (the answer's recorded views name it) and still is."""
    if not ticket.is_confidential or not shown:
        return False
    try:
        entries = json.loads(shown)
    except ValueError:
        return False
    return any(isinstance(entry, dict) and entry.get("kind") == AccessKind.CONFIDENTIAL
               and entry.get("subject") == ticket.number for entry in entries)


def run(principal: str, key: str, method: str, path: str, payload: Any,
        perform: Callable[[], tuple[int, str]]) -> HttpResponse:
    """Perform the request once per (principal, key); `perform` returns (status, JSON body)."""
    key = check_key(key)
    fingerprint = request_hash(method, path, payload)
    for _attempt in range(2):
        if (response := _perform_once(principal, key, method, path, fingerprint, perform)) is not None:
            return response
        if (replayed := _replay(principal, key, fingerprint)) is not None:
            return replayed  # an earlier call with this key (or a concurrent one that won): its response
        if not forget_expired(principal, key):
            raise RuntimeError(f"idempotency key {key!r} is taken but has no record")  # pragma: no cover
        # The key was used before, longer ago than IDEMPOTENCY_TTL: forgotten, so perform it anew.
    raise RuntimeError("unreachable")  # pragma: no cover


def _perform_once(principal: str, key: str, method: str, path: str, fingerprint: str,
                  perform: Callable[[], tuple[int, str]]) -> HttpResponse | None:
    """Perform the call and record its answer under the key; None (nothing kept) when the key was taken."""
    try:
        with all_or_nothing(), pipelined() as pipeline:
            status, body = perform()
            shown = access.pending()
            access.flush_now()  # the views of full numbers the answer shows commit with it
            with connection.cursor() as cursor:
                cursor.execute(_RECORD, [principal, key, method, path[:255], fingerprint, status, body,
                                         _shown_json(shown), _at(clock.now())])
                pipeline.sync()  # the access record and this one in one round trip
                if cursor.rowcount == 0:
                    raise _KeyTaken
    except _KeyTaken:
        return None
    except (ApiError, DomainError):
        if (replayed := _replay(principal, key, fingerprint)) is not None:
            return replayed  # refused now, but the first call with this key succeeded: its answer stands
        raise
    return json_response(status, body)


def _shown_json(entries: list[dict[str, Any]]) -> str:
    """The views an answer showed, as stored with it ("" for none, the usual case of a masked number)."""
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")) if entries else ""


def forget_expired(principal: str | None = None, key: str | None = None) -> int:
    """Delete records older than IDEMPOTENCY_TTL (of one caller's key, or all: the nightly purge)."""
    records = IdempotencyRecord.objects.filter(created_at__lt=clock.now() - IDEMPOTENCY_TTL)
    if principal is not None:
        records = records.filter(principal=principal, key=key)
    return records.delete()[0]
