"""Every page the app serves loads nothing from outside the server (docs/offline.md): bureaus run
qcredit on intranets with no internet.

Through the ASGI client, on the demo data: GraphiQL at ``/graphql``, the dashboard, the enterprise
file, the verification page, the map and badge pictures, every file under ``api/web/static``
(the vendored libraries included) and every local asset a page or stylesheet names.  What a
browser interprets (HTML, CSS, JS, SVG) must name no other host where a browser would load it
(``src``/``href``, ``url()``, ``@import``, ``import()``, ``fetch``, workers), protocol-relative
``//host`` included; and any other ``http(s)://`` it contains must be one of the known mentions
below — text a library prints or a namespace name, never requested.  The browser test
(tests/test_offline_browser.py) checks the same from the other side: no request leaves.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.api.web.pages import STATIC

from .support import gql

INTERPRETED = {".html", ".css", ".js", ".mjs", ".svg"}
# Hosts named in served files without being loaded: XML namespace names and the links in the
# vendored libraries' licence headers and error messages.
MENTIONED = {
    "www.w3.org",  # xmlns / namespace URIs (SVG, XLink, XHTML, MathML)
    "www.apache.org",  # ECharts' licence header
    "github.com",  # licence headers and GraphiQL's error message pointing to its CDN example
    "reactjs.org",  # React's minified error messages: "visit https://reactjs.org/docs/error-…"
    "radix-ui.com",  # a development warning of Radix UI inside GraphiQL
    "en.wikipedia.org",  # a comment in GraphiQL's bundled number parsing
    "commonmark.org",  # markdown-it's documentation link inside GraphiQL
    "codemirror.net",  # CodeMirror's documentation link inside GraphiQL
}
OWN_HOST = "intranet.test"  # the ASGI client's base URL: the server's own address
ANY_URL = re.compile(r"\bhttps?://([A-Za-z0-9.-]+)", re.I)
# A URL where a browser would fetch it: an attribute or property, CSS url()/@import, a dynamic
# import, fetch, a worker — absolute to any host or protocol-relative.
LOADED = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data)\s*[=:]"""
    r"""|\burl\(|@import\b(?:\s+url\()?|\bimport\s*\(|\bfetch\s*\(|\bimportScripts\s*\("""
    r"""|\bnew\s+(?:Shared)?Worker\s*\(|\bfrom\s)"""
    r"""\s*["'`]?\s*(?:https?:)?//([A-Za-z0-9][A-Za-z0-9.-]*)""",
    re.I,
)
# Links a user may click in GraphiQL's UI (its logo, the CodeMirror keymap manual) are React
# anchors: a navigation in a new tab, never loaded by the page.
ANCHOR = re.compile(r"""jsxs?\("a",\{(?:className:"[^"]*",)?href:"https://([A-Za-z0-9.-]+)""")
LOCAL_REF = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']|\burl\(\s*["']?)(/[^/"')][^"')\s]*)""")


def remote_references(text: str) -> list[str]:
    """What in ``text`` points outside the server, or an unknown host's URL."""
    text = ANCHOR.sub(lambda m: "" if m.group(1) in MENTIONED else m.group(0), text)
    found = [m.group(0).strip() for m in LOADED.finditer(text) if m.group(1) != OWN_HOST]
    found += [
        m.group(0)
        for m in ANY_URL.finditer(text)
        if m.group(1).lower() not in {*MENTIONED, OWN_HOST}
    ]
    return found


@pytest.fixture(scope="module")
async def served(demo_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(
            database_url=demo_database_url,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            public_url=f"http://{OWN_HOST}",  # the address it publishes is its own
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{OWN_HOST}"
    ) as client:
        yield client
    await app.state.db_engine.dispose()


async def pages(client: httpx.AsyncClient) -> list[str]:
    data = await gql(client, "{ enterprises(first: 1) { edges { node { code } } } }")
    code = data["data"]["enterprises"]["edges"][0]["node"]["code"]
    static = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file())
    return [
        "/graphql",
        "/dashboard",
        "/dashboard?policy=jiaxing&region=330400",
        f"/dashboard/enterprise/{code}",
        f"/verify/{code}",
        "/maps/jiaxing/330400.svg",
        f"/badge/{code}.svg",
        *(f"/dashboard/static/{path}" for path in static),
    ]


def _interpreted(path: str, response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return Path(urlsplit(path).path).suffix in INTERPRETED or kind.startswith(
        ("text/html", "text/css", "image/svg", "text/javascript", "application/javascript")
    )


async def test_no_page_loads_anything_from_outside_the_server(
    served: httpx.AsyncClient,
) -> None:
    queue = await pages(served)
    seen: set[str] = set()
    offending: dict[str, list[str]] = {}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = await served.get(path, headers={"Accept": "text/html,*/*"})
        assert response.status_code == 200, (path, response.status_code)
        if not _interpreted(path, response):
            continue  # licence texts, the vendored README: served, never interpreted
        text = response.text
        if found := remote_references(text):
            offending[path] = sorted(set(found))[:10]
        # Local assets named by a page or a stylesheet are fetched and checked too (a script's
        # paths are templates, and every static file is on the list already).
        if not response.headers.get("content-type", "").startswith("text/javascript"):
            queue += [urlsplit(urljoin(path, ref)).path for ref in LOCAL_REF.findall(text)]
    assert not offending, offending
    assert any("/vendor/graphiql-" in p for p in seen), "GraphiQL's assets were not reached"


async def test_graphiql_is_served_from_the_vendored_files(served: httpx.AsyncClient) -> None:
    html = (await served.get("/graphql", headers={"Accept": "text/html"})).text
    assert '<html lang="zh-CN">' in html
    for asset in re.findall(r'(?:src|href)="(/dashboard/static/vendor/[^"]+)"', html):
        assert (await served.get(asset)).status_code == 200, asset
    assert "graphiql.min.js" in html and "react-dom.production.min.js" in html
    assert "subscriptionUrl" in html and "isHeadersEditorEnabled: true" in html


def test_the_check_catches_what_a_browser_would_load() -> None:
    for bad in (
        '<script src="https://cdn.example.com/x.js">',
        "<link href='//fonts.example.com/css'>",
        "@import url(https://fonts.googleapis.com/css2?family=Noto);",
        '@import "//fonts.example.com/a.css";',
        "body { background: url(//img.example.com/a.png) }",
        'import("https://esm.example.com/m.js")',
        "see https://unknown.example.org/",
        'p.jsx("a",{href:"https://unknown.example.org/"})',
    ):
        assert remote_references(bad), bad
    for fine in (
        '<svg xmlns="http://www.w3.org/2000/svg">',
        '<script src="/dashboard/static/vendor/react-18.3.1/react.production.min.js">',
        "// a comment, then a//b division",
        "url(data:font/woff2;base64,d09GMgABAAAAAA2QAA4A)",
        f"<title>http://{OWN_HOST}/verify/x</title>",
        'p.jsx("a",{href:"https://github.com/graphql/graphiql",target:"_blank"})',
    ):
        assert not remote_references(fine), fine


def test_the_vendored_releases_match_their_manifest() -> None:
    """Each folder is a row of static/vendor/README.md (what ``make vendor`` reads), holding
    exactly the listed files, its licence among them."""
    vendor = STATIC / "vendor"
    rows = re.findall(
        r"^\| ([a-z][\w-]*) \| (\S+) \| (\S+) \| (sha512-\S+) \| ([^|]+) \|$",
        (vendor / "README.md").read_text(encoding="utf-8"),
        re.M,
    )
    assert {f"{p}-{v}" for p, v, *_ in rows} == {d.name for d in vendor.iterdir() if d.is_dir()}
    for package, version, _licence, _integrity, files in rows:
        names = {Path(f).name for f in files.split()}
        assert "LICENSE" in names
        assert {f.name for f in (vendor / f"{package}-{version}").iterdir()} == names
