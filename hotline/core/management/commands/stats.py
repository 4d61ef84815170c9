"""`hotline stats`: how many orders are in each status, as one JSON object."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket


def status_counts() -> dict[str, int]:
    """Orders per status, every status present (zeros included), plus "total"; one GROUP BY query."""
    found = dict(Ticket.objects.order_by().values_list("status").annotate(n=Count("id")))
    counts = {status.value: int(found.pop(status.value, 0)) for status in Status}
    counts.update({str(k): int(v) for k, v in found.items()})  # a status no longer in the vocabulary
    counts["total"] = sum(counts.values())
    return counts


class Command(BaseCommand):
    help = "Print one JSON object: the number of orders in each status, plus the total."

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the counts."""
        self.stdout.write(json.dumps(status_counts(), ensure_ascii=False))
