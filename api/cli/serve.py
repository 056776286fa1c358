"""``qcredit serve``: the GraphQL API under uvicorn."""

from __future__ import annotations

import argparse

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
    uvicorn.run(
        "qcredit.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return 0
