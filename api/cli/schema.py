"""``qcredit schema``: the GraphQL SDL (schema.graphql is its output)."""

from __future__ import annotations

import argparse

from qcredit.api.cli.common import Subparsers, out


def register(sub: Subparsers) -> None:
    sub.add_parser("schema", help="print the GraphQL SDL").set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from qcredit.api.graphql.schema import build_schema

    out.print(build_schema().as_str(), markup=False, highlight=False, soft_wrap=True)
    return 0
