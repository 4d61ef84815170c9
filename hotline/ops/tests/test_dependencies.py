"""requirements.lock pins every dependency; the audit never passes silently."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from hotline.ops import audit

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_every_runtime_and_dev_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    lines = [line for line in (ROOT / "requirements.lock").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    pins = {}
    for line in lines:
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r}"
        pins[_norm(match[1])] = match[2]
    missing = {_norm(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]) for spec in wanted} - set(pins)
    assert not missing, f"refresh the lock (python -m hotline.ops.lock): {sorted(missing)}"
    assert {"django", "argon2-cffi", "prometheus-client", "pip-audit"} <= set(pins)


def _report(*deps: dict) -> dict:
    return {"dependencies": list(deps), "fixes": []}


def test_a_clean_audit_passes() -> None:
    verdict = audit.judge(_report({"name": "django", "version": "5.2.19", "vulns": []}))
    assert verdict.code == audit.OK and "no known vulnerabilities" in verdict.lines[0]


def test_a_vulnerability_fails_with_the_fix() -> None:
    verdict = audit.judge(_report({"name": "django", "version": "5.2.1",
                                   "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"]}]}))
    assert verdict.code == audit.VULNERABLE
    assert "django==5.2.1: PYSEC-2025-1 (fixed in: 5.2.2)" in "\n".join(verdict.lines)


def test_unchecked_packages_are_reported_loudly_and_fail_when_strict() -> None:
    report = _report({"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: x"},
                     {"name": "celery", "version": "5.7.0", "vulns": []})
    lenient, strict = audit.judge(report), audit.judge(report, strict=True)
    assert "INCOMPLETE" in lenient.lines[0] and "1 of 2" in lenient.lines[0] and lenient.code == audit.OK
    assert strict.code == audit.INCOMPLETE


def test_an_audit_that_could_not_run_says_so() -> None:
    verdict = audit.judge(None, "requests.exceptions.ConnectionError: Max retries exceeded", strict=True)
    assert verdict.code == audit.INCOMPLETE and "did not run" in verdict.lines[0]
    assert "ConnectionError" in verdict.lines[0]
