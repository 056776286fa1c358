"""``qcredit serve``: the GraphQL API under uvicorn."""

from __future__ import annotations

import argparse
import os

from qcredit.api.cli.common import Subparsers, database, with_db
from qcredit.api.cli.startup import check_startup, trusted_proxies, whole_number_at_least_one


def register(sub: Subparsers) -> None:
    s = with_db(sub.add_parser("serve", help="run the GraphQL API"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=whole_number_at_least_one, default=1)
    s.add_argument(
        "--forwarded-allow-ips",
        help="comma-separated addresses or networks of the reverse proxies whose "
        "X-Forwarded-For is believed (default: $QCREDIT_FORWARDED_ALLOW_IPS, else none)",
    )
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    proxies = trusted_proxies(args.forwarded_allow_ips)
    check_startup(args)  # the database, its migrations, the port: one line each when they fail
    database(args)  # exported: each worker's create_app reads it
    # The base of the URLs the server publishes (a badge's verification page), exported like the
    # database for every worker: never the Host header a caller sends (docs/hardening.md).
    if not os.environ.get("QCREDIT_PUBLIC_URL"):
        os.environ["QCREDIT_PUBLIC_URL"] = f"http://{args.host}:{args.port}"
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
