"""``qcredit export``: the grade changes a partner may see, as CSV, JSON Lines or XLSX."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from qcredit.api.cli.common import Subparsers, console, opened, with_db, write_output


def register(sub: Subparsers) -> None:
    ex = with_db(sub.add_parser("export", help="export grade changes a partner may see"))
    ex.add_argument(
        "--for",
        dest="role",
        default="DEPARTMENT",
        choices=["DEPARTMENT", "INDUSTRY", "PUBLIC", "REGULATOR", "ADMIN"],
    )
    ex.add_argument("--department", default="DEPARTMENT", help="who receives it (audit log)")
    ex.add_argument("--region", action="append", help="for REGULATOR exports")
    ex.add_argument("--since", type=int, default=0, help="cursor from the previous export")
    ex.add_argument("--format", choices=["csv", "jsonl", "xlsx"], default="csv")
    ex.add_argument("--output", "-o", help="file (default: standard output)")
    ex.set_defaults(func=run)


async def _changes(args: argparse.Namespace) -> Any:
    from qcredit.core.disclosure.callers import CallerRole, Principal
    from qcredit.core.disclosure.export import grade_changes

    role = CallerRole(args.role)
    principal = Principal(
        role=role,
        regions=tuple(args.region or ()),
        department=args.department if role is CallerRole.DEPARTMENT else None,
        subject=f"cli:{args.department or role.value}",
    )
    async with opened(args) as (sessions, engine):
        async with sessions() as s:
            result = await grade_changes(s, engine.registry, principal, since=args.since)
            await s.commit()  # the export's audit entry
    return result


def run(args: argparse.Namespace) -> int:
    from qcredit.core.disclosure.export import render

    result = asyncio.run(_changes(args))
    write_output(render(result.rows, args.format), args.output)
    console.print(f"{len(result.rows)} changes exported; next --since {result.next_cursor}")
    return 0
