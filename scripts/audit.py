#!/usr/bin/env python3
"""Audit the locked dependencies for known vulnerabilities: Python (pip-audit on constraints.txt)
and JavaScript (npm audit on package-lock.json).

Exit status: 0 no known vulnerability; 1 a known vulnerability (fix it); 2 some dependencies could
not be checked because an advisory service was unreachable (this is not a pass).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OK, VULNERABLE, UNCHECKED = 0, 1, 2


def classify_pip_audit(report: dict) -> tuple[int, list[str]]:
    lines, vulnerable, skipped = [], [], []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped.append(dep)
        elif dep.get("vulns"):
            vulnerable.append(dep)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            lines.append(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        return VULNERABLE, ["Python: known vulnerabilities:", *lines]
    if skipped:
        reasons = {dep["skip_reason"].split(":")[0] for dep in skipped}
        return UNCHECKED, [
            f"Python: {len(skipped)} packages could NOT be checked "
            f"(advisory service unreachable?): {'; '.join(sorted(reasons))}"
        ]
    return OK, ["Python: no known vulnerabilities."]


def classify_npm_audit(report: dict) -> tuple[int, list[str]]:
    if "vulnerabilities" not in report:
        message = report.get("message") or report.get("error", {}).get("summary") or "no report"
        return UNCHECKED, [
            f"JavaScript: could NOT be checked (advisory service unreachable?): {message}"
        ]
    found = report["vulnerabilities"]
    if found:
        lines = [f"  {name}: {info.get('severity', '?')}" for name, info in sorted(found.items())]
        return VULNERABLE, ["JavaScript: known vulnerabilities:", *lines]
    return OK, ["JavaScript: no known vulnerabilities."]


def _json(command: list[str], env=None) -> dict:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    try:
        return json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        return {"message": (result.stderr or result.stdout).strip()[-500:]}


def audit_python() -> tuple[int, list[str]]:
    pip_audit = str(Path(sys.executable).with_name("pip-audit"))
    report = _json(
        [pip_audit, "-r", "constraints.txt", "--no-deps", "-f", "json", "--progress-spinner", "off"]
    )
    if "dependencies" not in report:
        return UNCHECKED, [f"Python: could NOT be checked: {report.get('message', 'no report')}"]
    return classify_pip_audit(report)


def audit_javascript() -> tuple[int, list[str]]:
    command = ["npm", "audit", "--package-lock-only", "--json"]
    registry = os.environ.get("NPM_AUDIT_REGISTRY")
    if registry:
        command.append(f"--registry={registry}")
    return classify_npm_audit(_json(command))


def main() -> int:
    statuses = []
    for audit in (audit_python, audit_javascript):
        status, lines = audit()
        statuses.append(status)
        print("\n".join(lines))
    overall = VULNERABLE if VULNERABLE in statuses else max(statuses)
    verdict = {OK: "audit passed", VULNERABLE: "audit FAILED", UNCHECKED: "audit INCOMPLETE"}
    print(verdict[overall])
    return overall


if __name__ == "__main__":
    sys.exit(main())
