"""PostGraphile v4 on the same PostgreSQL tables, measured with the same wrk settings.

    python bench/postgraphile.py --database postgresql://postgres@127.0.0.1:5432/qc_m
    (or: python bench/http.py --database … --postgraphile)

Runs ``npx postgraphile@4`` from the npm registry against the database qcredit uses and sends the
two read queries of bench/http.py in PostGraphile's own schema: one enterprise (by its unique
code) with its assessments, and a page of 100 enterprises with their assessments.  The stored
assessment payload (reasons, measures, disclosures) is a JSONB column, which PostGraphile returns
whole; qcredit resolves those objects as GraphQL types and applies disclosure per caller, which
PostGraphile does not — the comparison favours PostGraphile.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import httpx  # noqa: E402
from _common import parser  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ONE = """query($code: String!) { enterprisByCode(code: $code) { code name regionCode
  assessmentsByEnterpriseId { nodes { policyId level score asOf subjectType payload } } } }"""
PAGE = """query { allEnterprises(first: 100, orderBy: ID_ASC) { nodes { code name regionCode
  assessmentsByEnterpriseId { nodes { policyId level score asOf subjectType payload } } } } }"""


def pg_url(url: str) -> str:
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops PostGraphile


@contextmanager
def postgraphile(url: str, port: int) -> Iterator[Any]:
    """PostGraphile in a process group of its own, the whole group stopped on the way out (also
    on Ctrl-C, an error or SIGTERM): ``npx`` starts node as its child, and terminating npx alone
    leaves node serving."""
    previous = signal.signal(signal.SIGTERM, _terminated)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [
            *("npx", "-y", "postgraphile@4", "-c", pg_url(url), "--schema", "public"),
            *("--port", str(port), "--host", "127.0.0.1", "--disable-default-mutations"),
            *("--no-setof-functions-contain-nulls", "--disable-query-log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file: a pipe nobody reads would stall node once it filled
        start_new_session=True,
    )
    try:
        yield proc
    except BaseException:
        log.seek(0)
        sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
        raise
    finally:
        stop_group(proc)
        log.close()
        signal.signal(signal.SIGTERM, previous)


def stop_group(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM to the process group, SIGKILL to whatever is left of it after 10 s."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        if _group_gone(proc, grace):
            break
    proc.wait(timeout=5)


def _group_gone(proc: subprocess.Popen[Any], grace: float) -> bool:
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        proc.poll()  # reap npx itself: a zombie still counts as a member of its group
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def run_postgraphile(url: str, code: str, *, seconds: int, connections: int) -> None:
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("qcredit_http_bench", os.path.join(_HERE, "http.py"))
    assert spec and spec.loader
    bench = module_from_spec(spec)
    spec.loader.exec_module(bench)
    port = bench.free_port()
    endpoint = f"http://127.0.0.1:{port}/graphql"
    with postgraphile(url, port):
        queries = {
            "one enterprise + assessments": {"query": ONE, "variables": {"code": code}},
            "page of 100 + assessments": {"query": PAGE},
        }
        for name, body in queries.items():
            bench.wait_ready(endpoint, body, {}, timeout=180)
            for _ in range(3):
                httpx.post(endpoint, json=body, timeout=60)
            r = bench.wrk(endpoint, body, {}, seconds=seconds, connections=connections)
            print(
                f"postgraphile@4 (node, 1 process) | {name:40} | p50 {r['p50_ms']:8.2f} ms | "
                f"p99 {r['p99_ms']:8.2f} ms | {r['rps']:8.1f} req/s | non-2xx {r['errors']}"
            )


async def any_code(url: str) -> str:
    from qcredit.core.store.db import create_engine
    from qcredit.core.store.tables import AssessmentRow, EnterpriseRow
    from sqlalchemy import select

    engine = create_engine(url)
    async with engine.connect() as conn:
        code = (
            await conn.execute(
                select(EnterpriseRow.code)
                .join(AssessmentRow, AssessmentRow.enterprise_id == EnterpriseRow.id)
                .limit(1)
            )
        ).scalar_one()
    await engine.dispose()
    return str(code)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=8)
    args = p.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit("PostGraphile needs PostgreSQL")
    started = time.perf_counter()
    code = asyncio.run(any_code(args.database))
    run_postgraphile(args.database, code, seconds=args.seconds, connections=args.connections)
    print(f"({time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
