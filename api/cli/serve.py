"""``qcredit serve``: the GraphQL API under uvicorn.

Before uvicorn starts, what would make it fail is checked and said in one line (``qcredit:
cannot reach the database at …: connection refused``): the database URL, the database itself,
its migrations when the server is not to apply them, and the port.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket

from qcredit.api.cli.common import (
    CannotStart,
    Subparsers,
    database,
    whole_number_at_least_one,
    with_db,
)

FORWARDED_ENV = "QCREDIT_FORWARDED_ALLOW_IPS"


def register(sub: Subparsers) -> None:
    s = with_db(sub.add_parser("serve", help="run the GraphQL API"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=whole_number_at_least_one, default=1)
    s.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get(FORWARDED_ENV, ""),
        help="comma-separated addresses or networks of the reverse proxies whose "
        f"X-Forwarded-For is believed (default: ${FORWARDED_ENV}, else none)",
    )
    s.set_defaults(func=run)


def _check_port(host: str, port: int) -> None:
    """Bind and release the address as uvicorn will (SO_REUSEADDR), to say why it cannot."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise CannotStart(
            f"cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()}"
        ) from exc


async def _check_database(url: str) -> None:
    from qcredit.api.settings import Settings
    from qcredit.core.store.db import check_reachable, create_engine, shown
    from qcredit.core.store.migrate import require_current

    await check_reachable(url)
    if not Settings(database_url=url).migrate_on_start:
        engine = create_engine(url)
        try:
            await require_current(engine, shown(url))
        finally:
            await engine.dispose()


def run(args: argparse.Namespace) -> int:
    import uvicorn

    url = database(args)  # exported: each worker's create_app reads it
    proxies = [p.strip() for p in args.forwarded_allow_ips.split(",") if p.strip()]
    os.environ[FORWARDED_ENV] = ",".join(proxies)  # Settings.forwarded_allow_ips, every worker
    asyncio.run(_check_database(url))
    _check_port(args.host, args.port)
    uvicorn.run(
        "qcredit.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        # uvicorn's default believes X-Forwarded-For from 127.0.0.1: anyone on the host could
        # pick the address the rate limit counts.  Only the configured proxies, if any.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )
    return 0
