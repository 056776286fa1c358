"""``qcredit simulate``: what-if grading of a region under changed parameters, writing nothing."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date
from typing import Any

from qcredit.api.cli.common import Subparsers, opened, out, with_db
from qcredit.core import clock
from rich.table import Table


def register(sub: Subparsers) -> None:
    sim = with_db(
        sub.add_parser(
            "simulate", help="what-if: grade a region under changed parameters, writing nothing"
        )
    )
    sim.add_argument("--policy", required=True)
    sim.add_argument("--region", required=True, help="GB/T 2260 code")
    sim.add_argument("--as-of", help="YYYY-MM-DD (default today)")
    sim.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter value (JSON or text); repeatable",
    )
    sim.add_argument("--parameters", help="an override file ([policy] name = value)")
    sim.add_argument("--show", type=int, default=20, help="how many changed subjects to list")
    sim.set_defaults(func=run)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The override file's section for the policy, then each ``--set`` (JSON, else text)."""
    from qcredit.core.parameters import load_override_file

    overrides: dict[str, Any] = {}
    if args.parameters:
        overrides.update(load_override_file(args.parameters).get(args.policy, {}))
    for item in args.set or []:
        name, _, raw = item.partition("=")
        try:
            overrides[name] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[name] = raw
    return overrides


async def _simulate(args: argparse.Namespace, overrides: dict[str, Any], as_of: date) -> Any:
    from qcredit.core.grading.simulation import simulate

    async with opened(args) as (sessions, engine):
        async with sessions() as s:
            return await simulate(s, engine, args.policy, overrides, args.region, as_of)


def run(args: argparse.Namespace) -> int:
    overrides = _overrides(args)
    as_of = date.fromisoformat(args.as_of) if args.as_of else clock.today()
    result = asyncio.run(_simulate(args, overrides, as_of))
    table = Table(
        title=f"{result.policy_id} in {result.region_code} on {result.as_of}: "
        f"{result.subjects} subjects, {len(result.changes)} would change"
    )
    for col in ("subject", "level", "now", "with changes"):
        table.add_column(col)
    for key in sorted(set(result.before) | set(result.after)):
        subject, level = key.split(":", 1)
        table.add_row(subject, level, str(result.before[key]), str(result.after[key]))
    out.print(table)
    for ch in result.changes[: args.show]:
        out.print(f"  {ch.subject_type.value} {ch.subject_id}: {ch.before} → {ch.after}")
    return 0
