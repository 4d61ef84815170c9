"""Fake backends for the tests."""

from __future__ import annotations

from hotline.notifications.backends import Message
from hotline.notifications.exceptions import NotificationError


class FailingNotifier:
    """A gateway that is down."""

    def send(self, message: Message) -> None:
        raise NotificationError("gateway down: connection refused")


class CrashingNotifier:
    """A backend with a bug (not even a NotificationError)."""

    def send(self, message: Message) -> None:
        raise ZeroDivisionError("division by zero")
