"""Errors of the work-order engine.

    HotlineError
     └── DomainError                 a rule of the centre refused the request; nothing was changed
          ├── TransitionRefused      a lifecycle step cannot be taken
          │    ├── InvalidTransition   not allowed from the order's current status
          │    ├── ConflictError       someone changed the order first (stale copy) -> HTTP 409
          │    └── NotPermitted        this person may not take this step -> HTTP 403
          └── RuleViolation          the step is allowed but its arguments break a rule (e.g. designation required)
"""

from __future__ import annotations


class HotlineError(Exception):
    """Base of every error the platform raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DomainError(HotlineError):
    code = "domain_error"


class TransitionRefused(DomainError):
    code = "transition_refused"


class InvalidTransition(TransitionRefused):
    code = "invalid_transition"


class ConflictError(TransitionRefused):
    code = "conflict"


class NotPermitted(TransitionRefused):
    code = "not_permitted"


class RuleViolation(DomainError):
    code = "rule_violation"
