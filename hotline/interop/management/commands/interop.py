"""`hotline interop add-partner …` (prints the partner's API key once), `hotline interop list`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.exceptions import InteropError
from hotline.interop.models import Partner
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import EmergencyService


class Command(BaseCommand):
    help = "Set up partner platforms (110, 119, 120, specialised hotlines) and list them."

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
        sub.add_parser("list", help="the partners")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for p in Partner.objects.select_related("unit", "endpoint").order_by("code"):
                self.stdout.write(f"{p.code}\t{p.name}\t{p.kind}\t{p.emergency_service or '-'}\t"
                                  f"{p.unit.code if p.unit else '-'}\t{p.endpoint.url if p.endpoint else '-'}")
            return
        unit = None
        if options["unit"]:
            unit = HandlingUnit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no handling unit with code {options['unit']!r}")
        if Partner.objects.filter(code=options["code"].strip()).exists():
            raise CommandError(f"partner {options['code'].strip()!r} exists already")
        try:
            partner, raw = services.add_partner(code=options["code"], name=options["name"], kind=options["kind"],
                                                emergency_service=options["service"], unit=unit, url=options["url"])
        except (InteropError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"partner {partner.code} created")
        self.stdout.write(f"api key (shown once): {raw}")
        if partner.endpoint_id:
            self.stdout.write(f"signing secret: {partner.endpoint.secret}")
