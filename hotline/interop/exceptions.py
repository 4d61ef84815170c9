"""Errors of the interop API.

    InteropError
    ├── BadTransfer    400 — a transfer or acknowledgement that does not hold together
    └── UnknownOrder   404 — no order of ours matches
"""


class InteropError(Exception):
    status = 400


class BadTransfer(InteropError):
    status = 400


class UnknownOrder(InteropError):
    status = 404
