"""Web pages and pictures served beside the GraphQL API (maps, verification pages, dashboard).

``routes`` is mounted by ``create_app``.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
