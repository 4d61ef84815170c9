"""`hotline interop add-partner …` (prints the partner's API key once), `hotline interop list` (a switched-off
partner's line ends with how many deliveries are held for it and the oldest one's age),
`hotline interop disable CODE` / `enable CODE` (停用 / 启用). Every change (a partner added with its key and its
endpoint, one switched off or on) is recorded in the admin change trail, as 「命令行（<system user>）」 unless an
actor is named (`recorded_from_command_line`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.accounts.models import User
from hotline.interop import backlog, services
from hotline.interop.choices import PartnerKind
from hotline.interop.constants import HELD_LIMIT
from hotline.interop.exceptions import InteropError
from hotline.interop.models import Partner
from hotline.ops.admin_audit import recorded_from_command_line
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import EmergencyService


def _age(age: timedelta) -> str:
    """An age as `3d 4h`, `5h 12m` or `7m`."""
    minutes = max(0, int(age.total_seconds() // 60))
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    return f"{days}d {hours}h" if days else f"{hours}h {minutes}m" if hours else f"{minutes}m"


def _held(partner: Partner) -> str:
    """What is held for a switched-off partner: `\theld 3, oldest 2d 5h` (those older than HELD_LIMIT expire
    when it is switched on again)."""
    held = backlog.backlog(partner.pk)
    age = held.age()
    oldest = f", oldest {_age(age)}" if age is not None else ""
    stale = " (older than the limit expire on enable)" if age is not None and age > HELD_LIMIT else ""
    return f"\theld {held.count}{oldest}{stale}"


class Command(BaseCommand):
    help = "Set up partner platforms (110, 119, 120, specialised hotlines), list them, switch them off or on."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add-partner", help="create a partner and its API key")
        add.add_argument("code")
        add.add_argument("name")
        add.add_argument("--kind", choices=PartnerKind.values, default=PartnerKind.EMERGENCY)
        add.add_argument("--service", choices=EmergencyService.values, default="",
                         help="the emergency number whose transfers (转应急) go to this partner")
        add.add_argument("--unit", default="", help="code of the handling unit a specialised hotline stands for")
        add.add_argument("--url", default="", help="the partner's endpoint for transfers out and updates")
        sub.add_parser("list", help="the partners (and what is held for a switched-off one)")
        for action, text in (("disable", "switch a partner off (停用): key refused, endpoint off, queue held"),
                             ("enable", "switch a partner on again; its endpoint stays off until its address "
                                        "is entered again")):
            switch = sub.add_parser(action, help=text)
            switch.add_argument("code")
            switch.add_argument("--actor", default="", help="the username recorded as having made the change")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for p in Partner.objects.select_related("unit", "endpoint").order_by("code"):
                endpoint = f"{p.endpoint.url}{'' if p.endpoint.is_active else ' (off)'}" if p.endpoint else "-"
                self.stdout.write(f"{p.code}\t{p.name}\t{p.kind}\t{p.emergency_service or '-'}\t"
                                  f"{p.unit.code if p.unit else '-'}\t{endpoint}\t{'on' if p.is_active else 'off'}"
                                  f"{'' if p.is_active else _held(p)}")
            return
        if options["action"] in ("disable", "enable"):
            self._switch(options["code"].strip(), on=options["action"] == "enable", actor=options["actor"])
            return
        unit = None
        if options["unit"]:
            unit = HandlingUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no handling unit with code {options['unit']!r}")
        if Partner.objects.filter(code=options["code"].strip()).exists():
            raise CommandError(f"partner {options['code'].strip()!r} exists already")
        try:
            with recorded_from_command_line():  # who gets the platform's data: in the change trail
                partner, raw = services.add_partner(code=options["code"], name=options["name"],
                                                    kind=options["kind"], emergency_service=options["service"],
                                                    unit=unit, url=options["url"])
        except (InteropError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"partner {partner.code} created")
        self.stdout.write(f"api key (shown once): {raw}")
        if partner.endpoint_id:
            self.stdout.write(f"signing secret: {partner.endpoint.secret}")

    def _switch(self, code: str, *, on: bool, actor: str) -> None:
        """Switch the partner off or on through the service the admin uses, recorded in the change trail."""
        partner = Partner.objects.filter(code=code).first()
        if partner is None:
            raise CommandError(f"no partner with code {code!r}")
        user = None
        if actor:
            user = User.objects.filter(username=actor, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {actor!r}")
        with recorded_from_command_line(user):
            changed = services.switch_on(partner) if on else services.switch_off(partner)
        state = "on" if on else "off"
        if not changed:
            self.stdout.write(f"partner {partner.code} was already {state}")
        elif on:
            self.stdout.write(f"partner {partner.code} switched on; its endpoint stays off until its address "
                              f"is entered again (admin)")
        else:
            self.stdout.write(f"partner {partner.code} switched off: its key is refused, its endpoint is off "
                              f"and nothing queued for it is delivered")
