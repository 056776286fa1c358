"""``qcredit export``: what a partner may see — the grade-change feed, or a snapshot of the
grades — as CSV, JSON Lines or XLSX (docs/export.md).

What each audience sees is the API's own rule: the SQL condition of
:func:`~qcredit.api.graphql.visibility.grade_visible` for stored grades and changes, and
:func:`~qcredit.core.disclosure.reviews.verdict` for a past date graded on the spot.  Bad input is
refused with one line and exit status 2 before anything is read or written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from qcredit.api.cli.common import Subparsers, console, opened, with_db, write_output
from qcredit.api.settings import ISSUER_ENV
from qcredit.core import clock
from qcredit.core.disclosure.callers import CallerRole, Principal, checked_principal
from qcredit.core.errors import InvalidInput

if TYPE_CHECKING:
    from qcredit.core.disclosure.export import Export

AUDIENCES = ["DEPARTMENT", "INDUSTRY", "PUBLIC", "REGULATOR", "ADMIN"]


def register(sub: Subparsers) -> None:
    ex = with_db(sub.add_parser("export", help="export what a partner may see of the grades"))
    ex.add_argument("--for", dest="role", default="DEPARTMENT", choices=AUDIENCES)
    ex.add_argument("--department", help="the receiving department (needed with --for DEPARTMENT)")
    ex.add_argument(
        "--region",
        action="append",
        help="only subjects in this GB/T 2260 region (repeatable); for REGULATOR and ADMIN "
        "also the regions they act for",
    )
    ex.add_argument("--since", type=int, help="feed: the cursor the previous export printed")
    ex.add_argument("--snapshot", action="store_true", help="the grades instead of the changes")
    ex.add_argument("--as-of", help="with --snapshot: the grades on this past date (YYYY-MM-DD)")
    ex.add_argument("--format", choices=["csv", "jsonl", "xlsx"], default="csv")
    ex.add_argument("--encoding", choices=["utf-8", "gb18030"], help="csv only (default utf-8)")
    ex.add_argument("--issuer", help=f"the issuing bureau for the XLSX (default ${ISSUER_ENV})")
    ex.add_argument("--output", "-o", help="file (default: standard output)")
    ex.set_defaults(func=run)


@dataclass(frozen=True)
class Request:
    """A checked ``qcredit export`` command line."""

    principal: Principal
    regions: tuple[str, ...]
    since: int
    snapshot: bool
    as_of: date | None  # None: today's standing grades
    issuer: str | None


def _principal(args: argparse.Namespace, regions: tuple[str, ...]) -> Principal:
    """The caller the export is for, validated as a token's claims are."""
    role = CallerRole(args.role)
    if role is CallerRole.DEPARTMENT and args.department is None:
        raise InvalidInput("--for DEPARTMENT needs --department NAME", field="department")
    if role is not CallerRole.DEPARTMENT and args.department is not None:
        raise InvalidInput("--department goes only with --for DEPARTMENT", field="department")
    if role is CallerRole.REGULATOR and not regions:
        raise InvalidInput("--for REGULATOR needs the --region it acts for", field="region")
    if role is CallerRole.PUBLIC:
        return Principal(subject="cli:PUBLIC")
    return checked_principal(
        role=role.value,
        # For the bureau --region is also where it acts; a partner's regions only filter.
        regions=regions if role in (CallerRole.REGULATOR, CallerRole.ADMIN) else (),
        department=args.department,
        subject=f"cli:{(args.department or role.value).strip()}",
    )


def _as_of(args: argparse.Namespace) -> date | None:
    if args.as_of is None:
        return None
    if not args.snapshot:
        raise InvalidInput("--as-of goes only with --snapshot", field="asOf")
    try:
        on = date.fromisoformat(args.as_of)
    except ValueError:
        raise InvalidInput(
            f"--as-of {args.as_of!r} is not a YYYY-MM-DD date", field="asOf"
        ) from None
    today = clock.today()
    if on > today:
        raise InvalidInput(f"--as-of {on} is in the future", field="asOf")
    return None if on == today else on


def _check_output(output: str | None) -> None:
    """Refuse a path that cannot be written before any work is done."""
    if output in (None, "-"):
        return
    path = Path(output)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InvalidInput(f"cannot write {output}", field="output")
    if path.exists() and not os.access(path, os.W_OK):
        raise InvalidInput(f"cannot write {output}", field="output")


def checked(args: argparse.Namespace) -> Request:
    from qcredit.core.identifiers import validate_region_code

    regions = tuple(validate_region_code(r, "region") for r in args.region or ())
    principal = _principal(args, regions)
    if args.snapshot and args.since is not None:
        raise InvalidInput("--since is for the feed, not --snapshot", field="since")
    if args.since is not None and args.since < 0:
        raise InvalidInput("--since must be 0 or more", field="since")
    if args.encoding is not None and args.format != "csv":
        raise InvalidInput("--encoding goes only with --format csv", field="encoding")
    issuer = (args.issuer or os.environ.get(ISSUER_ENV) or "").strip() or None
    if args.format == "xlsx" and issuer is None:
        raise InvalidInput(
            f"the workbook names its issuer: --issuer or ${ISSUER_ENV}", field="issuer"
        )
    as_of = _as_of(args)
    _check_output(args.output)
    return Request(principal, regions, args.since or 0, args.snapshot, as_of, issuer)


async def _export(args: argparse.Namespace, req: Request) -> Export:
    from qcredit.api.graphql.visibility import grade_visible
    from qcredit.core.disclosure.export import grade_changes, standing_grades
    from qcredit.core.disclosure.graded import graded_grades
    from qcredit.core.store.tables import GradeChangeRow

    p = req.principal
    async with opened(args) as (sessions, engine):
        async with sessions() as s:
            if not req.snapshot:
                # own_subject=False: the feed reads as the API's gradeChanges does.
                visible = grade_visible(p, GradeChangeRow, "current", own_subject=False)
                result = await grade_changes(
                    s, engine.registry, p, visible, since=req.since, regions=req.regions
                )
            elif req.as_of is None:
                result = await standing_grades(
                    s, engine.registry, p, grade_visible(p), regions=req.regions
                )
            else:
                result = await graded_grades(s, engine, p, req.as_of, regions=req.regions)
            await s.commit()  # the export's audit entry
    return result


def _render(args: argparse.Namespace, req: Request, result: Export) -> bytes:
    from qcredit.core.disclosure.export import audience_label
    from qcredit.core.disclosure.flat import csv_bytes, jsonl_bytes
    from qcredit.core.disclosure.workbook import Cover, xlsx_bytes

    if args.format == "csv":
        return csv_bytes(result, args.encoding or "utf-8")
    if args.format == "jsonl":
        return jsonl_bytes(result)
    assert req.issuer is not None  # checked() refuses an XLSX without one
    return xlsx_bytes(result, Cover(req.issuer, clock.today(), audience_label(req.principal)))


def run(args: argparse.Namespace) -> int:
    req = checked(args)
    result = asyncio.run(_export(args, req))
    try:
        write_output(_render(args, req, result), args.output)
    except OSError as exc:
        raise InvalidInput(f"cannot write {args.output}: {exc.strerror}", field="output") from None
    if result.is_feed:
        console.print(f"{len(result.rows)} changes exported; next --since {result.next_cursor}")
    else:
        console.print(f"{len(result.rows)} grades exported")
    return 0
