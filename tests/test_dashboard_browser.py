"""The dashboard in a real browser: headless Chromium against the app served by uvicorn on a free
loopback port, with the demo data (read-only).  The page must load, draw the map and the charts
from live API data, and the enterprise file must render; screenshots are saved as test artifacts
in ``artifacts/`` (dashboard.png, enterprise.png).

Chromium is Debian's ``chromium`` package, installed here when missing (CI runs as root with the
Debian archive reachable); a CJK font is installed with it so that the screenshots are legible.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from qcredit.api.app import create_app
from qcredit.api.settings import Settings

from .conftest import IN_CI, issue_token
from .support import gql

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PACKAGES = ("chromium", "fonts-wqy-zenhei")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _installed(package: str) -> bool:
    probe = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return probe.returncode == 0 and "install ok installed" in probe.stdout


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium; installed with apt-get the first time (fast when present)."""
    missing = [p for p in PACKAGES if shutil.which("dpkg-query") and not _installed(p)]
    if missing:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            if IN_CI:
                pytest.fail(f"cannot install {missing}: not root or no apt-get")
            pytest.skip(f"{missing} not installed and cannot be installed here")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                message = f"{' '.join(cmd)} failed: {done.stderr[-2000:]}"
                pytest.fail(message) if IN_CI else pytest.skip(message)
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("chromium is not on this machine after installing it")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(demo_database_url: str) -> Iterator[str]:
    """The app on the demo database, served by uvicorn in a thread on a free loopback port."""
    app = create_app(
        Settings(database_url=demo_database_url, migrate_on_start=False, rate_limit_per_minute=0)
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def browse(chromium: str, url: str, tmp_path: Path, *, screenshot: Path | None = None) -> str:
    """The DOM after the page's scripts ran (and a screenshot of it, if asked)."""
    profile = tmp_path / f"profile-{time.monotonic_ns()}"
    common = [
        chromium,
        *FLAGS,
        f"--user-data-dir={profile}",
        "--window-size=1400,1800",  # tall enough for the charts and the map in one picture
        "--virtual-time-budget=15000",
    ]
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        shot = subprocess.run(
            [*common, f"--screenshot={screenshot}", url], capture_output=True, timeout=120
        )
        assert shot.returncode == 0, shot.stderr[-2000:]
        assert screenshot.stat().st_size > 10_000
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    return dom.stdout


async def admin_token(demo_database_url: str) -> str:
    app = create_app(Settings(database_url=demo_database_url, migrate_on_start=False))
    try:
        return await issue_token(app, "ADMIN")
    finally:
        await app.state.db_engine.dispose()


async def api(served_url: str, query: str, variables: dict, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=served_url, timeout=60) as client:
        result = await gql(client, query, variables, headers)
    assert "errors" not in result, result
    return result["data"]


async def test_dashboard_draws_live_data(
    chromium: str, served: str, demo_database_url: str, tmp_path: Path
) -> None:
    token = await admin_token(demo_database_url)
    truth = await api(
        served,
        """{ regionMap(policy: "jiaxing", regionCode: "330400") {
               region { subjects counts { level count } } subRegions { code colour } } }""",
        {},
        token,
    )
    m = truth["regionMap"]
    url = f"{served}/dashboard?policy=jiaxing&region=330400#token={token}"
    dom = browse(chromium, url, tmp_path, screenshot=ARTIFACTS / "dashboard.png")
    assert 'data-loaded="dashboard"' in dom
    # The map: drawn by ECharts on the counties' outlines (tests/test_dashboard_charts.py reads
    # its colours back from ECharts); the table beside it lists every county.
    assert re.search(r'class="echart region-map-chart outline"[^>]*data-drawn="echarts"', dom)
    for c in m["subRegions"]:
        assert f"{c['code']}</td>" in dom
    # The distribution chart: one bar per level with the API's count.
    bars = dict(re.findall(r'class="bar" data-level="(\w+)" data-count="(\d+)"', dom))
    assert bars == {c["level"]: str(c["count"]) for c in m["region"]["counts"]}
    assert f"评定对象共 {m['region']['subjects']} 个" in dom
    # The trend: stacked segments for past quarter-ends, graded on the fly.
    assert len(re.findall(r'class="segment" data-period="\d{4}Q\d"', dom)) >= 8
    # Warnings and the plan are shown, or their absence is said plainly.
    assert 'id="warnings"' in dom and 'id="plan"' in dom
    assert "加载中" not in dom


async def test_dashboard_for_the_public_hides_counts(
    chromium: str, served: str, tmp_path: Path
) -> None:
    dom = browse(chromium, f"{served}/dashboard?policy=jiaxing&region=330400", tmp_path)
    assert 'data-loaded="dashboard"' in dom and "region-map-chart" in dom
    assert "个评定对象" not in dom  # the tiles carry no counts
    assert "（不可见）" in dom
    assert "评定对象共" not in dom


async def test_enterprise_file_prints_the_whole_file(
    chromium: str, served: str, demo_database_url: str, tmp_path: Path
) -> None:
    token = await admin_token(demo_database_url)
    data = await api(
        served,
        """{ enterprises(filter: {policy: "jiaxing", level: "C"}, first: 1) {
               edges { node { code name assessment(policy: "jiaxing") { level }
                              events(first: 1) { totalCount } } } } }""",
        {},
        token,
    )
    e = data["enterprises"]["edges"][0]["node"]
    url = f"{served}/dashboard/enterprise/{e['code']}#token={token}"
    dom = browse(chromium, url, tmp_path, screenshot=ARTIFACTS / "enterprise.png")
    assert 'data-loaded="file"' in dom
    assert e["name"] in dom and e["code"] in dom
    assert f'data-policy="jiaxing" data-level="{e["assessment"]["level"]}"' in dom
    for section in ("identity", "badges", "assessments", "products", "events", "file-warnings"):
        assert f'id="{section}"' in dom
    assert "评定理由" in dom and "监管措施" in dom
    assert f"/badge/{e['code']}.svg" in dom
    # As the public the same file shows no grade and no ledger.
    public = browse(chromium, f"{served}/dashboard/enterprise/{e['code']}", tmp_path)
    assert 'data-loaded="file"' in public and e["name"] in public
    assert 'data-level="' not in public
    assert "事件台账只对辖区监管部门和企业本身开放" in public
