"""`make audit` (scripts/audit.py): a known vulnerability fails it, an unreachable advisory
service is reported as such (exit 2), never as a pass."""

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from project.tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


# pip-audit's JSON report, in the shapes it prints (see `pip-audit -f json`).
def test_python_vulnerability_fails_the_audit():
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": []}],
            },
            {"name": "redis", "version": "8.1.0", "vulns": []},
        ]
    }

    status, lines = audit.classify_pip_audit(report)

    assert status == audit.VULNERABLE
    assert "  django 5.2.0: PYSEC-2025-1 (fixed in 5.2.1)" in lines


def test_python_packages_that_could_not_be_checked_are_not_a_pass():
    reason = "Dependency not found on PyPI and could not be audited: redis (8.1.0)"
    report = {"dependencies": [{"name": "redis", "skip_reason": reason}]}

    status, lines = audit.classify_pip_audit(report)

    assert status == audit.UNCHECKED
    assert "could NOT be checked" in lines[0]


def test_python_clean_report_passes():
    report = {"dependencies": [{"name": "redis", "version": "8.1.0", "vulns": []}]}

    assert audit.classify_pip_audit(report)[0] == audit.OK


class FakeAdvisories(BaseHTTPRequestHandler):
    """npm's bulk advisory endpoint, answering with whatever the test sets."""

    answer: tuple[int, dict] = (200, {})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = FakeAdvisories.answer
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        """npm looks up the vulnerable package's versions to say whether a fix exists."""
        name = self.path.strip("/").replace("%2f", "/")
        versions = {v: {"name": name, "version": v} for v in ("2.0.11", "3.0.0")}
        payload = json.dumps(
            {"name": name, "versions": versions, "dist-tags": {"latest": "3.0.0"}}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def npm_registry(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAdvisories)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NPM_AUDIT_REGISTRY", f"http://127.0.0.1:{server.server_address[1]}/")
    yield FakeAdvisories
    server.shutdown()


def test_npm_vulnerability_fails_the_audit(npm_registry):
    npm_registry.answer = (
        200,
        {
            "htmx.org": [
                {
                    "id": 1099999,
                    "url": "https://github.com/advisories/GHSA-xxxx",
                    "title": "Cross-site scripting in htmx",
                    "severity": "high",
                    "vulnerable_versions": "<3.0.0",
                    "cwe": ["CWE-79"],
                    "cvss": {"score": 7.5, "vectorString": None},
                }
            ]
        },
    )

    status, lines = audit.audit_javascript()

    assert status == audit.VULNERABLE, lines
    assert "  htmx.org: high" in lines


def test_npm_clean_audit_passes(npm_registry):
    npm_registry.answer = (200, {})

    assert audit.audit_javascript()[0] == audit.OK


def test_npm_advisory_service_down_is_reported_not_passed(npm_registry):
    npm_registry.answer = (405, {})

    status, lines = audit.audit_javascript()

    assert status == audit.UNCHECKED
    assert "could NOT be checked" in lines[0]
