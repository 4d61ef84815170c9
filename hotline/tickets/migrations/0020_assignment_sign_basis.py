"""Store the sign deadline's axis on the assignment, and settle the pauses finished assignments still carry.

1. `Assignment.sign_basis`: the axis (`clock` or `working`) the sign deadline was computed on, stored at
   dispatch as `reply_basis` is for the reply deadline. A pause (待群众补充) and a return awaiting review
   shift the sign deadline on it, so a later change of the policy's sign unit (hours ↔ working days) no
   longer moves an existing deadline on the wrong axis (docs/sla.md §2, §7). Existing rows take the axis of
   their order's policy (`Ticket.sla_policy`, the policy of its latest dispatch, as the resume read it
   until now); rows without one stay empty and keep reading the policy (`sla.sign_basis`).

2. A finished assignment (withdrawn, completed, returned, handed down) never runs a clock, but one that
   ended while its order waited for the citizen — its order merged (并单) — kept its `paused_at`. It is
   settled as `sla.settle_pause` settles one now: late only for a deadline already passed when the pause
   began (`sign_overdue` for a unit that never signed, `reply_overdue` for one signed and not replied),
   then the pause mark goes.

Data only besides the column; no timeline event (the flags are derived from stored deadlines, as the
sweep's are). The functions read the historical models only, with the values copied here.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models import F

#: `sla.choices.LimitUnit` values counted on working time, and the two `Basis` values, at this migration.
WORKING_UNITS = ("working_days", "working_hours")
CLOCK, WORKING = "clock", "working"
#: `tickets.choices.AssignmentStatus` values of an assignment that holds the order no more.
FINISHED = ("withdrawn", "completed", "returned", "forwarded")


def store_sign_basis(apps: Any, schema_editor: Any) -> None:
    """Each assignment's sign axis: its order's policy's sign unit (one UPDATE per policy)."""
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    Assignment = apps.get_model("tickets", "Assignment")
    for pk, unit in SlaPolicy.objects.values_list("pk", "sign_unit"):
        Assignment.objects.filter(ticket__sla_policy_id=pk, sign_basis="").update(
            sign_basis=WORKING if unit in WORKING_UNITS else CLOCK)


def settle_finished_pauses(apps: Any, schema_editor: Any) -> None:
    """Finished assignments still marked paused: flag a deadline passed before the pause, drop the mark."""
    Assignment = apps.get_model("tickets", "Assignment")
    stale = Assignment.objects.filter(status__in=FINISHED, paused_at__isnull=False)
    stale.filter(signed_at__isnull=True, sign_due__lt=F("paused_at")).update(sign_overdue=True)
    stale.filter(signed_at__isnull=False, replied_at__isnull=True, reply_due__lt=F("paused_at")).update(
        reply_overdue=True)
    stale.update(paused_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0005_online_acceptance_limit"),
        ("tickets", "0019_close_stale_claims"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="sign_basis",
            field=models.CharField(blank=True, default="", max_length=8),
        ),
        migrations.RunPython(store_sign_basis, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(settle_finished_pauses, migrations.RunPython.noop, elidable=True),
    ]
