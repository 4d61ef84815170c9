"""API keys: create, authenticate, revoke (接口密钥). The stable interface integrations build on.

    key, raw = create_key("110联动", ["read", "transfer"])      # `raw` is shown once, never stored
    key = authenticate(raw)                                      # None when unknown or revoked
    key.allows("transfer"); key.user; key.unit
    create_key("坐席系统", ["read", "create", "phone"])          # `phone`: callers' full numbers (else masked)
    key = key_from_request(request)                              # Authorization: Bearer … or X-API-Key: …

A raw key looks like `hk_<prefix>_<secret>`: the prefix (8 characters) is stored in clear to find the
key and to name it in lists; the whole key is stored only as its SHA-256 hash and compared in
constant time. The secret has 256 bits of entropy, so a plain (unsalted, fast) hash is safe here.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import secrets
import string
from collections.abc import Sequence
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from hotline.accounts.choices import UNIT_ROLES, Role, unit_fits_role
from hotline.accounts.models import Membership, User
from hotline.api.models import ApiKey
from hotline.api.scopes import UNIT_SCOPES, Scope
from hotline.core import clock
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import Action
from hotline.tickets.transitions import TRANSITIONS
from hotline.webhooks import services as webhooks

__all__ = ["InvalidKeyRequest", "authenticate", "change_scope", "create_key", "find_key", "hash_key",
           "key_from_request", "revoke_key"]

KEY_PREFIX = "hk_"
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
#: Roles that may register an order themselves (others get a separate intake account for `create`).
INTAKE_ROLES = TRANSITIONS[Action.REGISTER].roles
#: The longest key name the table holds (PostgreSQL refuses a longer one; SQLite would store it).
NAME_MAX_LENGTH: int = ApiKey._meta.get_field("name").max_length
#: How often `last_used_at` is written at most (a busy integration would otherwise write on every call).
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Scopes a live key may gain or lose (they change neither its accounts nor its unit); others need a new key.
CHANGEABLE_SCOPES = frozenset({Scope.PHONE})


class InvalidKeyRequest(ValueError):
    """The key cannot be created as asked (unknown scope, missing unit, duplicate or too long name)."""


def hash_key(raw_key: str) -> str:
    """The stored form of a raw key."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _role_for(scopes: set[str], unit: HandlingUnit | None, role: str | None) -> str:
    """The role of the key's service account.

    By default: a handler of the unit for a unit key, an intake agent for a centre key that creates or
    transfers orders, a leader (a centre role that takes no lifecycle step) for a key that only reads.
    A key acting at the centre itself (`unit` of kind centre) names its centre role explicitly.
    """
    if role is not None:
        if role not in Role.values:
            raise InvalidKeyRequest(_("未知的角色：%(role)s") % {"role": role})
        if (unit is None and role in UNIT_ROLES) or (unit is not None and not unit_fits_role(role, unit.kind)):
            raise InvalidKeyRequest(_("单位角色的密钥须指定一个承办单位（--unit）") if role in UNIT_ROLES
                                    else _("中心角色的密钥只能代表热线中心"))
        return role
    if unit is not None:
        if unit.kind == UnitKind.CENTRE:
            raise InvalidKeyRequest(_("代表热线中心的密钥须指定中心角色（--role）"))
        return Role.UNIT_HANDLER
    if scopes & {Scope.CREATE, Scope.TRANSFER}:
        return Role.INTAKE
    return Role.LEADER


def _service_user(prefix: str, suffix: str, name: str, role: str, unit: HandlingUnit | None) -> User:
    user = User(username=f"api-{prefix}{suffix}", display_name=f"接口：{name}"[:50], role=role, is_active=True)
    user.set_unusable_password()
    user.save()
    if unit is not None:
        Membership.objects.create(user=user, unit=unit)
    return user


@transaction.atomic
def create_key(name: str, scopes: Sequence[str], unit: HandlingUnit | None = None,
               created_by: User | None = None, *, role: str | None = None) -> tuple[ApiKey, str]:
    """Make a key and its service account; returns the key and the raw key (shown once, never stored).

    Raises InvalidKeyRequest for an empty or too long name, a taken name, an unknown scope, or `act` without a unit.
    """
    name = name.strip()
    wanted = {str(s) for s in scopes}
    unknown = wanted - set(Scope.values)
    if not name:
        raise InvalidKeyRequest(_("密钥名称不能为空"))
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidKeyRequest(_("密钥名称不能超过 %(limit)s 个字符（现有 %(length)s 个）")
                                % {"limit": NAME_MAX_LENGTH, "length": len(name)})
    if not wanted:
        raise InvalidKeyRequest(_("至少需要一个权限范围"))
    if unknown:
        raise InvalidKeyRequest(_("未知的权限范围：%(scopes)s") % {"scopes": ", ".join(sorted(unknown))})
    if wanted & UNIT_SCOPES and unit is None:
        raise InvalidKeyRequest(_("权限范围 act 需要指定代表的单位（--unit）"))
    if ApiKey.objects.filter(name=name).exists():
        raise InvalidKeyRequest(_("已存在名为「%(name)s」的密钥") % {"name": name})
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    while ApiKey.objects.filter(prefix=prefix).exists():  # pragma: no cover - 36**8 values
        prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(8))
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    account_role = _role_for(wanted, unit, role)
    user = _service_user(prefix, "", name, account_role, unit if account_role in UNIT_ROLES else None)
    intake_user = None
    if wanted & {Scope.CREATE, Scope.TRANSFER} and account_role not in INTAKE_ROLES:
        intake_user = _service_user(prefix, "-intake", name, Role.INTAKE, None)
    key = ApiKey.objects.create(
        name=name, prefix=prefix, hashed_key=hash_key(raw), scopes=[s for s in Scope.values if s in wanted],
        unit=unit, user=user, intake_user=intake_user, created_by=created_by, created_at=clock.now(),
    )
    return key, raw


def _parse_prefix(raw_key: str) -> str | None:
    if not raw_key.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = raw_key[len(KEY_PREFIX):].partition("_")
    if not sep or len(prefix) != 8 or not secret or "\x00" in prefix:  # PostgreSQL cannot look up a NUL
        return None
    return prefix


#: Per process: the last key built for each prefix, as (its database row, the pickled objects).
_built: dict[str, tuple[tuple, bytes]] = {}
_BUILT_MAX = 1000
#: Per database vendor: the SQL of the key lookup, compiled once.
_lookup_sql: dict[str, str] = {}
_SENTINEL = "\x00prefix"


def _lookup(prefix: str) -> QuerySet[ApiKey]:
    # The partner platform the key belongs to, if any (interop's reverse one-to-one, by name): read with the key,
    # so deciding what a partner may see (`core.privacy.partner_account`, `principal.partner_of`) costs no query.
    return ApiKey.objects.select_related("user", "unit", "intake_user", "partner").filter(prefix=prefix)


def _load(prefix: str) -> ApiKey | None:
    """The key with this prefix, with its account, unit, intake account and partner, as the database holds them now.

    Every call reads the row (the five records' columns, one statement). When it equals the row this
    process last built the objects from, fresh copies of those objects are returned without the ORM
    building them again; any change (a revocation, a deactivated account, new scopes, a recorded use)
    changes the row and the objects are loaded anew. This runs on every API call.
    """
    sql = _lookup_sql.get(connection.vendor)
    if sql is None:
        sql, params = _lookup(_SENTINEL).query.sql_with_params()
        if tuple(params) != (_SENTINEL,):  # pragma: no cover - the query has one parameter, the prefix
            raise RuntimeError(f"unexpected key lookup parameters: {params!r}")
        _lookup_sql[connection.vendor] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    built = _built.get(prefix)
    if built is not None and built[0] == row:
        return pickle.loads(built[1])  # noqa: S301 - our own objects, pickled by this process
    key = _lookup(prefix).first()
    if key is not None:
        if len(_built) >= _BUILT_MAX:
            _built.clear()
        _built[prefix] = (row, pickle.dumps(key))
    return key


def authenticate(raw_key: str) -> ApiKey | None:
    """The live key for this raw key, or None (unknown, malformed or revoked). Records the use."""
    prefix = _parse_prefix((raw_key or "").strip())
    if prefix is None:
        return None
    key = _load(prefix)
    if key is None or not hmac.compare_digest(key.hashed_key, hash_key(raw_key.strip())):
        return None
    if key.revoked_at is not None or not key.user.is_active:
        return None
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def raw_key_from_request(request: HttpRequest) -> str | None:
    """The raw key the request presents (`Authorization: Bearer …` or `X-API-Key: …`), if any."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    value = request.META.get("HTTP_X_API_KEY", "").strip()
    return value or None


def key_from_request(request: HttpRequest) -> ApiKey | None:
    """The live key the request presents, or None (no key, unknown, or revoked)."""
    raw = raw_key_from_request(request)
    return authenticate(raw) if raw else None


def find_key(name_or_prefix: str) -> ApiKey | None:
    """A key by its name or its prefix (with or without the `hk_` start)."""
    value = name_or_prefix.strip()
    if value.startswith(KEY_PREFIX):
        value = value[len(KEY_PREFIX):].split("_")[0]
    return ApiKey.objects.filter(name=value).first() or ApiKey.objects.filter(prefix=value).first()


@transaction.atomic
def change_scope(key: ApiKey, scope: str, *, granted: bool) -> ApiKey:
    """Grant a live key a scope that changes no account (`phone`, 完整号码), or withdraw it; the next call
    presenting the key has its new scopes. Changing nothing (granted twice) writes nothing.

    Raises InvalidKeyRequest for another scope (create a new key instead) or a revoked key.
    """
    if scope not in CHANGEABLE_SCOPES:
        raise InvalidKeyRequest(_("已有密钥只能增减权限范围 %(scopes)s；其他权限范围请新建密钥")
                                % {"scopes": ", ".join(sorted(CHANGEABLE_SCOPES))})
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise InvalidKeyRequest(_("密钥已吊销，不能更改权限范围"))
    wanted = (set(key.scopes) | {scope}) if granted else (set(key.scopes) - {scope})
    if wanted != set(key.scopes):
        key.scopes = [s for s in Scope.values if s in wanted]
        key.save(update_fields=["scopes"])
    return key


@transaction.atomic
def revoke_key(key: ApiKey) -> ApiKey:
    """Revoke the key for good; its service accounts and their webhook subscriptions are deactivated.

    Every row is saved on its own, so a revocation made in the admin leaves a change record for the key,
    each account and each subscription. Revoking twice changes nothing.
    """
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
        users = list(User.objects.filter(pk__in=[key.user_id, key.intake_user_id]))
        for user in users:
            if user.is_active:
                user.is_active = False
                user.save(update_fields=["is_active"])
        webhooks.deactivate_owned_by(users)
    return key
