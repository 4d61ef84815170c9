"""Signals sent after a lifecycle step has committed (side effects: notifications, webhooks, …).

Receivers get ids, never live objects, and must be idempotent: re-fetch what they need and do
nothing if the work is already done (architecture habit 8).
"""

from django.dispatch import Signal

#: Sent on commit of every lifecycle step: kwargs ticket_id, event_id, action, from_status, to_status.
ticket_changed = Signal()
