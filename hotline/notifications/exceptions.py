"""Errors of the notification backends.

    HotlineError (hotline.tickets.exceptions)
     └── NotificationError        a message could not be delivered; recorded on the Notification, never raised into a request
          └── UnsupportedChannel  the configured backend cannot send on this channel
"""

from __future__ import annotations

from hotline.tickets.exceptions import HotlineError


class NotificationError(HotlineError):
    code = "notification_error"


class UnsupportedChannel(NotificationError):
    code = "unsupported_channel"
