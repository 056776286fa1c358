"""``qcredit plan``: draw a year's inspection plan (双随机, docs/planning.md); ``--from-inputs``
re-draws a published one without a database."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path
from typing import Any

from qcredit.api.cli.common import Subparsers, console, opened, with_db, write_output
from qcredit.core.supervision import plans as plan_store
from rich.table import Table


def register(sub: Subparsers) -> None:
    pl = with_db(sub.add_parser("plan", help="draw a year's inspection plan (双随机)"))
    pl.add_argument("--policy", required=True)
    pl.add_argument("--region", required=True, help="region code (GB/T 2260)")
    pl.add_argument("--year", type=int, required=True)
    pl.add_argument("--capacity", type=int, required=True, help="checks available")
    pl.add_argument("--seed", required=True, help="published seed of the draw")
    pl.add_argument(
        "--inspectors", help="file of inspector codes, one a line (default: registered)"
    )
    pl.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    pl.add_argument("-o", "--output", help="file to write the plan to (default: stdout)")
    pl.add_argument("--save", action="store_true", help="store the plan in the database")
    pl.add_argument("--inputs-out", help="write the canonical inputs (JSON) for a public re-draw")
    pl.add_argument("--from-inputs", help="re-draw from published inputs, without a database")
    pl.set_defaults(func=run)


def _inspector_codes(path: str | None) -> list[str] | None:
    """The first column of each line; ``#`` comments and a CSV header skipped."""
    if not path:
        return None
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    codes = [ln.split(",")[0].strip() for ln in lines if ln.strip() and ln[0] != "#"]
    return [c for c in codes if c.lower() != "code"]


async def _draw(args: argparse.Namespace, codes: list[str] | None) -> tuple[Any, Any]:
    """The gathered inputs and the plan's view, stored first with ``--save``."""
    from qcredit.core.supervision.plans import draw

    async with opened(args) as (sessions, engine):
        policy = engine.registry.policy(args.policy)
        async with sessions() as s:
            g = await plan_store.gather(
                s, engine, policy, args.region, args.year, args.capacity, args.seed, codes
            )
            plan = draw(g.input)
            if args.save:
                plan_id = await plan_store.store(s, plan, g, "cli")
                await s.commit()
                return g, await plan_store.view_of_stored(s, plan_id)
            await s.commit()
            return g, plan_store.view_of_drawn(plan, g)


def _redraw(path: str) -> Any:
    from qcredit.core.supervision.plans import draw, input_from_json

    inp = input_from_json(Path(path).read_text(encoding="utf-8"))
    return plan_store.view_of_drawn(draw(inp), plan_store.Gathered(inp, date.min, {}, {}, {}))


def _print_summary(view: Any) -> None:
    table = Table(
        title=f"{view.policy_id} {view.region_code} {view.year}: {len(view.items)} checks of "
        f"{view.capacity}, seed {view.seed!r}" + (f", stored as plan {view.id}" if view.id else "")
    )
    for col in ("level", "subjects", "excluded", "required", "planned", "drawn", "share"):
        table.add_column(col)
    for lv in view.levels:
        table.add_row(
            lv["level"], str(lv["subjects"]), str(lv["excluded"]), str(lv["requiredChecks"]),
            str(lv["plannedChecks"]), str(lv["drawnAtRandom"]), f"{lv['share']:.1%}",
        )  # fmt: skip
    console.print(table)
    for sf in view.shortfalls:
        console.print(f"[yellow]shortfall {sf['kind']}: {sf['text']}")
    for note in view.notes:
        console.print(note)
    console.print(f"inputs digest {view.inputs_digest}")


def run(args: argparse.Namespace) -> int:
    from qcredit.core.supervision.plans import canonical_json

    codes = _inspector_codes(args.inspectors)
    if args.from_inputs:
        view = _redraw(args.from_inputs)
    else:
        g, view = asyncio.run(_draw(args, codes))
        if args.inputs_out:
            Path(args.inputs_out).write_text(canonical_json(g.input), encoding="utf-8")
    _print_summary(view)
    write_output(plan_store.render(view, args.format), args.output)
    return 0
