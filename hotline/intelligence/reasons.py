"""Reasons in structured form (研判依据): a code and its parameters, in no language.

Plain Python, no Django. The algorithms say *why* (a rule matched these words, 14 of 16 similar orders
went to that unit …) as a `Reason`; the Django side words it in the reader's language, in one place per
app (`hotline.triage.reasons`, `hotline.routing.reasons`), and stores `as_dict()`. The parameters are
data, never sentences: codes (a rule kind), numbers, and what the centre or the citizen typed (rule,
category and unit names, the matched words), which stays as typed in every language.

Codes in use, with their parameters:

* `urgency.hit` — kind (a key of `urgency.KINDS`), words, rule
* `urgency.prior` — category (the order's category name, "" when unknown)
* `repeat.same_caller`, `repeat.same_place`, `cluster.same_place` — similarity (0–1)
* `unreasonable.repeat_answered` — times, answered; `unreasonable.repeat`, `unreasonable.unsatisfied_history`
  — times; `unreasonable.outside_duty`, `unreasonable.against_rules`, `unreasonable.compensation_claim`,
  `unreasonable.leverage` — words; `unreasonable.compensation_amount` — yuan
* `dispatch.catalogue` — category, area, unit, basis; `dispatch.model` — classes ([label, probability] pairs);
  `dispatch.history` — similar, neighbours
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def _frozen(value: Any) -> Any:
    """Lists (from JSON or a caller) as tuples, so that a reason is hashable and compares by value."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    """Tuples as lists, ready for JSON."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Reason:
    """One reason: what kind (`code`) and its parameters (sorted by name, sequences as tuples)."""

    code: str
    args: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, code: str, **params: Any) -> Reason:
        """A reason from keyword parameters: `Reason.of("repeat.same_caller", similarity=0.42)`."""
        return cls(code, tuple(sorted((name, _frozen(value)) for name, value in params.items())))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        """The reason `as_dict()` stored."""
        return cls.of(str(data.get("code", "")), **{k: v for k, v in data.items() if k != "code"})

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.args)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored with a result: {"code": …, <parameter>: …}."""
        return {"code": self.code, **{name: _plain(value) for name, value in self.args}}
