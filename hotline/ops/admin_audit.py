"""Auditing changes made through the admin site, field by field (管理后台变更留痕).

Django's own `LogEntry` (admin history) keeps who changed which object and a change message naming the
fields, but not the values. `AdminChange` adds each field's before and after. It listens to model signals,
but only while the current request is a POST to the admin site (`RequestContext.admin`), so services,
commands and tests are unaffected. The row is written in the admin's own transaction: a change that is
rolled back leaves no record.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from hotline.core import clock
from hotline.ops import context
from hotline.ops.models import AdminAction, AdminChange

#: Models never audited here (the audit itself, sessions, the admin's own log, sign-in bookkeeping).
SKIPPED = frozenset({"ops.adminchange", "ops.accessrecord", "admin.logentry", "sessions.session",
                     "accounts.loginfailure"})
#: Fields whose values are never written to the trail, only the fact that they changed (an API key's
#: `hashed_key` too: a hash of a key is as good as the key to whoever can look it up).
SECRET_WORDS = ("password", "secret", "token", "key_hash", "hashed", "api_key")
#: A secret's value as shown: set, and set to something else (neither the secret nor its hash is ever written).
MASK = "***"
MASK_CHANGED = "***(已更改)"
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


def _values(instance: Model) -> dict[str, Any]:
    """Each field's real value, to compare before and after: a secret is masked only when written (`_shown`)."""
    return {field.name: field.value_from_object(instance) if _secret(field.name) else field.value_to_string(instance)
            for field in instance._meta.concrete_fields}


def _shown(name: str, value: Any) -> Any:
    """What the trail may show of a value: a secret only as `***` (set) or "" (empty)."""
    if not _secret(name):
        return value
    return MASK if value else ""


def _change(name: str, before: Any, after: Any) -> list[Any]:
    """`[before, after]` as recorded; a secret replaced by another shows `["***", "***(已更改)"]`."""
    if _secret(name) and before and after:
        return [MASK, MASK_CHANGED]
    return [_shown(name, before), _shown(name, after)]


def _write(ctx: context.RequestContext, action: str, instance: Model, changes: dict[str, Any]) -> None:
    AdminChange.objects.create(
        at=clock.now(), user_id=ctx.user_id, username=ctx.username, ip=ctx.ip or None,
        request_id=ctx.request_id, action=action, model=_label(instance), object_pk=str(instance.pk)[:64],
        object_repr=str(instance)[:200], changes=changes)


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
        _write(ctx, AdminAction.ADD, instance, {k: [None, _shown(k, v)] for k, v in after.items()})
        return
    before = _snapshots(ctx).pop((_label(instance), str(instance.pk)), None) or {}
    changes = {k: _change(k, before.get(k), v) for k, v in after.items() if before.get(k) != v}
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
    _write(ctx, AdminAction.DELETE, instance, {k: [_shown(k, v), None] for k, v in before.items()})


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


def connect() -> None:
    """Listen to every model's saves and deletes (acting only during admin POSTs)."""
    pre_save.connect(on_pre_save, dispatch_uid="hotline.ops.admin_audit.pre_save")
    post_save.connect(on_post_save, dispatch_uid="hotline.ops.admin_audit.post_save")
    pre_delete.connect(on_pre_delete, dispatch_uid="hotline.ops.admin_audit.pre_delete")
    post_delete.connect(on_post_delete, dispatch_uid="hotline.ops.admin_audit.post_delete")
    m2m_changed.connect(on_m2m_changed, dispatch_uid="hotline.ops.admin_audit.m2m_changed")
