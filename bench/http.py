"""GraphQL over HTTP on loopback, load from wrk in a second process.

    apt-get install -y wrk
    python bench/http.py --database postgresql://postgres@127.0.0.1:5432/qc_m --workers 1 2

Four queries, as an ADMIN token (which may see every level) sends them: one enterprise
with all its assessments, a page of 100 enterprises with their assessments, a region summary
(a policy's colour map of its city) and an aggregate count (how many enterprises hold a level).
For each: p50/p99 latency, requests per second, and the server's CPU time per request (user +
system of the server's processes, from /proc, divided by the requests answered), with 1 and 2
uvicorn worker processes.  ``--postgraphile`` runs PostGraphile v4 (the queries of
bench/postgraphile.py, ``npx postgraphile@4``, one node process in a process group of its own)
on the same tables with the same wrk settings.  On a machine shared with other work the CPU time
per request is the steadier comparison: wrk's rate also measures what else runs.
"""

from __future__ import annotations

import os
import sys

# This file is named like the standard library's ``http`` package, which httpx imports: keep the
# script's own directory (for ``_common``) behind the standard library on the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import asyncio  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402
from _common import parser  # noqa: E402

ASSESSMENT_FIELDS = """policy { id } level score asOf subjectType
  reasons { rule article text } whyNotBetter { rule article text }
  supervision { kind text article minPerYear color }
  publicity { audience allowed needsReview text article }"""

ONE = f"""query($code: String!) {{ enterprise(code: $code) {{
  code name regionCode assessments {{ {ASSESSMENT_FIELDS} }} }} }}"""
PAGE = f"""query {{ enterprises(first: 100) {{ edges {{ node {{
  code name regionCode assessments {{ {ASSESSMENT_FIELDS} }} }} }} }} }}"""
COUNT = """query($policy: String!, $level: String!) {
  enterprises(filter: {policy: $policy, level: $level}) { totalCount } }"""
REGION = """query($policy: String!, $region: String!) {
  regionMap(policy: $policy, regionCode: $region) { policy regionCode asOf
    region { code colour subjects counts { level count } }
    subRegions { code name colour subjects counts { level count } } } }"""

LUA = """wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{auth}
"""


def cpu_seconds(root: int) -> float:
    """User + system CPU time of a process and its children alive now (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in [root, *_descendants(root)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _descendants(root: int) -> list[int]:
    found: list[int] = []
    try:
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    except FileNotFoundError:
        return found
    for child in map(int, children):
        found += [child, *_descendants(child)]
    return found


def measured(url: str, body: dict, headers: dict, pid: int, **wrk_args: int) -> dict:
    """wrk's figures and the server's CPU milliseconds per request over the same run."""
    before = cpu_seconds(pid)
    r = wrk(url, body, headers, **wrk_args)
    requests = r["rps"] * wrk_args["seconds"]
    r["cpu_ms"] = (cpu_seconds(pid) - before) * 1000 / requests if requests else float("nan")
    return r


def line(server: str, name: str, r: dict) -> str:
    return (
        f"{server} | {name:40} | p50 {r['p50_ms']:8.2f} ms | p99 {r['p99_ms']:8.2f} ms | "
        f"{r['rps']:8.1f} req/s | CPU {r['cpu_ms']:7.2f} ms/req | non-2xx {r['errors']}"
    )


def start_postgraphile(url: str) -> tuple[subprocess.Popen, int]:
    """PostGraphile v4 on the database, in its own process group (``stop`` ends node too)."""
    from postgraphile import pg_url  # bench/postgraphile.py

    port = free_port()
    proc = subprocess.Popen(
        [
            *("npx", "-y", "postgraphile@4", "-c", pg_url(url), "--schema", "public"),
            *("--port", str(port), "--host", "127.0.0.1", "--disable-default-mutations"),
            *("--no-setof-functions-contain-nulls", "--disable-query-log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return proc, port


def stop(proc: subprocess.Popen) -> None:
    """Stop a server and every process it started (``npx`` leaves node running otherwise)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_postgraphile(url: str, code: str, *, seconds: int, connections: int) -> None:
    from postgraphile import ONE as PG_ONE  # bench/postgraphile.py
    from postgraphile import PAGE as PG_PAGE

    proc, port = start_postgraphile(url)
    endpoint = f"http://127.0.0.1:{port}/graphql"
    try:
        queries = {
            "one enterprise + assessments": {"query": PG_ONE, "variables": {"code": code}},
            "page of 100 + assessments": {"query": PG_PAGE},
        }
        for name, body in queries.items():
            wait_ready(endpoint, body, {}, timeout=180)
            for _ in range(3):
                httpx.post(endpoint, json=body, timeout=60)
            r = measured(endpoint, body, {}, proc.pid, seconds=seconds, connections=connections)
            print(line("postgraphile@4 (node, 1 process)", name, r), flush=True)
    finally:
        stop(proc)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, body: dict, headers: dict, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = httpx.post(url, json=body, headers=headers, timeout=30)
            got = r.json()
            if "errors" in got:
                raise SystemExit(f"query failed: {got['errors']}")
            return
        except (httpx.TransportError, json.JSONDecodeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def wrk(url: str, body: dict, headers: dict, *, seconds: int, connections: int) -> dict:
    """Run wrk against one POST body; returns p50/p99 (ms) and requests/s."""
    auth = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(LUA.format(body=json.dumps(json.dumps(body)), auth=auth))
        script = fh.name
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script)

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "rps": float(rps.group(1)) if rps else float("nan"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


async def setup(url: str) -> tuple[str, str, str, str, str]:
    """An ADMIN token, an enterprise code, a policy with its region and its commonest level."""
    from qcredit.core.disclosure.tokens import create_token
    from qcredit.core.plugins import Registry
    from qcredit.core.store.db import create_engine, sessionmaker
    from qcredit.core.store.tables import EnterpriseRow, StandingGradeRow
    from sqlalchemy import func, select

    engine = create_engine(url)
    sessions = sessionmaker(engine)
    registry = Registry.load()
    async with sessions() as s:
        token, _ = await create_token(s, role="ADMIN", expires_days=1, label="bench/http.py")
        await s.commit()
        # The policy with the most standing grades, and one of its enterprises.
        policy_id, _n = (
            await s.execute(
                select(StandingGradeRow.policy_id, func.count())
                .group_by(StandingGradeRow.policy_id)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).one()
        code = (
            await s.execute(
                select(EnterpriseRow.code)
                .join(StandingGradeRow, StandingGradeRow.enterprise_id == EnterpriseRow.id)
                .where(StandingGradeRow.policy_id == policy_id)
                .limit(1)
            )
        ).scalar_one()
        level = (
            await s.execute(
                select(StandingGradeRow.level)
                .where(StandingGradeRow.policy_id == policy_id)
                .where(StandingGradeRow.subject_type == "ENTERPRISE")
                .group_by(StandingGradeRow.level)
                .order_by(func.count().desc())
                .limit(1)
            )
        ).scalar_one()
    await engine.dispose()
    region = registry.policy(policy_id).region_codes[0]
    return token, code, policy_id, region, level


def map_policy(url: str, headers: dict) -> tuple[str, str] | None:
    """The first policy (with its first region) that draws a regional map, asked in-process."""
    from qcredit.api.app import create_app
    from qcredit.api.settings import Settings
    from qcredit.core.plugins import Registry

    async def ask() -> tuple[str, str] | None:
        app = create_app(Settings(database_url=url, migrate_on_start=False))
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as c:
                for policy in Registry.load().all_policies():
                    variables = {"policy": policy.id, "region": policy.region_codes[0]}
                    body = {"query": REGION, "variables": variables}
                    got = (await c.post("/graphql", json=body, headers=headers)).json()
                    if "errors" not in got:
                        return policy.id, policy.region_codes[0]
        finally:
            await app.state.db_engine.dispose()
        return None

    return asyncio.run(ask())


def serve(url: str, workers: int, port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """uvicorn in a process group of its own (``os.killpg`` stops its workers with it)."""
    env = {
        **os.environ,
        **(env or {}),
        "QCREDIT_DATABASE_URL": url,
        "QCREDIT_RATE_LIMIT_PER_MINUTE": "0",
        "QCREDIT_MIGRATE_ON_START": "false",
        # The page of 100 with every assessment field costs ~170,000 by the API's estimate;
        # the default ceiling (50,000) would refuse it.
        "QCREDIT_MAX_COST": "1000000",
    }
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "qcredit.api.app:create_app", "--factory"),
            *("--port", str(port), "--workers", str(workers), "--log-level", "warning"),
            "--no-access-log",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        start_new_session=True,
    )


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--postgraphile", action="store_true", help="also run PostGraphile v4")
    p.add_argument("--code", help="the enterprise of the first query (default: one of the policy)")
    p.add_argument("--only", nargs="*", help="run only the queries whose name starts so")
    p.add_argument(
        "--floor",
        action="store_true",
        help="also `{ __typename }` and one enterprise's code and name: what the framework and "
        "a first database read cost alone",
    )
    p.add_argument("--anonymous", action="store_true", help="send no token (a public caller)")
    args = p.parse_args()
    token, code, policy_id, region, level = asyncio.run(setup(args.database))
    code = args.code or code
    headers = {"Authorization": f"Bearer {token}"}
    count_policy = policy_id
    policy_id, region = map_policy(args.database, headers) or (policy_id, region)
    queries = {
        "one enterprise + assessments": {"query": ONE, "variables": {"code": code}},
        "page of 100 + assessments": {"query": PAGE},
        f"region summary ({policy_id} {region})": {
            "query": REGION,
            "variables": {"policy": policy_id, "region": region},
        },
        f"count: {count_policy} level {level}": {
            "query": COUNT,
            "variables": {"policy": count_policy, "level": level},
        },
    }
    if args.floor:
        queries["floor: { __typename }"] = {"query": "{ __typename }"}
        queries["floor: enterprise(code) { code name }"] = {
            "query": "query($code: String!) { enterprise(code: $code) { code name } }",
            "variables": {"code": code},
        }
    if args.anonymous:
        headers = {}
    if args.only:
        queries = {k: v for k, v in queries.items() if any(k.startswith(o) for o in args.only)}
    cache = os.environ.get("QCREDIT_RESPONSE_CACHE", "default")
    print(
        f"database {args.database.split('@')[-1]}; enterprise {code}; wrk -c{args.connections} "
        f"-d{args.seconds}s; QCREDIT_RESPONSE_CACHE={cache}",
        flush=True,
    )
    for workers in args.workers:
        port = free_port()
        proc = serve(args.database, workers, port)
        endpoint = f"http://127.0.0.1:{port}/graphql"
        try:
            for name, body in queries.items():
                wait_ready(endpoint, body, headers)
                for _ in range(3):  # warm the caches of every worker
                    httpx.post(endpoint, json=body, headers=headers, timeout=60)
                r = measured(
                    endpoint,
                    body,
                    headers,
                    proc.pid,
                    seconds=args.seconds,
                    connections=args.connections,
                )
                print(line(f"qcredit {workers} worker(s)", name, r), flush=True)
        finally:
            stop(proc)
    if args.postgraphile:
        run_postgraphile(args.database, code, seconds=args.seconds, connections=args.connections)


if __name__ == "__main__":
    main()
