"""Auditing changes made through the admin site, field by field (管理后台变更留痕).

Django's own `LogEntry` (admin history) keeps who changed which object and a change message naming the
fields, but not the values. `AdminChange` adds each field's before and after. It listens to model signals,
but only while the current request is a POST to the admin site (`RequestContext.admin`), so services,
commands and tests are unaffected. The row is written in the admin's own transaction: a change that is
rolled back leaves no record.

Changes made elsewhere that deserve the same record open the trail themselves: `recorded_by(actor)` (an
integration's webhook subscriptions, by its API key's account) and `recorded_from_command_line(actor)` (the
`interop` and `apikey` commands, as 「命令行（<system user>）」 when no actor is named).

Values are compared as they are and masked only when written (`_shown`): a secret as `***`; personal data as
the rest of the platform masks it (docs/security.md, admin audit): the fields `CHANGED_ONLY` names recorded
as changed only, a phone field as `mask_phone`, a JSON value as `masked_json` (like the webhooks admin's
masked payload), and phone and identity card numbers in every other text masked (`numbers_masked`).
"""

from __future__ import annotations

import dataclasses
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from hotline.core import clock
from hotline.core.privacy import mask_phone, masked_json, numbers_masked
from hotline.ops import context
from hotline.ops.models import AdminAction, AdminChange

if TYPE_CHECKING:
    from hotline.accounts.models import User

#: Models never audited here (the audit itself, sessions, the admin's own log, sign-in bookkeeping).
SKIPPED = frozenset({"ops.adminchange", "ops.accessrecord", "admin.logentry", "sessions.session",
                     "accounts.loginfailure"})
#: Fields whose values are never written to the trail, only the fact that they changed (an API key's
#: `hashed_key` too: a hash of a key is as good as the key to whoever can look it up).
SECRET_WORDS = ("password", "secret", "token", "key_hash", "hashed", "api_key")
#: A secret's value as shown: set, and set to something else (neither the secret nor its hash is ever written).
MASK = "***"
MASK_CHANGED = "***(已更改)"
#: Personal data recorded as changed only, like a secret (`***`, `***(已更改)`), by model: what a citizen said
#: and who they are, and the stored bodies that carry it (a transfer's payload holds the caller's full number,
#: name and description; a PBX event its caller number).
CHANGED_ONLY: dict[str, frozenset[str]] = {
    "tickets.ticket": frozenset({"caller_name", "caller_company", "description", "address", "title"}),
    "webhooks.delivery": frozenset({"payload"}),
    "webhooks.deliveryattempt": frozenset({"response_excerpt", "error"}),
    "calls.callevent": frozenset({"payload"}),
}
#: Fields holding a phone number, recorded masked (`mask_phone`: 138****5678): names containing these words,
#: and `calls.*.caller` (the calling number).
PHONE_WORDS = ("phone", "mobile", "telephone")
PHONE_FIELDS = frozenset({"caller", "tel"})
#: The keys of a recorded JSON value that hold a phone number (as the webhooks admin's `masked_payload`).
NUMBER_KEYS = frozenset({"phone", "caller_phone", "mobile", "telephone", "tel", "caller"})
#: Fields whose change alone is bookkeeping, not an administrator's decision.
NOISE = frozenset({"last_login"})


def _label(instance: Model) -> str:
    return instance._meta.label_lower


def _active(instance: Model) -> context.RequestContext | None:
    ctx = context.current()
    if ctx is None or not ctx.admin or _label(instance) in SKIPPED:
        return None
    return ctx


def _secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def _hidden(label: str, name: str) -> bool:
    """Whether a field's value is recorded as changed only: a secret, or personal data `CHANGED_ONLY` names."""
    return _secret(name) or name in CHANGED_ONLY.get(label, ())


def _values(instance: Model) -> dict[str, Any]:
    """Each field's real value, to compare before and after: a secret is masked only when written (`_shown`).
    A field the save sets in the database (an expression such as `HandlingUnit.version = F("version") + 1`) is
    bookkeeping and left out: it has no value yet when the save's signal is sent."""
    return {field.name: field.value_from_object(instance) if _secret(field.name) else field.value_to_string(instance)
            for field in instance._meta.concrete_fields
            if not hasattr(getattr(instance, field.attname, None), "resolve_expression")}


def _masked(name: str, value: Any) -> Any:
    """A value as the trail may show it: phone fields as `mask_phone`, JSON through `masked_json`, any other
    text with its phone and identity card numbers masked (`numbers_masked`)."""
    if isinstance(value, dict | list):
        return masked_json(value, number_keys=NUMBER_KEYS)
    if not isinstance(value, str) or not value:
        return value
    if name in PHONE_FIELDS or any(word in name for word in PHONE_WORDS):
        return mask_phone(value)
    return numbers_masked(value)


def _shown(label: str, name: str, value: Any) -> Any:
    """What the trail may show of a value: a secret or changed-only field as `***` (set) or "" (empty), any
    other value masked (`_masked`)."""
    if not _hidden(label, name):
        return _masked(name, value)
    return MASK if value else ""


def _change(label: str, name: str, before: Any, after: Any) -> list[Any]:
    """`[before, after]` as recorded; a secret replaced by another shows `["***", "***(已更改)"]`."""
    if _hidden(label, name) and before and after:
        return [MASK, MASK_CHANGED]
    return [_shown(label, name, before), _shown(label, name, after)]


def _write(ctx: context.RequestContext, action: str, instance: Model, changes: dict[str, Any]) -> None:
    AdminChange.objects.create(
        at=clock.now(), user_id=ctx.user_id, username=ctx.username, ip=ctx.ip or None,
        request_id=ctx.request_id, action=action, model=_label(instance), object_pk=str(instance.pk)[:64],
        object_repr=numbers_masked(str(instance))[:200], changes=changes)


def _snapshots(ctx: context.RequestContext) -> dict[tuple[str, str], dict[str, Any]]:
    if not hasattr(ctx, "admin_before"):
        ctx.admin_before = {}  # type: ignore[attr-defined]
    return ctx.admin_before  # type: ignore[attr-defined]


def on_pre_save(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    ctx = _active(instance)
    if ctx is None or raw or instance.pk is None or instance._state.adding:
        return
    old = type(instance)._base_manager.filter(pk=instance.pk).first()
    if old is not None:
        _snapshots(ctx)[(_label(instance), str(instance.pk))] = _values(old)


def on_post_save(sender: type[Model], instance: Model, created: bool, raw: bool = False, **kwargs: Any) -> None:
    ctx = _active(instance)
    if ctx is None or raw:
        return
    after = _values(instance)
    if created:
        label = _label(instance)
        _write(ctx, AdminAction.ADD, instance, {k: [None, _shown(label, k, v)] for k, v in after.items()})
        return
    before = _snapshots(ctx).pop((_label(instance), str(instance.pk)), None) or {}
    changes = {k: _change(_label(instance), k, before.get(k), v) for k, v in after.items() if before.get(k) != v}
    if changes and set(changes) - NOISE:
        _write(ctx, AdminAction.CHANGE, instance, changes)


def on_pre_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    ctx = _active(instance)
    if ctx is not None:
        _snapshots(ctx)[(_label(instance), f"del:{instance.pk}")] = _values(instance)


def on_post_delete(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    ctx = _active(instance)
    if ctx is None:
        return
    before = _snapshots(ctx).pop((_label(instance), f"del:{instance.pk}"), None) or _values(instance)
    _write(ctx, AdminAction.DELETE, instance, {k: [_shown(_label(instance), k, v), None]
                                                      for k, v in before.items()})


def on_m2m_changed(sender: Any, instance: Model, action: str, reverse: bool, model: type[Model],
                   pk_set: set[Any] | None, **kwargs: Any) -> None:
    ctx = _active(instance)
    if ctx is None or action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    name = next((f.name for f in instance._meta.many_to_many if f.remote_field.through is sender), sender.__name__)
    verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
    if action != "post_clear" and not pk_set:
        return
    _write(ctx, AdminAction.CHANGE, instance, {name: {verb: sorted(str(pk) for pk in (pk_set or ()))}})


@contextmanager
def recorded_by(actor: User | None, *, username: str = "") -> Iterator[None]:
    """Record the rows changed inside in the trail as the admin site records them, by `actor` (else under
    `username`). Inside a request its id and address are kept; outside one (a command) a new id is made."""
    outer = context.current()
    user_id, name = (actor.pk, actor.get_username()) if actor else (None, username)
    if outer is not None:  # the same request: its pending access records are still written when it ends
        trail = dataclasses.replace(outer, admin=True, user_id=user_id, username=name)
    else:
        trail = context.RequestContext(request_id=context.new_request_id(), admin=True, user_id=user_id,
                                       username=name)
    token = context.activate(trail)
    try:
        yield
    finally:
        context.deactivate(token)


def command_line_user() -> str:
    """Who made a change on the command line without naming an account: 「命令行（<system user>）」."""
    try:
        return f"命令行（{getpass.getuser()}）"
    except (KeyError, OSError):  # no name for the process's user (a bare container)
        return "命令行"


@contextmanager
def recorded_from_command_line(actor: User | None = None) -> Iterator[None]:
    """Record the rows a management command changes inside in the trail: by `actor`, else by the command line
    (`command_line_user`), as the admin site records the same change."""
    with recorded_by(actor, username=command_line_user()):
        yield


def connect() -> None:
    """Listen to every model's saves and deletes (acting only during admin POSTs and `recorded_by` blocks)."""
    pre_save.connect(on_pre_save, dispatch_uid="hotline.ops.admin_audit.pre_save")
    post_save.connect(on_post_save, dispatch_uid="hotline.ops.admin_audit.post_save")
    pre_delete.connect(on_pre_delete, dispatch_uid="hotline.ops.admin_audit.pre_delete")
    post_delete.connect(on_post_delete, dispatch_uid="hotline.ops.admin_audit.post_delete")
    m2m_changed.connect(on_m2m_changed, dispatch_uid="hotline.ops.admin_audit.m2m_changed")
