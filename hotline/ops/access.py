"""Recording every view of a caller's full phone number or of a confidential order (敏感信息访问留痕).

Hooks (one line each in existing code) call `phone_shown` / `order_shown`. During a request the views
are gathered on the request context and written together (one INSERT) when the response leaves
(`flush`), with who, what, when, IP and request id, and one JSON log line on `hotline.audit`; a call that
commits a unit of work may write them earlier, with that unit (`flush_now`).
Outside a request (a Celery task sending an order to a partner, a command) there is no person
looking at a screen: only the log line is written.

The INSERT is one statement built once per process (`core.inserts`; the ORM spent ≈ 0.4 ms compiling it
for each API creation, which echoes the caller's number and so records one view). A request with many
views (an export of every order) writes them in batches of 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, transaction

from hotline.core import clock
from hotline.core.inserts import insert_rows
from hotline.ops import context
from hotline.ops.models import AccessKind, AccessRecord

log = logging.getLogger("hotline.audit")

#: Above this many views in one request, the log gets one summary line instead of one line per view.
LOG_EACH_UP_TO = 20


def _subject(obj: Any, fallback_phone: str = "") -> tuple[str, str]:
    number = getattr(obj, "number", None)
    if number:
        return "ticket", str(number)
    call_id = getattr(obj, "call_id", None)
    if call_id:
        return "call", str(call_id)
    from hotline.core.privacy import mask_phone

    return "phone", mask_phone(fallback_phone)


def _record(kind: str, subject: tuple[str, str], user: Any, who: dict[str, Any] | None = None) -> None:
    ctx = context.current()
    if who is None:
        user_id = getattr(user, "pk", None)
        who = {"user_id": user_id, "username": getattr(user, "get_username", lambda: "")() if user_id else ""}
    entry = {"kind": kind, "subject_type": subject[0], "subject": subject[1][:64],
             "user_id": who.get("user_id"), "username": (who.get("username") or "")[:150]}
    if ctx is None:
        log.info("sensitive view outside a request: %s %s:%s", kind, *subject, extra={"audit": entry})
        return
    key = tuple(entry.values())
    if key not in ctx.pending_keys:  # a set: an export of 60,000 orders must not compare each with all
        ctx.pending_keys.add(key)
        ctx.pending.append(entry)


def phone_shown(obj: Any, user: Any, phone: str) -> None:
    """A person was shown `obj`'s full phone number (an order, a call or a bare number)."""
    if phone:
        _record(AccessKind.FULL_PHONE, _subject(obj, phone), user)


def order_shown(ticket: Any, user: Any) -> None:
    """A person opened an order; recorded when the order is confidential (保密)."""
    if getattr(ticket, "is_confidential", False):
        _record(AccessKind.CONFIDENTIAL, ("ticket", str(ticket.number)), user)


def pending() -> list[dict[str, Any]]:
    """The views gathered so far in this request and not yet written (a copy; [] outside a request)."""
    ctx = context.current()
    return [dict(entry) for entry in ctx.pending] if ctx is not None else []


def shown_again(entries: list[dict[str, Any]]) -> None:
    """A stored answer with these views in it is shown again (an idempotent replay): record them again.

    The entries are the ones `pending()` gave when the answer was first made, by the same caller.
    """
    for entry in entries:
        _record(entry["kind"], (entry["subject_type"], entry["subject"]), None, entry)


def flush_now() -> int:
    """Write the views gathered so far in this request, inside the caller's transaction (0 outside a request).

    The API's order creation calls it before committing: the record then commits with the order whose
    number it shows (one round trip and one commit fewer than writing it after the response). The log
    lines follow the commit, so a unit rolled back logs no view.
    """
    ctx = context.current()
    return flush(ctx, log_on_commit=True) if ctx is not None else 0


def flush(ctx: context.RequestContext, *, log_on_commit: bool = False) -> int:
    """Write the request's gathered views; returns how many were written."""
    if not ctx.pending:
        return 0
    entries, ctx.pending, ctx.pending_keys = ctx.pending, [], set()
    # The page's path, numbers masked (the middleware's context holds it so already; any other context too).
    now, path = clock.now(), context.path_for_record(ctx.path)
    rows = [AccessRecord(at=now, ip=ctx.ip or None, request_id=ctx.request_id, path=path, **entry)
            for entry in entries]
    try:
        if len(rows) <= LOG_EACH_UP_TO:
            insert_rows(AccessRecord, rows, read_ids=False)  # nobody needs their ids
        else:  # an export: in batches the database takes (SQLite caps the variables of one statement)
            AccessRecord.objects.bulk_create(rows, batch_size=500)
    except DatabaseError:
        log.exception("could not write %d access records", len(rows), extra={"audit": entries[:LOG_EACH_UP_TO]})
        return 0
    if log_on_commit:
        transaction.on_commit(lambda: _log(entries))
    else:
        _log(entries)
    return len(rows)


def _log(entries: list[dict[str, Any]]) -> None:
    """One JSON line on `hotline.audit` per written view (a summary line above LOG_EACH_UP_TO)."""
    if len(entries) <= LOG_EACH_UP_TO:
        for entry in entries:
            log.info("sensitive view: %s %s:%s", entry["kind"], entry["subject_type"], entry["subject"],
                     extra={"audit": entry})
    else:
        log.info("sensitive views: %d", len(entries), extra={"audit": entries[:LOG_EACH_UP_TO],
                                                              "audit_count": len(entries)})
