"""The ``qcredit`` command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from qcredit.core import clock
from qcredit.core.errors import QcreditError
from qcredit.core.store.db import DATABASE_ENV, default_url
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console(stderr=True)
out = Console()


def _database(args: argparse.Namespace) -> str:
    url = getattr(args, "database", None) or default_url()
    os.environ[DATABASE_ENV] = url
    return url


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal and os.environ.get("CI") == "true",
    )


# -- commands ------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    _database(args)
    uvicorn.run(
        "qcredit.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from qcredit.core.store.db import create_engine
    from qcredit.core.store.migrate import current_revision, upgrade

    async def run() -> str | None:
        engine = create_engine(_database(args))
        await upgrade(engine)
        rev = await current_revision(engine)
        await engine.dispose()
        return rev

    console.print(f"database at revision {asyncio.run(run())}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from qcredit.api.graphql.schema import build_schema

    out.print(build_schema().as_str(), markup=False, highlight=False, soft_wrap=True)
    return 0


async def _setup(url: str):  # type: ignore[no-untyped-def]
    from qcredit.core.grading.engine import Engine
    from qcredit.core.plugins import Registry
    from qcredit.core.store.db import create_engine, sessionmaker
    from qcredit.core.store.migrate import upgrade

    db = create_engine(url)
    await upgrade(db)
    registry = Registry.load()
    return db, sessionmaker(db), Engine(registry)


def _print_rejections(report) -> None:  # type: ignore[no-untyped-def]
    if not report.rejected:
        return
    table = Table(title=f"{len(report.rejected)} rejected rows")
    for col in ("line", "code", "field", "reason"):
        table.add_column(col)
    for r in report.rejected[:200]:
        table.add_row(str(r.line), r.code, r.field or "", r.message)
    console.print(table)
    if len(report.rejected) > 200:
        console.print(f"… and {len(report.rejected) - 200} more")


def cmd_import(args: argparse.Namespace) -> int:
    from qcredit.core.ledger.importer import import_records, import_records_bulk, read_records

    path = Path(args.file)
    if not path.exists():
        console.print(f"[red]no file {path}")
        return 2

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, engine = await _setup(_database(args))
        total = sum(1 for _ in read_records(path, args.format))
        with _progress() as progress:
            task = progress.add_task(f"importing {path.name}", total=total)
            # --bulk: the same checks and verdicts, written by COPY / executemany (core/bulk.py).
            run_import = import_records_bulk if args.bulk else import_records
            report = await run_import(
                sessions,
                engine,
                read_records(path, args.format),
                batch_size=args.batch if args.batch else (20_000 if args.bulk else 1000),
                regrade=not args.no_regrade,
                progress=lambda n: progress.advance(task, n),
            )
        await db.dispose()
        return report

    started = time.perf_counter()
    report = asyncio.run(run())
    took = time.perf_counter() - started
    console.print(
        f"accepted {report.accepted} ({report.by_type}), already present "
        f"{report.duplicates}, rejected {len(report.rejected)} in {took:.1f}s"
    )
    _print_rejections(report)
    return 1 if report.rejected and args.strict else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from qcredit.core.ledger.importer import import_records
    from qcredit.core.plugins import Registry

    today = clock.today()
    registry = Registry.load()
    numbered = list(enumerate(registry.demo_records(today), start=1))

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, engine = await _setup(_database(args))
        from qcredit.core.grading.run import grade_everything

        with _progress() as progress:
            task = progress.add_task("loading demo data", total=len(numbered))
            # Load everything, then grade once: cheaper than re-grading after every batch.
            report = await import_records(
                sessions,
                engine,
                numbered,
                batch_size=1000,
                regrade=False,
                progress=lambda n: progress.advance(task, n),
            )
            await grade_everything(sessions, engine, engine.registry.all_policies())
        await _demo_inspectors(sessions, engine.registry)
        # Most grades are not public: a local token lets a developer see them in GraphiQL.
        from qcredit.core.disclosure.tokens import create_token

        async with sessions() as s:
            token, _ = await create_token(s, role="ADMIN", expires_days=30, label="demo")
            await s.commit()
        await db.dispose()
        return report, token

    started = time.perf_counter()
    report, token = asyncio.run(run())
    console.print(
        "demo ADMIN token (30 days; in GraphiQL's Headers pane put "
        f'{{"Authorization": "Bearer {token}"}}):\n{token}'
    )
    console.print(
        f"demo: {report.accepted} records loaded ({report.by_type}), "
        f"{report.duplicates} already present, in {time.perf_counter() - started:.1f}s"
    )
    _print_rejections(report)
    return 1 if report.rejected else 0


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "军", "强"]


async def _demo_inspectors(sessions, registry) -> None:  # type: ignore[no-untyped-def]
    """Twelve inspectors for each region a loaded policy covers, and two declared conflicts of
    interest, so that a demo plan draws inspectors (双随机) and shows conflicts honoured."""
    from qcredit.core.identifiers import region_prefix
    from qcredit.core.store.tables import EnterpriseRow
    from qcredit.core.supervision import plans as plan_store
    from sqlalchemy import select

    async with sessions() as s:
        for policy in registry.all_policies():
            for region in policy.region_codes:
                inspectors = []
                for n in range(12):
                    name = SURNAMES[(n * 7 + len(region)) % len(SURNAMES)] + GIVEN[n]
                    inspectors.append(
                        await plan_store.register_inspector(
                            s, f"{region}-{n + 1:02d}", f"{name}（{region}）", region
                        )
                    )
                first = (
                    (
                        await s.execute(
                            select(EnterpriseRow)
                            .where(EnterpriseRow.region_code.startswith(region_prefix(region)))
                            .order_by(EnterpriseRow.id)
                            .limit(2)
                        )
                    )
                    .scalars()
                    .all()
                )
                for ent in first:
                    await plan_store.declare_conflict(s, inspectors[0], ent, "亲属在该企业任职")
        await s.commit()


def cmd_grade(args: argparse.Namespace) -> int:
    from qcredit.core.grading.engine import standing_date
    from qcredit.core.grading.run import grade_everything, level_summary

    as_of = date.fromisoformat(args.as_of) if args.as_of else None

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, engine = await _setup(_database(args))
        policies = (
            [engine.registry.policy(args.policy)] if args.policy else engine.registry.all_policies()
        )
        for p in policies:
            if as_of is not None:
                p.check_in_force(as_of)
            else:
                on = standing_date(p, clock.today())
                if on is None:
                    console.print(f"{p.id}: not yet in force (from {p.effective_from})")
                elif on != clock.today():
                    console.print(f"{p.id}: expired on {p.effective_until}; graded as of {on}")
        with _progress() as progress:
            task = progress.add_task("grading", total=None)
            count = await grade_everything(
                sessions,
                engine,
                policies,
                as_of,
                progress=lambda n, total: progress.update(task, completed=n, total=total),
            )
        async with sessions() as s:
            summary = await level_summary(s, engine.registry, policies)
        await db.dispose()
        return count, summary

    started = time.perf_counter()
    count, summary = asyncio.run(run())
    took = time.perf_counter() - started
    table = Table(title=f"standing grades ({count} enterprises graded in {took:.1f}s)")
    for col in ("policy", "subject", "level", "label", "count"):
        table.add_column(col)
    for row in summary:
        table.add_row(*[str(c) for c in row])
    out.print(table)
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from qcredit.core.grading.run import grade_everything
    from qcredit.core.ledger.importer import import_records_bulk
    from qcredit.core.ledger.synth import SIZES, Generator

    enterprises, products, events = SIZES[args.size]
    console.print(
        f"synth {args.size} (seed {args.seed}): about {enterprises:,} enterprises, "
        f"{products:,} products, {events:,} events"
    )

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, engine = await _setup(_database(args))
        gen = Generator(engine.registry, args.size, args.seed, clock.today())
        started = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task("loading", total=None)
            report = await import_records_bulk(
                sessions,
                engine,
                enumerate(gen.records(), start=1),
                batch_size=args.batch,
                regrade=False,
                progress=lambda n: progress.advance(task, n),
            )
        loaded = time.perf_counter() - started
        graded = 0.0
        if not args.no_grade:
            started = time.perf_counter()
            await grade_everything(sessions, engine, engine.registry.all_policies())
            graded = time.perf_counter() - started
        await db.dispose()
        return report, loaded, graded

    report, loaded, graded = asyncio.run(run())
    console.print(
        f"loaded {report.accepted:,} records ({report.by_type}) in {loaded:.1f}s, "
        f"{report.duplicates:,} already present, {len(report.rejected)} rejected"
        + (f"; graded in {graded:.1f}s" if graded else "")
    )
    _print_rejections(report)
    return 1 if report.rejected else 0


def cmd_simulate(args: argparse.Namespace) -> int:
    import json

    from qcredit.core.grading.simulation import simulate
    from qcredit.core.parameters import load_override_file

    overrides: dict = {}
    if args.parameters:
        overrides.update(load_override_file(args.parameters).get(args.policy, {}))
    for item in args.set or []:
        name, _, raw = item.partition("=")
        try:
            overrides[name] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[name] = raw
    as_of = date.fromisoformat(args.as_of) if args.as_of else clock.today()

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, engine = await _setup(_database(args))
        async with sessions() as s:
            result = await simulate(s, engine, args.policy, overrides, args.region, as_of)
        await db.dispose()
        return result

    result = asyncio.run(run())
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


# -- parser --------------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qcredit", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sp.add_argument(
            "--database",
            help=f"database URL (default: ${DATABASE_ENV} or "
            "./qcredit.db), e.g. postgresql://user@host:5432/db",
        )
        return sp

    s = with_db(sub.add_parser("serve", help="run the GraphQL API"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    s.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    with_db(dbsub.add_parser("upgrade", help="apply migrations")).set_defaults(func=cmd_db_upgrade)

    sub.add_parser("schema", help="print the GraphQL SDL").set_defaults(func=cmd_schema)

    i = with_db(sub.add_parser("import", help="import CSV or JSON Lines"))
    i.add_argument("file")
    i.add_argument("--format", choices=["csv", "jsonl"])
    i.add_argument("--batch", type=int, help="records per batch (default 1000; --bulk 20000)")
    i.add_argument("--bulk", action="store_true", help="bulk path: COPY on PostgreSQL")
    i.add_argument("--no-regrade", action="store_true", help="load only; grade later")
    i.add_argument("--strict", action="store_true", help="exit 1 when any row is rejected")
    i.set_defaults(func=cmd_import)

    with_db(sub.add_parser("demo", help="load the demo dataset")).set_defaults(func=cmd_demo)

    g = with_db(sub.add_parser("grade", help="re-grade every subject"))
    g.add_argument("--policy", help="one policy id (default: all)")
    g.add_argument(
        "--as-of", help="YYYY-MM-DD (default: today, or the last day of an expired policy)"
    )
    g.set_defaults(func=cmd_grade)
    sy = with_db(sub.add_parser("synth", help="load deterministic synthetic data (load tests)"))
    sy.add_argument("--size", choices=["S", "M", "L"], default="S")
    sy.add_argument("--seed", type=int, default=1)
    sy.add_argument("--batch", type=int, default=20_000, help="records per bulk batch")
    sy.add_argument("--no-grade", action="store_true", help="load only; grade later")
    sy.set_defaults(func=cmd_synth)
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
    sim.set_defaults(func=cmd_simulate)

    tok = sub.add_parser("token", help="bearer tokens: create, list, revoke")
    toksub = tok.add_subparsers(dest="token_command", required=True)
    tc = with_db(toksub.add_parser("create", help="create a token; printed once, last line"))
    tc.add_argument(
        "--role",
        required=True,
        choices=["SUBJECT", "REGULATOR", "REVIEWER", "DEPARTMENT", "INDUSTRY", "ADMIN"],
    )
    tc.add_argument("--region", action="append", help="GB/T 2260 code; repeatable")
    tc.add_argument("--department", help="for DEPARTMENT tokens, e.g. 发展改革委")
    tc.add_argument("--enterprise", help="for SUBJECT tokens: the 统一社会信用代码")
    tc.add_argument("--expires", type=int, help="days until it expires")
    tc.add_argument("--label", help="a note on who holds it")
    tc.set_defaults(func=cmd_token)
    with_db(toksub.add_parser("list", help="list tokens (never the secrets)")).set_defaults(
        func=cmd_token
    )
    tr = with_db(toksub.add_parser("revoke", help="revoke a token by id"))
    tr.add_argument("id", type=int)
    tr.set_defaults(func=cmd_token)

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
    ex.set_defaults(func=cmd_export)

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
    pl.set_defaults(func=cmd_plan)

    np = sub.add_parser("new-policy", help="scaffold an outside policy plug-in package")
    np.add_argument("name", help="policy id: lower-case letters, digits, underscores")
    np.add_argument("--dir", default=".", help="where to create qcredit-policy-NAME/")
    np.add_argument("--region", default="110000", help="GB/T 2260 code it applies to")
    np.add_argument("--title", default=None, help="official Chinese title of the document")
    np.set_defaults(func=cmd_new_policy)
    return p


def cmd_token(args: argparse.Namespace) -> int:
    from qcredit.core.disclosure import tokens

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, _ = await _setup(_database(args))
        async with sessions() as s:
            if args.token_command == "create":
                result = await tokens.create_token(
                    s,
                    role=args.role,
                    regions=args.region or [],
                    department=args.department,
                    enterprise_code=args.enterprise,
                    expires_days=args.expires,
                    label=args.label,
                )
            elif args.token_command == "revoke":
                result = await tokens.revoke_token(s, args.id)
            else:
                result = await tokens.list_tokens(s)
            await s.commit()
        await db.dispose()
        return result

    result = asyncio.run(run())
    if args.token_command == "create":
        token, info = result
        console.print(
            f"token {info.id}: {info.role.value} regions={','.join(info.regions) or '-'}"
            f" expires={info.expires_at or 'never'} — shown once, store it now"
        )
        print(token)  # the last line of output: the token itself
    elif args.token_command == "revoke":
        console.print(f"token {result.id} revoked at {result.revoked_at}")
    else:
        table = Table(title="tokens")
        for col in (
            "id",
            "role",
            "regions",
            "department",
            "enterprise",
            "label",
            "expires",
            "status",
        ):
            table.add_column(col)
        for t in result:
            table.add_row(
                str(t.id),
                t.role.value,
                ",".join(t.regions),
                t.department or "",
                t.enterprise_code or "",
                t.label or "",
                str(t.expires_at or ""),
                "active" if t.active else ("revoked" if t.revoked_at else "expired"),
            )
        out.print(table)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from qcredit.core.disclosure.callers import CallerRole, Principal
    from qcredit.core.disclosure.export import grade_changes, render

    role = CallerRole(args.role)
    principal = Principal(
        role=role,
        regions=tuple(args.region or ()),
        department=args.department if role is CallerRole.DEPARTMENT else None,
        subject=f"cli:{args.department or role.value}",
    )

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, engine = await _setup(_database(args))
        async with sessions() as s:
            result = await grade_changes(s, engine.registry, principal, since=args.since)
            await s.commit()
        await db.dispose()
        return result

    result = asyncio.run(run())
    data = render(result.rows, args.format)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
    console.print(f"{len(result.rows)} changes exported; next --since {result.next_cursor}")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Draw a year's inspection plan (docs/planning.md); ``--from-inputs`` re-draws a published
    one without a database."""
    from qcredit.core.supervision import plans as plan_store
    from qcredit.core.supervision.plans import canonical_json, draw, input_from_json

    codes = None
    if args.inspectors:
        lines = Path(args.inspectors).read_text(encoding="utf-8-sig").splitlines()
        codes = [ln.split(",")[0].strip() for ln in lines if ln.strip() and ln[0] != "#"]
        codes = [c for c in codes if c.lower() != "code"]  # a CSV header

    async def run():  # type: ignore[no-untyped-def]
        db, sessions, engine = await _setup(_database(args))
        policy = engine.registry.policy(args.policy)
        async with sessions() as s:
            g = await plan_store.gather(
                s, engine, policy, args.region, args.year, args.capacity, args.seed, codes
            )
            plan = draw(g.input)
            if args.save:
                plan_id = await plan_store.store(s, plan, g, "cli")
                await s.commit()
                view = await plan_store.view_of_stored(s, plan_id)
            else:
                await s.commit()
                view = plan_store.view_of_drawn(plan, g)
        await db.dispose()
        return g, view

    if args.from_inputs:
        inp = input_from_json(Path(args.from_inputs).read_text(encoding="utf-8"))
        plan = draw(inp)
        view = plan_store.view_of_drawn(plan, plan_store.Gathered(inp, date.min, {}, {}, {}))
    else:
        g, view = asyncio.run(run())
        if args.inputs_out:
            Path(args.inputs_out).write_text(canonical_json(g.input), encoding="utf-8")
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
    data = plan_store.render(view, args.format)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
    return 0


def cmd_new_policy(args: argparse.Namespace) -> int:
    from qcredit.api.cli.scaffold import scaffold

    target = scaffold(args.name, Path(args.dir), region=args.region, title=args.title)
    console.print(f"created {target}\nnext: pip install -e {target} && pytest {target}")
    out.print(str(target))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except QcreditError as exc:
        field = f" [{exc.field}]" if exc.field else ""
        console.print(f"[red]{exc.code}{field}: {exc.message}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
