"""GraphiQL at ``/graphql`` from the server's own files, for intranets with no internet.

Strawberry's built-in page loads React and GraphiQL from a public CDN and stays blank on
"Loading…" without internet. :class:`OfflineGraphQL` serves the same IDE from the copies vendored
under ``static/vendor/`` (their versions, licences and integrity: ``static/vendor/README.md``;
refreshed by ``make vendor``), through the dashboard's static mount, ``/dashboard/static``.

The page keeps what the API's users rely on: the headers editor (a token goes in as
``{"Authorization": "Bearer …"}``, sent over HTTP and in the websocket's ``connection_init``) and
subscriptions over graphql-transport-ws, whose client GraphiQL's UMD build bundles.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from strawberry.asgi import GraphQL

VENDOR = Path(__file__).with_name("static") / "vendor"
VENDOR_URL = "/dashboard/static/vendor"


def vendored(package: str) -> str:
    """URL folder of the one vendored release of ``package`` (``<package>-<version>``)."""
    release = re.compile(rf"{re.escape(package)}-\d[\w.]*")
    found = sorted(p.name for p in VENDOR.iterdir() if p.is_dir() and release.fullmatch(p.name))
    if len(found) != 1:
        raise RuntimeError(f"expected one vendored {package} in {VENDOR}, found {found}")
    return f"{VENDOR_URL}/{found[0]}"


PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qcredit · GraphiQL</title>
<link rel="stylesheet" href="{graphiql}/graphiql.min.css">
<style>
body {{ margin: 0; height: 100vh; overflow: hidden; }}
#graphiql {{ height: 100vh; }}
</style>
<script src="{react}/react.production.min.js"></script>
<script src="{react_dom}/react-dom.production.min.js"></script>
<script src="{graphiql}/graphiql.min.js"></script>
</head>
<body>
<div id="graphiql">正在加载 GraphiQL…</div>
<script>
const url = window.location.origin + window.location.pathname;
const subscriptionUrl = url.replace(/^http/, "ws");
const fetcher = GraphiQL.createFetcher({{ url, subscriptionUrl }});
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {{
    fetcher,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true,
  }}),
);
</script>
</body>
</html>
"""


@cache
def page() -> str:
    """The GraphiQL page, pointing at the vendored releases."""
    return PAGE.format(
        graphiql=vendored("graphiql"), react=vendored("react"), react_dom=vendored("react-dom")
    )


class OfflineGraphQL(GraphQL):
    """Strawberry's ASGI view whose GraphiQL loads nothing from outside the server."""

    @property
    def graphql_ide_html(self) -> str:
        return page() if self.graphql_ide == "graphiql" else super().graphql_ide_html
