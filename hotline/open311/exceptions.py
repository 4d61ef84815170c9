"""Errors of the Open311 adapter, each carrying the HTTP status the spec gives it.

    Open311Error
    ├── BadRequest     400 — a missing or malformed field
    ├── Forbidden      403 — no api_key, an unknown or revoked one, or one without the scope
    └── NotFound       404 — an unknown service, request or token
"""

from __future__ import annotations


class Open311Error(Exception):
    status = 400

    def __init__(self, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.descriptions = [str(d) for d in descriptions]


class BadRequest(Open311Error):
    status = 400


class Forbidden(Open311Error):
    status = 403


class NotFound(Open311Error):
    status = 404
