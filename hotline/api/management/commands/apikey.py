"""`hotline apikey create|list|revoke`: API keys for integrations.

    hotline apikey create "微信公众号" --scope read --scope create
    hotline apikey create "水务集团对接" --scope read --scope act --unit WATER
    hotline apikey create "呼叫中心坐席系统" --scope read --scope create --scope phone   (full caller numbers)
    hotline apikey list
    hotline apikey grant "呼叫中心坐席系统" --scope phone      (withdraw … --scope phone takes it back)
    hotline apikey revoke "微信公众号"        (or its prefix)

`create` prints the key's details, and the raw key alone on the LAST line (shown once, never stored).
`create`, `grant`, `withdraw` and `revoke` are recorded in the admin change trail (管理后台变更记录) as
「命令行（<system user>）」, the key named by its name and prefix, its hash and the raw key never written.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.api.keys import (
    CHANGEABLE_SCOPES,
    InvalidKeyRequest,
    change_scope,
    create_key,
    find_key,
    revoke_key,
)
from hotline.api.models import ApiKey
from hotline.api.scopes import Scope
from hotline.ops.admin_audit import recorded_from_command_line
from hotline.orgs.models import HandlingUnit


class Command(BaseCommand):
    help = "Create, list and revoke API keys (create prints the raw key on its last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="create a key; its raw value is the last line printed")
        create.add_argument("name", help="a name that says who uses the key")
        create.add_argument("--scope", action="append", choices=Scope.values, required=True, dest="scopes",
                            help="repeat for several scopes: " + ", ".join(Scope.values)
                            + " (without phone, answers mask callers' numbers)")
        create.add_argument("--unit", help="code of the handling unit the key acts as (needed for act)")
        create.add_argument("--role", choices=Role.values,
                            help="role of the key's service account (default: from the scopes and unit)")
        sub.add_parser("list", help="list keys (never their secret)")
        for name, verb in (("grant", "grant a live key"), ("withdraw", "withdraw from a key")):
            change = sub.add_parser(name, help=f"{verb} a scope that changes no account: "
                                               + ", ".join(sorted(CHANGEABLE_SCOPES)))
            change.add_argument("key", help="the key's name or prefix")
            change.add_argument("--scope", choices=sorted(CHANGEABLE_SCOPES), required=True)
        revoke = sub.add_parser("revoke", help="revoke a key by name or prefix")
        revoke.add_argument("key", help="the key's name or prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        unit = None
        if options.get("unit"):
            unit = HandlingUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"未知的单位编码：{options['unit']}")
        try:
            with recorded_from_command_line():
                key, raw = create_key(options["name"], options["scopes"], unit=unit, role=options.get("role"))
        except InvalidKeyRequest as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created key {key.name!r} prefix={key.prefix} scopes={','.join(key.scopes)} "
                          f"unit={key.unit.code if key.unit else '-'} acts as {key.user.username} "
                          f"({key.user.get_role_display()})")
        self.stdout.write("store the key now: it is shown only once")
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        keys = ApiKey.objects.select_related("unit", "user")
        if not keys:
            self.stdout.write("(no API keys)")
            return
        for key in keys:
            state = f"revoked {timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            used = f"{timezone.localtime(key.last_used_at):%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            self.stdout.write(f"{key.prefix}  {key.name}  scopes={','.join(key.scopes)}  "
                              f"unit={key.unit.code if key.unit else '-'}  {state}  last used {used}")

    def _grant(self, options: dict[str, Any], *, granted: bool = True) -> None:
        key = self._find(options["key"])
        try:
            with recorded_from_command_line():
                key = change_scope(key, options["scope"], granted=granted)
        except InvalidKeyRequest as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"key {key.name!r} ({key.prefix}) scopes={','.join(key.scopes)}")

    def _withdraw(self, options: dict[str, Any]) -> None:
        self._grant(options, granted=False)

    def _find(self, name_or_prefix: str) -> ApiKey:
        key = find_key(name_or_prefix)
        if key is None:
            raise CommandError(f"没有名称或前缀为 {name_or_prefix!r} 的接口密钥")
        return key

    def _revoke(self, options: dict[str, Any]) -> None:
        key = self._find(options["key"])
        was_active = key.revoked_at is None
        with recorded_from_command_line():
            revoke_key(key)
        self.stdout.write(f"revoked key {key.name!r} ({key.prefix})" if was_active
                          else f"key {key.name!r} ({key.prefix}) was already revoked")
