"""The ``qcredit`` command line."""

# The console script ``qcredit = "qcredit.api.cli:main"``. Each command group is a module of its
# own with ``register(subparsers)``; this one only assembles them, in the order of ``--help``.

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from qcredit.api.cli import (
    db,
    demo,
    export,
    grade,
    importing,
    plan,
    scaffold,
    schema,
    serve,
    simulate,
    synth,
    tokens,
)
from qcredit.api.cli.common import CannotStart, console
from qcredit.core import collector
from qcredit.core.errors import QcreditError
from qcredit.core.store.db import DatabaseUnavailable

COMMANDS = (serve, db, schema, importing, demo, grade, synth, simulate, tokens, export, plan)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qcredit", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    sub = p.add_subparsers(dest="command", required=True)
    for command in (*COMMANDS, scaffold):
        command.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "serve":  # the app tunes the collector for serving (api/app.py)
            return int(args.func(args) or 0)
        # Every other command is a batch: grading, importing, exporting, planning.
        with collector.tuned(collector.BATCH):
            return int(args.func(args) or 0)
    except QcreditError as exc:
        if args.debug:
            raise
        field = f" [{exc.field}]" if exc.field else ""
        console.print(
            f"{exc.code}{field}: {exc.message}", style="red", markup=False, soft_wrap=True
        )
        return 2
    except (DatabaseUnavailable, CannotStart) as exc:
        if args.debug:
            raise
        # One plain line, never wrapped: what a service manager's log shows of a failed start.
        print(f"qcredit: {exc}", file=sys.stderr)
        return 1
