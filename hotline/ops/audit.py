"""Audit requirements.lock for known vulnerabilities with pip-audit (PyPI's vulnerability data).

    .venv/bin/python -m hotline.ops.audit [requirements.lock]

Exit 0: every pinned package was checked and none has a known vulnerability.
Exit 1: a vulnerability was found (bump the package, regenerate the lock: docs/security.md).
When the vulnerability data cannot be had (no network, PyPI's per-release API unreachable, a package
unknown to it), the audit says so loudly: INCOMPLETE, with the count and reason. That is a failure (exit 3)
when HOTLINE_AUDIT_STRICT=1 (set it in CI that reaches pypi.org), a loud warning otherwise — never a
silent pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OK, VULNERABLE, INCOMPLETE = 0, 1, 3


@dataclass
class Verdict:
    code: int
    lines: list[str]


def judge(report: dict | None, error: str = "", strict: bool = False) -> Verdict:
    """What pip-audit's JSON report (or its failure) means for the build."""
    incomplete = INCOMPLETE if strict else OK
    if report is None:
        return Verdict(incomplete, [
            "pip-audit: INCOMPLETE — the audit did not run: " + (error.strip().splitlines() or ["unknown error"])[-1],
            "  (PyPI's vulnerability service could not be reached; nothing was checked)"])
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(f"  {dep['name']}=={dep.get('version')}: {vuln.get('id')} (fixed in: {fixes})")
    if vulnerable:
        return Verdict(VULNERABLE, [f"pip-audit: {len(vulnerable)} vulnerable package(s) in requirements.lock:", *lines])
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        return Verdict(incomplete, [
            f"pip-audit: INCOMPLETE — {len(skipped)} of {len(deps)} pinned packages could not be checked "
            f"({'; '.join(reasons)}).",
            "  e.g. " + ", ".join(d["name"] for d in skipped[:5]),
            "  PyPI's per-release vulnerability data was not available here: no vulnerability was found, "
            "but the audit did not really run. Set HOTLINE_AUDIT_STRICT=1 to make this fail."])
    return Verdict(OK, [f"pip-audit: {len(deps)} pinned packages, no known vulnerabilities."])


def run(lock: Path) -> tuple[dict | None, str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip",
             "--progress-spinner", "off", "--format", "json", "--output", str(out)],
            capture_output=True, text=True, check=False, timeout=600)
        if out.exists() and out.stat().st_size:
            return json.loads(out.read_text()), result.stderr
        return None, result.stderr or result.stdout or f"pip-audit exited {result.returncode}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    lock = Path(args[0]) if args else ROOT / "requirements.lock"
    if not lock.is_file():
        print(f"pip-audit: no lock file at {lock} (python -m hotline.ops.lock writes it)")
        return VULNERABLE
    report, error = run(lock)
    verdict = judge(report, error, strict=os.environ.get("HOTLINE_AUDIT_STRICT", "0") == "1")
    print("\n".join(verdict.lines))
    return verdict.code


if __name__ == "__main__":
    sys.exit(main())
