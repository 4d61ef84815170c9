"""`hotline webhooks deliver [--once]`, `hotline webhooks replay ID`, `hotline webhooks list`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.cli import bounded_float, check_range, positive_int
from hotline.webhooks import deliverer, services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery


class Command(BaseCommand):
    help = "Deliver queued webhook events (a loop, or --once), replay a delivery, or list deliveries."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("deliver", help="send due deliveries; loops until interrupted unless --once")
        run.add_argument("--once", action="store_true", help="send what is due now, then stop")
        run.add_argument("--interval", type=bounded_float(0, 3600, low_open=True), default=5.0,
                         help="seconds between rounds (default 5)")
        run.add_argument("--limit", type=positive_int, default=100, help="deliveries per round (default 100)")
        replay = sub.add_parser("replay", help="send a delivered or failed delivery again")
        replay.add_argument("delivery_id", type=int)
        listing = sub.add_parser("list", help="the latest deliveries")
        listing.add_argument("--status", choices=DeliveryStatus.values)
        listing.add_argument("--limit", type=positive_int, default=20, help="how many (default 20)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _deliver(self, options: dict[str, Any]) -> None:
        check_range("--limit", options["limit"], 1)
        check_range("--interval", options["interval"], 0, 3600, low_open=True)
        try:
            while True:
                sent = deliverer.deliver_due(limit=options["limit"])
                if options["once"]:
                    self.stdout.write(f"attempted {sent} deliveries")
                    return
                if sent < options["limit"]:  # a full round means more may be due: go on at once
                    time.sleep(options["interval"])
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def _replay(self, options: dict[str, Any]) -> None:
        delivery = Delivery.objects.filter(pk=options["delivery_id"]).first()
        if delivery is None:
            raise CommandError(f"no delivery {options['delivery_id']}")
        if delivery.status == DeliveryStatus.PENDING:
            raise CommandError(f"delivery {delivery.pk} is still pending; it will be sent anyway")
        replayed = services.replay(delivery)
        self.stdout.write(f"queued delivery {replayed.pk} (replay of {delivery.pk}, event {delivery.event_id})")

    def _list(self, options: dict[str, Any]) -> None:
        check_range("--limit", options["limit"], 1)
        rows = Delivery.objects.select_related("subscription").order_by("-id")
        if options["status"]:
            rows = rows.filter(status=options["status"])
        for d in rows[: options["limit"]]:
            self.stdout.write(f"{d.pk}\t{d.status}\t{d.attempts}\t{d.last_status_code or '-'}\t{d.event_type}\t"
                              f"{d.subscription.name}\t{d.event_id}")
