"""Callbacks of missed calls (漏接回拨): created from the calls, worked by agents.

Every abandoned or missed call with a caller number joins its caller's unfinished callback or opens
one, due `CALLBACK_DEADLINE_MINUTES` of working time later. A caller who got through within
`CALLBACK_SUPERSEDE_MINUTES` after the missed call needs no callback: the callback is closed as
superseded (also when the answered call's events arrive first; and a callback open again after "no
answer" when the caller gets through after that attempt). Agents claim a callback (a lock that
lapses after `CALLBACK_CLAIM_MINUTES`), call, and record the outcome; "no answer" puts it back for a
retry until `CALLBACK_MAX_ATTEMPTS`. Each change is one service function that locks the row and
writes its `CallbackEvent` in the same transaction; a refused step raises `CallbackError` and
changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.calls.choices import (
    UNFINISHED,
    CallbackAction,
    CallbackOutcome,
    CallbackStatus,
    Disposition,
)
from hotline.calls.constants import setting
from hotline.calls.exceptions import CallbackError, ClaimConflict
from hotline.calls.models import Call, Callback, CallbackCall, CallbackEvent
from hotline.core import clock, workcalendar

#: Who works the callback queue; supervisors and administrators may also release others' claims.
CALLBACK_ROLES = frozenset({Role.INTAKE, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
OVERRIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
MISSED = frozenset({Disposition.ABANDONED, Disposition.MISSED})
#: A number an agent can dial back: digits (an optional leading +), at least five of them, not all zeros.
#: PBXs mark a withheld caller id with words ("anonymous", "Restricted") or "0": those are no number.
_DIALABLE = re.compile(r"\+?(?!0+$)\d{5,20}")
_FINAL = {
    CallbackOutcome.REACHED: CallbackStatus.REACHED,
    CallbackOutcome.RESOLVED: CallbackStatus.RESOLVED,
    CallbackOutcome.WRONG_NUMBER: CallbackStatus.WRONG_NUMBER,
}


def dialable(phone: str) -> bool:
    """True when the caller's number can be called back (False for a withheld or nonsense caller id)."""
    return bool(_DIALABLE.fullmatch(phone or ""))


def _window() -> timedelta:
    return timedelta(minutes=setting("CALLBACK_SUPERSEDE_MINUTES"))


def _missed_at(call: Call) -> datetime:
    return call.abandoned_at or call.ended_at or call.queued_at or call.offered_at


def due_for(missed_at: datetime) -> datetime:
    """The callback deadline: `CALLBACK_DEADLINE_MINUTES` of working time after the missed call."""
    return workcalendar.add_working_seconds(missed_at, setting("CALLBACK_DEADLINE_MINUTES") * 60)


def _record(callback: Callback, action: str, actor: User | None, before: str, *, outcome: str = "",
            note: str = "") -> None:
    CallbackEvent.objects.create(callback=callback, at=clock.now(), actor=actor, action=action,
                                 from_status=before, to_status=callback.status, outcome=outcome, note=note)


def _needs_callback(call: Call) -> bool:
    if not dialable(call.caller):
        return False
    if call.disposition in MISSED:
        return True
    return call.disposition == Disposition.SHORT_ABANDONED and bool(setting("CALLBACK_SHORT_ABANDONS"))


def _needing() -> tuple[str, ...]:
    """The dispositions that need a callback."""
    if setting("CALLBACK_SHORT_ABANDONS"):
        return (*MISSED, Disposition.SHORT_ABANDONED)
    return tuple(MISSED)


def on_calls_changed(calls: Iterable[Call]) -> None:
    """Bring the callbacks up to date with recomputed calls (called by the CTI intake)."""
    needing = _needing()
    calls = [c for c in calls if dialable(c.caller)]
    phones = {c.caller for c in calls if c.disposition in needing}
    others = {c.caller for c in calls} - phones
    if others:
        phones |= set(Call.objects.filter(caller__in=others, disposition__in=needing).values_list("caller", flat=True))
        phones |= set(Callback.objects.filter(phone__in=others).values_list("phone", flat=True))
    for phone in sorted(phones):
        resync_phone(phone)


def _managed(callback: Callback) -> bool:
    """Callbacks the system may still regroup: superseded ones, and open ones nobody has worked on."""
    if callback.status == CallbackStatus.SUPERSEDED:
        return True
    return callback.status == CallbackStatus.OPEN and callback.attempts == 0 and callback.claimed_by_id is None


def _groups(phone: str, missed: list[Call]) -> dict[int | None, list[Call]]:
    """Missed calls by the first answered call of the caller within the window after them (None: none)."""
    answered = list(Call.objects.filter(caller=phone, disposition=Disposition.ANSWERED)
                    .order_by("answered_at", "call_id").values_list("pk", "answered_at"))
    groups: dict[int | None, list[Call]] = {}
    for call in missed:
        moment = _missed_at(call)
        key = next((pk for pk, at in answered if moment < at <= moment + _window()), None)
        groups.setdefault(key, []).append(call)
    return groups


def _callbacks_of(phone: str) -> list[Callback]:
    """The caller's callbacks, locked (only rows that exist now: a new one is guarded by the constraint)."""
    return list(Callback.objects.select_for_update().filter(phone=phone).order_by("pk"))


class _Taken(Exception):
    """Another batch opened the caller's callback between this one's read and its insert."""


def resync_phone(phone: str) -> None:
    """Make the caller's untouched callbacks match their calls.

    Missed calls with no answered call of the same caller within the window after them share one open
    callback; those followed by an answered call share a callback superseded by it. Callbacks an agent
    has worked on keep their calls; while one of them is unfinished (claimed, or open again after no
    answer), the caller's new missed calls join it: a number has at most one unfinished callback
    (`calls_callback_one_unfinished`). One open again (or whose claim lapsed) is closed as superseded once the caller
    got through (`_supersede_worked`). The result depends on the stored calls only, not on arrival order.

    Two CTI batches with a new caller's calls may both find no callback and both create one: the constraint
    refuses the second insert (undone by its savepoint; nothing was written before it), and that batch does
    it again, finds the first one's callback and adds its missed calls to it.
    """
    try:
        _resync(phone)
    except _Taken:  # another batch opened this caller's callback meanwhile: join it
        try:
            _resync(phone)
        except _Taken as again:  # not a race any more: let the refusal show
            raise again.__cause__ from None


def _unfinished_write(write: Callable[[], object]) -> None:
    """Insert or reopen a callback (in a savepoint): the constraint refuses it when the caller has an unfinished
    one, which another batch created since this one read the caller's callbacks."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError as exc:
        raise _Taken from exc


def _resync(phone: str) -> None:
    callbacks = _callbacks_of(phone)
    managed = [cb for cb in callbacks if _managed(cb)]
    worked = [cb for cb in callbacks if not _managed(cb)]
    current = next((cb for cb in worked if cb.status in UNFINISHED), None)
    frozen = set(CallbackCall.objects.filter(callback__in=worked).values_list("call_id", flat=True))
    missed = [c for c in Call.objects.filter(caller=phone, disposition__in=_needing()).order_by("offered_at", "call_id")
              if c.pk not in frozen]
    groups = _groups(phone, missed)
    existing: dict[int | None, Callback] = {}
    for cb in sorted(managed, key=lambda cb: (cb.status != CallbackStatus.OPEN, cb.pk)):  # an open one first
        existing.setdefault(cb.superseded_by_id if cb.status == CallbackStatus.SUPERSEDED else None, cb)
    keep = set()
    for key in sorted(groups, key=lambda k: (k is not None, k or 0)):
        if key is None and current is not None:
            _join(current, groups[key])  # the caller is being called back already
            continue
        cb = existing.pop(key, None)
        if cb is None and key is not None and None not in groups and None in existing:
            cb = existing.pop(None)  # the open callback's calls were all answered afterwards
        cb = _fill(cb, phone, groups[key], key)
        keep.add(cb.pk)
    CallbackCall.objects.filter(callback__in=managed).exclude(callback__in=keep).delete()
    for cb in managed:
        if cb.pk not in keep:
            _withdraw(cb)
    if current is not None and (current.status == CallbackStatus.OPEN or claim_lapsed(current, clock.now())):
        _supersede_worked(current)


def _supersede_worked(cb: Callback) -> None:
    """A worked callback, open again (after no answer or a release) or with a lapsed claim, whose caller has got
    through: closed as superseded.

    The answered call is one within the window after its last missed call (also one answered while the callback
    was claimed), or after its last no-answer (the caller got through after the agent's attempt); the callback
    keeps its calls. Run when the caller's calls change and whenever the callback becomes open again. An active
    claim is left alone (an agent is calling them). The caller locks the row.
    """
    if cb.status != CallbackStatus.OPEN and not claim_lapsed(cb, clock.now()):
        return
    tried = (CallbackEvent.objects.filter(callback=cb, action=CallbackAction.OUTCOME, outcome=CallbackOutcome.NO_ANSWER)
             .order_by("-at").values_list("at", flat=True).first())
    within = Q()
    for since in {cb.last_missed_at, tried or cb.last_missed_at}:
        within |= Q(answered_at__gt=since, answered_at__lte=since + _window())
    answered = (Call.objects.filter(within, caller=cb.phone, disposition=Disposition.ANSWERED)
                .order_by("answered_at", "call_id").only("pk", "call_id").first())
    if answered is None:
        return
    before = cb.status
    cb.status, cb.superseded_by_id, cb.closed_at = CallbackStatus.SUPERSEDED, answered.pk, clock.now()
    cb.claimed_by, cb.claimed_at = None, None
    cb.version += 1
    cb.save(update_fields=["status", "superseded_by", "closed_at", "claimed_by", "claimed_at", "version"])
    _record(cb, CallbackAction.SUPERSEDE, None, before, note=answered.call_id)


def _join(cb: Callback, calls: list[Call]) -> None:
    """New missed calls of a caller whose callback an agent is working on: that callback answers for them
    too (its deadline stays that of its first missed call)."""
    for call in calls:
        CallbackCall.objects.update_or_create(call_id=call.pk, defaults={"callback": cb})
    count = CallbackCall.objects.filter(callback=cb).count()
    last = max([cb.last_missed_at, *(_missed_at(c) for c in calls)])
    if (cb.missed_count, cb.last_missed_at) != (count, last):
        cb.missed_count, cb.last_missed_at = count, last
        cb.save(update_fields=["missed_count", "last_missed_at"])


def _fill(cb: Callback | None, phone: str, calls: list[Call], superseded_by: int | None) -> Callback:
    """Create or update one callback so that it holds exactly these missed calls."""
    moments = [_missed_at(c) for c in calls]
    first, last = min(moments), max(moments)
    if cb is None:
        # stored superseded at once when it is (never open for a moment: the caller may have an open one);
        # its record still reads created (open), then superseded
        status = CallbackStatus.OPEN if superseded_by is None else CallbackStatus.SUPERSEDED
        cb = Callback(phone=phone, first_missed_at=first, last_missed_at=last, missed_count=len(calls),
                      due_at=due_for(first), status=status)
        _unfinished_write(cb.save)
        CallbackEvent.objects.create(callback=cb, at=clock.now(), action=CallbackAction.CREATE,
                                     to_status=CallbackStatus.OPEN, note=calls[0].call_id)
        cb.status = CallbackStatus.OPEN  # as recorded: the step below makes it superseded, with its record
    if superseded_by is not None and (cb.status != CallbackStatus.SUPERSEDED or cb.superseded_by_id != superseded_by):
        before = cb.status
        cb.status, cb.superseded_by_id, cb.closed_at = CallbackStatus.SUPERSEDED, superseded_by, clock.now()
        cb.version += 1
        cb.save(update_fields=["status", "superseded_by", "closed_at", "version"])
        _record(cb, CallbackAction.SUPERSEDE, None, before, note=str(Call.objects.get(pk=superseded_by).call_id))
    elif superseded_by is None and cb.status == CallbackStatus.SUPERSEDED:
        cb.status, cb.superseded_by, cb.closed_at = CallbackStatus.OPEN, None, None
        cb.version += 1
        _unfinished_write(lambda: cb.save(update_fields=["status", "superseded_by", "closed_at", "version"]))
        _record(cb, CallbackAction.CREATE, None, CallbackStatus.SUPERSEDED, note=calls[0].call_id)
    fields = {"first_missed_at": first, "last_missed_at": last, "missed_count": len(calls), "due_at": due_for(first)}
    if any(getattr(cb, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(cb, k, v)
        cb.save(update_fields=list(fields))
    linked = set(CallbackCall.objects.filter(callback=cb).values_list("call_id", flat=True))
    wanted = {c.pk for c in calls}
    CallbackCall.objects.filter(callback=cb).exclude(call_id__in=wanted).delete()
    for call_id in sorted(wanted - linked):
        CallbackCall.objects.update_or_create(call_id=call_id, defaults={"callback": cb})
    return cb


def _withdraw(cb: Callback) -> None:
    """A callback left without missed calls (their calls turned out answered): removed if untouched."""
    if not cb.events.exclude(action__in=(CallbackAction.CREATE, CallbackAction.SUPERSEDE)).exists():
        cb.delete()
        return
    if cb.status != CallbackStatus.SUPERSEDED:
        before = cb.status
        cb.status, cb.closed_at, cb.missed_count = CallbackStatus.SUPERSEDED, clock.now(), 0
        cb.version += 1
        cb.save(update_fields=["status", "closed_at", "missed_count", "version"])
        _record(cb, CallbackAction.SUPERSEDE, None, before, note="withdrawn")


# --- agents working the queue ----------------------------------------------------------------------


def _lock(callback: Callback) -> Callback:
    fresh = Callback.objects.select_for_update().get(pk=callback.pk)
    if not transaction.get_connection().in_atomic_block:  # pragma: no cover - guarded by @atomic
        raise RuntimeError("callback services must run inside transaction.atomic")
    return fresh


def _check_role(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role in CALLBACK_ROLES):
        raise CallbackError(_("只有受理员、派单员、督办员和系统管理员可以处理回拨"))


def claim_lapsed(callback: Callback, now: datetime) -> bool:
    """True when the callback is claimed and the claim is older than `CALLBACK_CLAIM_MINUTES`: anyone may take
    it (领取)."""
    if callback.status != CallbackStatus.CLAIMED:
        return False
    return callback.claimed_at is None or now - callback.claimed_at > timedelta(
        minutes=setting("CALLBACK_CLAIM_MINUTES"))


def _done(callback: Callback, fresh: Callback) -> Callback:
    for name in ("status", "claimed_by_id", "claimed_at", "attempts", "outcome", "closed_at", "next_attempt_at",
                 "ticket_id", "version"):
        setattr(callback, name, getattr(fresh, name))
    return callback


@transaction.atomic
def claim(callback: Callback, *, actor: User) -> Callback:
    """Take a callback to call the citizen (领取); nobody else may call them while the claim holds."""
    _check_role(actor)
    fresh, now = _lock(callback), clock.now()
    if fresh.status == CallbackStatus.CLAIMED and fresh.claimed_by_id == actor.pk:
        return _done(callback, fresh)
    if fresh.status == CallbackStatus.CLAIMED and not claim_lapsed(fresh, now):
        raise ClaimConflict(_("%(name)s 正在回拨此号码") % {"name": fresh.claimed_by})
    if fresh.status not in UNFINISHED:
        raise CallbackError(_("回拨已结束（%(status)s），不能领取") % {"status": fresh.get_status_display()})
    if fresh.next_attempt_at and fresh.next_attempt_at > now:
        raise CallbackError(_("上次无人接听，请稍后再拨（可再次回拨时间未到）"))
    before = fresh.status
    fresh.status, fresh.claimed_by, fresh.claimed_at = CallbackStatus.CLAIMED, actor, now
    fresh.version += 1
    fresh.save(update_fields=["status", "claimed_by", "claimed_at", "version"])
    _record(fresh, CallbackAction.CLAIM, actor, before)
    return _done(callback, fresh)


@transaction.atomic
def release(callback: Callback, *, actor: User, note: str = "") -> Callback:
    """Put a claimed callback back in the queue (the claimer, or a supervisor)."""
    _check_role(actor)
    fresh = _lock(callback)
    if fresh.status != CallbackStatus.CLAIMED:
        raise CallbackError(_("此回拨未被领取"))
    if fresh.claimed_by_id != actor.pk and actor.role not in OVERRIDE_ROLES:
        raise ClaimConflict(_("%(name)s 正在回拨此号码，只有本人或督办员可以放回") % {"name": fresh.claimed_by})
    fresh.status, fresh.claimed_by, fresh.claimed_at = CallbackStatus.OPEN, None, None
    fresh.version += 1
    fresh.save(update_fields=["status", "claimed_by", "claimed_at", "version"])
    _record(fresh, CallbackAction.RELEASE, actor, CallbackStatus.CLAIMED, note=note)
    _supersede_worked(fresh)  # the caller may have got through while it was claimed
    return _done(callback, fresh)


@transaction.atomic
def record_outcome(callback: Callback, *, actor: User, outcome: str, note: str = "",
                   ticket: object | None = None) -> Callback:
    """Record what the call back gave (reached / no answer / wrong number / resolved on the phone)."""
    _check_role(actor)
    if outcome not in CallbackOutcome.values:
        raise CallbackError(_("未知的回拨结果"))
    fresh, now = _lock(callback), clock.now()
    if fresh.status != CallbackStatus.CLAIMED:
        raise CallbackError(_("请先领取回拨，再登记结果"))
    if fresh.claimed_by_id != actor.pk:
        raise ClaimConflict(_("%(name)s 正在回拨此号码，只有本人可以登记结果") % {"name": fresh.claimed_by})
    fresh.attempts += 1
    fresh.outcome = outcome
    fresh.claimed_by, fresh.claimed_at = None, None
    if outcome == CallbackOutcome.NO_ANSWER:
        if fresh.attempts >= setting("CALLBACK_MAX_ATTEMPTS"):
            fresh.status, fresh.closed_at = CallbackStatus.UNREACHABLE, now
        else:
            fresh.status = CallbackStatus.OPEN
            fresh.next_attempt_at = now + timedelta(minutes=setting("CALLBACK_RETRY_MINUTES"))
    else:
        fresh.status, fresh.closed_at = _FINAL[outcome], now
    if ticket is not None and fresh.ticket_id is None:
        fresh.ticket = ticket
    fresh.version += 1
    fresh.save()
    _record(fresh, CallbackAction.OUTCOME, actor, CallbackStatus.CLAIMED, outcome=outcome, note=note)
    _supersede_worked(fresh)  # open again: the caller may have got through while it was claimed
    return _done(callback, fresh)


def own_outcome(callback: Callback, *, actor: User) -> CallbackEvent | None:
    """The outcome this person recorded last, when nothing happened to the callback since — what a second
    click on 登记结果 (refused: no longer claimed) finds done; None otherwise."""
    last = CallbackEvent.objects.filter(callback=callback).order_by("-at", "-id").first()
    if last is not None and last.action == CallbackAction.OUTCOME and last.actor_id == actor.pk:
        return last
    return None


def own_release(callback: Callback, *, actor: User) -> CallbackEvent | None:
    """This person's release (放回队列), when nothing happened to the callback since — what a second click on
    放回队列 (refused: no longer claimed) finds done; None otherwise."""
    last = CallbackEvent.objects.filter(callback=callback).order_by("-at", "-id").first()
    if last is not None and last.action == CallbackAction.RELEASE and last.actor_id == actor.pk:
        return last
    return None


@transaction.atomic
def link_order(callback: Callback, *, ticket: object, actor: User | None) -> Callback:
    """Link the order registered during this callback (once; a second, different order is refused)."""
    fresh = _lock(callback)
    if fresh.ticket_id == getattr(ticket, "pk", None):
        return _done(callback, fresh)
    if fresh.ticket_id is not None:
        raise CallbackError(_("此回拨已关联其他工单"))
    fresh.ticket = ticket
    fresh.version += 1
    fresh.save(update_fields=["ticket", "version"])
    _record(fresh, CallbackAction.LINK_ORDER, actor, fresh.status, note=str(getattr(ticket, "number", "")))
    return _done(callback, fresh)


def queue_for(user: User, *, limit: int = 200) -> list[Callback]:
    """The unfinished callbacks: this person's claims first, then the most urgent (earliest deadline)."""
    qs = (Callback.objects.filter(status__in=UNFINISHED).select_related("claimed_by")
          .annotate(mine=Case(When(claimed_by=user, then=Value(0)), default=Value(1), output_field=IntegerField()))
          .order_by("mine", "due_at", "first_missed_at", "pk"))
    return list(qs[:limit])
