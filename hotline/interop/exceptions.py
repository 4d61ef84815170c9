"""Errors of the interop API.

    InteropError
    ├── BadTransfer        400 — a transfer or acknowledgement that does not hold together
    ├── UnknownOrder       404 — no order of ours matches
    ├── ReferenceConflict  409 — the partner's reference already stands for another order of ours
    └── BodyTooLarge       413 — the request body is over the size the centre reads (DATA_UPLOAD_MAX_MEMORY_SIZE)
"""


class InteropError(Exception):
    status = 400


class BadTransfer(InteropError):
    status = 400


class UnknownOrder(InteropError):
    status = 404


class ReferenceConflict(InteropError):
    status = 409


class BodyTooLarge(InteropError):
    status = 413
