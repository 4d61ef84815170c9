"""Close the undecided 不合理诉求 claims an earlier release left behind (data only).

Before `dispatching._release` closed the order's pending claims, a claim stayed 待审 when the order was
merged (并单) or when the claiming unit's return (退单) was accepted: it kept showing in the centre's 待审批
queue, and 审定 refused it (`decide_unreasonable` only takes the current lead's claim of this round).

A pending claim is stale when the unit that filed it no longer speaks for the order: it is not the unit of
the order's current lead assignment of this round (as `permissions.current_lead_id` and
`handling.claims_of` find it), or that assignment no longer holds the order (withdrawn; completed while
the order is not closed), or the order was merged. Those close as `_release` closes claims now (via
`handling.close_pending_claims`): 驳回 (`rejected`), `decided_by` empty, `decided_at` now, and the reason in
`decision_note` (the same sentence as the release's, marked as an upgrade fix). Valid pending claims are
left alone.

No timeline event is written: `_release` writes none of its own either (the merge or the accepted return
it belongs to records the closed claims' ids in its one event), the timeline is append-only and an order's
`version` counts its events (writing one here would change the version of orders being edited), and
there is no actor. The claim's own decision note and time record the fix.

The function reads the historical models only (no service code), so it keeps working as the services change.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone

#: The values as `tickets.choices` has them at this migration (copied: a migration must not follow later changes).
PENDING, REJECTED = "pending", "rejected"
LEAD = "lead"
FORWARDED, RETURNED, WITHDRAWN, COMPLETED = "forwarded", "returned", "withdrawn", "completed"
#: A lead assignment still holding the order: to sign, signed, replied, or its return awaiting the centre's review.
HOLDING = ("pending_sign", "signed", "replied", RETURNED)
CLOSED, MERGED = "closed", "merged"

#: The reasons, as `dispatching._CLAIMS_CLOSED_NOTE` words them, marked as closed by this upgrade.
MARK = "（升级时补关）"
MERGED_NOTE = "工单已并单，申请不再审定" + MARK
RETURNED_NOTE = "工单已退单，申请不再审定" + MARK
LEFT_NOTE = "申请单位已不再主办该工单，申请不再审定" + MARK


def _current_lead(Assignment: Any, ticket_id: int) -> Any:
    """The order's newest lead assignment, as `permissions.current_lead_id` finds it."""
    return (Assignment.objects.filter(ticket_id=ticket_id, role=LEAD)
            .exclude(status=FORWARDED)
            .exclude(status__in=[RETURNED, WITHDRAWN], forwarded_from__isnull=False)
            .order_by("-dispatched_at", "-id").first())


def stale_reason(apps: Any, claim: Any) -> str | None:
    """Why this pending claim can no longer be decided (its closing note), or None if it still can."""
    Assignment = apps.get_model("tickets", "Assignment")
    ReturnRequest = apps.get_model("tickets", "ReturnRequest")
    ticket = claim.ticket
    if ticket.status == MERGED:
        return MERGED_NOTE
    lead = _current_lead(Assignment, ticket.pk)
    this_round = lead is not None and lead.unit_id == claim.unit_id and claim.applied_at >= lead.dispatched_at
    if this_round and (lead.status in HOLDING or (lead.status == COMPLETED and ticket.status == CLOSED)):
        return None
    returned = ReturnRequest.objects.filter(ticket_id=ticket.pk, assignment__unit_id=claim.unit_id,
                                            status="approved", decided_at__gte=claim.applied_at).exists()
    return RETURNED_NOTE if returned else LEFT_NOTE


def close_stale_claims(apps: Any, schema_editor: Any) -> None:
    """Close (驳回, decided by nobody) every pending claim whose unit no longer leads the order."""
    UnreasonableClaim = apps.get_model("tickets", "UnreasonableClaim")
    at = timezone.now()
    pending = UnreasonableClaim.objects.filter(status=PENDING)
    for claim in pending.select_related("ticket").order_by("pk").iterator():
        note = stale_reason(apps, claim)
        if note is not None:
            UnreasonableClaim.objects.filter(pk=claim.pk, status=PENDING).update(
                status=REJECTED, decided_at=at, decision_note=note)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0018_forward"),
    ]

    operations = [
        migrations.RunPython(close_stale_claims, migrations.RunPython.noop, elidable=True),
    ]
