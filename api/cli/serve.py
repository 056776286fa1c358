"""``qcredit serve``: the GraphQL API under uvicorn."""

from __future__ import annotations

import argparse
import os

from qcredit.api.cli.common import Subparsers, database, with_db


def register(sub: Subparsers) -> None:
    s = with_db(sub.add_parser("serve", help="run the GraphQL API"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

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
    )
    return 0
