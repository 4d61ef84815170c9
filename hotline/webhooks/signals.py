"""Signals of the deliverer (for other apps: interop records a partner's acknowledgement)."""

from django.dispatch import Signal

#: Sent when a delivery got a 2xx answer: kwargs delivery (the Delivery), body (the answer's bytes).
delivery_succeeded = Signal()
