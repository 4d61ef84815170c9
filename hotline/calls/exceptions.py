"""Errors of the calls app.

    CallsError
    ├── SignatureError      the request is not from a configured PBX (401) or the source is disabled (403)
    └── CallbackError       a callback step refused (nothing changed)
        └── ClaimConflict   someone else holds the callback
"""

from __future__ import annotations


class CallsError(Exception):
    """Base of the calls app's errors; `message` is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureError(CallsError):
    """The CTI request's signature, key or timestamp is wrong."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


class CallbackError(CallsError):
    """A callback step was refused; the callback is unchanged."""


class ClaimConflict(CallbackError):
    """Another agent holds this callback."""
