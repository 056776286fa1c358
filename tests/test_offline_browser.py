"""Every page works in headless Chromium with no internet (docs/offline.md).

Debian's Chromium (installed as tests/test_dashboard_browser.py does) is driven over the Chrome
DevTools Protocol against uvicorn serving the demo data on loopback.  Every other host is
unreachable twice over: host names resolve to nothing but 127.0.0.1, and whatever would still go
out is sent to a proxy that refuses it and logs it.  The browser's own request log must show
nothing but the server; GraphiQL must render its editor, take a query and a bearer token typed
into its editors, answer it, and open its graphql-transport-ws subscription socket.
Screenshots: artifacts/offline-*.png (git-ignored).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import socketserver
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from qcredit.api.web.graphiql import vendored

from . import test_dashboard_browser as dashboard_browser
from .test_dashboard_browser import ARTIFACTS, FLAGS, admin_token, api

chromium = dashboard_browser.chromium  # Debian's chromium, installed when missing
served = dashboard_browser.served  # uvicorn on the demo data, on a free loopback port
# Chromium's own background services (updates, network time, autofill, sign-in): blocked and
# logged like the rest, but not asked for by a page.  Google's font hosts are never among them.
BROWSER_SERVICE = re.compile(
    r"^(?:CONNECT |[A-Z]+ http://)(?!fonts\.)[a-z0-9.-]*\b(?:google\.com|googleapis\.com)[:/]"
)
PATIENCE = 90.0  # seconds for any one step: a 2-core machine loading GraphiQL's 1 MB bundle


class RefusingProxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy on loopback that refuses every request and keeps its first line."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline(4096).decode("latin-1").strip()
            self.server.requests.append(line)  # type: ignore[attr-defined]
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture(scope="module")
def proxy() -> Iterator[RefusingProxy]:
    server = RefusingProxy()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "offline-blocked-requests.txt").write_text("\n".join(server.requests) + "\n")


class Page:
    """One browser tab over CDP: commands, and the events kept for the test to read."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict]] = {}
        self.events: list[dict] = []
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.socket:
                message = json.loads(raw)
                if "id" in message and message["id"] in self.waiting:
                    self.waiting.pop(message["id"]).set_result(message)
                else:
                    self.events.append(message)

    async def send(self, method: str, **params: Any) -> dict:
        number = next(self.ids)
        self.waiting[number] = asyncio.get_running_loop().create_future()
        await self.socket.send(json.dumps({"id": number, "method": method, "params": params}))
        reply = await asyncio.wait_for(self.waiting[number], PATIENCE)
        assert "error" not in reply, (method, reply["error"])
        return reply["result"]

    async def run(self, script: str) -> Any:
        """The value of a JavaScript expression (awaited when it is a promise)."""
        result = await self.send(
            "Runtime.evaluate", expression=script, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    async def until(self, script: str, what: str) -> Any:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            if value := await self.run(script):
                return value
            await asyncio.sleep(0.25)
        pytest.fail(f"{what}: not within {PATIENCE:.0f} s")

    async def open(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.until("document.readyState === 'complete'", f"{url} loading")

    async def screenshot(self, name: str) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        path = ARTIFACTS / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.stat().st_size > 10_000, path

    def requested(self) -> list[str]:
        """Every URL the tab requested or opened a websocket to."""
        return [
            e["params"].get("request", e["params"]).get("url", "")
            for e in self.events
            if e.get("method") in ("Network.requestWillBeSent", "Network.webSocketCreated")
        ]


@contextlib.asynccontextmanager
async def offline_tab(chromium: str, proxy: RefusingProxy, tmp_path: Path) -> AsyncIterator[Page]:
    """Chromium with every host but 127.0.0.1 unreachable, and its first tab over CDP."""
    profile = tmp_path / f"profile-{time.monotonic_ns()}"
    browser = subprocess.Popen(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
            "--remote-debugging-port=0",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--proxy-server=http://127.0.0.1:{proxy.server_address[1]}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + PATIENCE
        while not (port_file.exists() and len(port_file.read_text().split()) == 2):
            if time.monotonic() > deadline or browser.poll() is not None:
                pytest.fail("chromium did not open its DevTools port")
            await asyncio.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = await asyncio.to_thread(_targets, port)
        tab = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(
            tab["webSocketDebuggerUrl"], max_size=None, open_timeout=PATIENCE
        ) as socket:
            page = Page(socket)
            try:
                await page.send("Network.enable")
                await page.send("Page.enable")
                yield page
            finally:
                page.reader.cancel()
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=30)
        except subprocess.TimeoutExpired:
            browser.kill()


def _targets(port: str) -> list[dict]:
    import httpx

    return httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=PATIENCE).json()


def pages_blocked(proxy: RefusingProxy) -> list[str]:
    """Requests the proxy refused that were not Chromium's own background services."""
    return [r for r in proxy.requests if not BROWSER_SERVICE.match(r)]


def _outside(urls: list[str], served: str) -> list[str]:
    local = (served, served.replace("http://", "ws://"), "data:", "blob:", "about:")
    return [u for u in urls if not u.startswith(local)]


# CodeMirror 5 editors of GraphiQL: the instance hangs on its wrapper element.
EDITOR = "document.querySelector('{} .CodeMirror').CodeMirror"
QUERY_EDITOR = EDITOR.format(".graphiql-query-editor")
HEADERS_EDITOR = EDITOR.format(".graphiql-editor-tool .graphiql-editor:not(.hidden)")
RESPONSE = EDITOR.format(".graphiql-response")
QUERY = """{ enterprises(filter: {policy: "jiaxing", level: "C"}, first: 1) {
    totalCount edges { node { code assessment(policy: "jiaxing") { level } } } } }"""


async def type_into(page: Page, editor: str, text: str) -> None:
    """Empty the editor, focus it and type ``text`` through the browser's input."""
    await page.run(f"{editor}.setValue(''), {editor}.focus(), true")
    await page.send("Input.insertText", text=text)
    assert await page.run(f"{editor}.getValue()") == text
    await asyncio.sleep(3)  # GraphiQL parses the operation after a debounce; run it after that


async def test_graphiql_works_offline(
    chromium: str, served: str, proxy: RefusingProxy, demo_database_url: str, tmp_path: Path
) -> None:
    token = await admin_token(demo_database_url)
    truth = await api(served, QUERY, {}, token)
    public = await api(served, QUERY, {})
    assert truth != public  # the token typed into the headers editor must make the difference
    async with offline_tab(chromium, proxy, tmp_path) as page:
        await page.open(f"{served}/graphql")
        await page.until(f"!!{QUERY_EDITOR}", "GraphiQL's query editor")
        assert await page.run("document.documentElement.lang") == "zh-CN"
        await page.screenshot("offline-graphiql-editor.png")

        await type_into(page, QUERY_EDITOR, QUERY)
        await page.run(
            "[...document.querySelectorAll('.graphiql-editor-tools button')]"
            ".find(b => b.textContent.trim() === 'Headers').click(), true"
        )
        await page.until(f"!!{HEADERS_EDITOR}", "GraphiQL's headers editor")
        await type_into(page, HEADERS_EDITOR, json.dumps({"Authorization": f"Bearer {token}"}))
        await page.run("document.querySelector('.graphiql-execute-button').click(), true")
        answer = await page.until(f"{RESPONSE}.getValue()", "GraphiQL's answer")
        assert json.loads(answer) == {"data": truth}
        await page.screenshot("offline-graphiql-answer.png")

        # A subscription opens graphql-transport-ws from the bundled client, and is accepted.
        await type_into(
            page,
            QUERY_EDITOR,
            'subscription { assessmentChanged(policy: "jiaxing", regionCode: "330400") '
            "{ enterpriseCode } }",
        )
        await page.run("document.querySelector('.graphiql-execute-button').click(), true")
        deadline = time.monotonic() + PATIENCE
        while not any(
            e.get("method") == "Network.webSocketFrameReceived"
            and "connection_ack" in e["params"]["response"]["payloadData"]
            for e in page.events
        ):
            assert time.monotonic() < deadline, "no connection_ack on the subscription socket"
            await asyncio.sleep(0.25)
        requested = page.requested()
    assert f"{served}{vendored('graphiql')}/graphiql.min.js" in requested
    assert any(u.startswith(served.replace("http://", "ws://")) for u in requested)
    assert _outside(requested, served) == []
    assert pages_blocked(proxy) == []


async def test_every_page_loads_nothing_from_outside(
    chromium: str, served: str, proxy: RefusingProxy, demo_database_url: str, tmp_path: Path
) -> None:
    token = await admin_token(demo_database_url)
    data = await api(served, "{ enterprises(first: 1) { edges { node { code } } } }", {})
    code = data["enterprises"]["edges"][0]["node"]["code"]
    pages = {
        "offline-dashboard.png": f"/dashboard?policy=jiaxing&region=330400#token={token}",
        "offline-enterprise-file.png": f"/dashboard/enterprise/{code}#token={token}",
        "offline-verify.png": f"/verify/{code}",
        "offline-map.png": "/maps/jiaxing/330400.svg",
    }
    assert not BROWSER_SERVICE.match("CONNECT fonts.googleapis.com:443 HTTP/1.1")
    async with offline_tab(chromium, proxy, tmp_path) as page:
        for name, path in pages.items():
            await page.open(f"{served}{path}")
            if path.startswith("/dashboard"):
                await page.until("!!document.querySelector('[data-loaded]')", path)
            if path.startswith("/dashboard?"):
                # The charts and the map, drawn by the vendored ECharts as SVG.
                drawn = "document.querySelectorAll('.echart[data-drawn=\"echarts\"] svg path')"
                await page.until(f"{drawn}.length > 20", "the dashboard's ECharts charts")
                kinds = (
                    "[...document.querySelectorAll('.echart[data-drawn]')].map(e => e.className)"
                )
                assert {"bar-chart", "stacked-chart", "region-map-chart"} <= {
                    k for c in await page.run(kinds) for k in c.split()
                }
            await asyncio.sleep(1)  # late requests (fonts, images) show in the log too
            await page.screenshot(name)
        requested = page.requested()
    assert len(requested) >= len(pages)
    assert f"{served}{vendored('echarts')}/echarts.min.js" in requested
    assert _outside(requested, served) == []
    assert pages_blocked(proxy) == []
