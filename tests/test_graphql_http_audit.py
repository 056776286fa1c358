"""GraphQL over HTTP conformance: the graphql-http audit suite (npm ``graphql-http``, its
``auditServer``) against the app served by uvicorn on the demo data must report every audit ok,
with no failure and no warning (docs/api.md, "GraphQL over HTTP").

The npm packages are pinned by ``tests/graphql_http_audit/package-lock.json`` and installed
with ``npm ci`` into the git-ignored ``.cache/npm-audit`` (again only when the lock changes).
Outside CI a machine without node or npm skips this test with the reason; with ``CI=true`` it
fails instead.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from .conftest import IN_CI
from .test_dashboard_browser import served  # noqa: F401  (the fixture: the app on a free port)

HERE = Path(__file__).resolve().parent / "graphql_http_audit"
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "npm-audit"
FILES = ("package.json", "package-lock.json", "audit.mjs")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"the graphql-http audit cannot run in CI: {reason}")
    pytest.skip(reason)


def _installed() -> Path:
    """The cache folder with the pinned packages and a fresh copy of the audit script."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are needed for the graphql-http audit")
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(HERE / name, CACHE / name)
    lock = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()
    stamp = CACHE / "node_modules" / ".qcredit-lock"
    if not stamp.exists() or stamp.read_text() != lock:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=CACHE,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            _unavailable(f"npm ci failed: {done.stderr[-2000:]}")
        stamp.write_text(lock)
    return CACHE


def test_graphql_over_http_audit_has_no_failure_and_no_warning(served: str) -> None:  # noqa: F811
    folder = _installed()
    url = f"{served}/graphql"
    assert httpx.get(f"{served}/health").status_code == 200
    done = subprocess.run(
        ["node", "audit.mjs", url], cwd=folder, capture_output=True, text=True, timeout=300
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-2000:]
    summary = json.loads(lines[-1])
    print("\n".join(lines[:-1]))  # each audit's status, id and name (pytest -s shows them)
    problems = [line for line in lines[:-1] if not line.startswith("ok\t")]
    assert summary["summary"]["error"] == 0, "\n".join(problems)
    assert summary["summary"]["warn"] == 0, "\n".join(problems)
    assert summary["summary"]["ok"] == summary["total"] > 50
    assert done.returncode == 0, done.stderr[-2000:]
