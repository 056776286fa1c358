"""Scale machinery, for correctness only (speed is measured by bench/, never here):

* the synthetic generator is deterministic and produces only valid records;
* the bulk import path judges every record as the per-record importer does (accepted, already
  present, rejected with the same field and code) and stores the same ledger;
* two re-grade processes sharing the work queue on one database give the same standing grades
  as a single run;
* two API server processes on one database serve each other's writes.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import httpx
import pytest
from qcredit.core import clock
from qcredit.core.grading.engine import Engine
from qcredit.core.grading.run import grade_everything
from qcredit.core.identifiers import validate_credit_code, validate_region_code
from qcredit.core.ledger.importer import import_records, import_records_bulk
from qcredit.core.ledger.synth import SIZES, Generator
from qcredit.core.plugins import Registry
from qcredit.core.store.db import sessionmaker
from qcredit.core.store.tables import (
    AssessmentRow,
    EnterpriseRow,
    EventRow,
    GradeChangeRow,
    ProductRow,
    RegradeTaskRow,
    StandingGradeRow,
)
from sqlalchemy import delete, select

from .conftest import TABLES
from .test_cli_import import records as cli_records

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plain_registry() -> Registry:
    """The installed policies only: what a separate process (worker, server) loads."""
    return Registry.load()


def synth(registry: Registry, enterprises: int, seed: int = 7) -> list[dict[str, Any]]:
    gen = Generator(registry, "S", seed, clock.today())
    return list(gen.records(0, enterprises))


# -- the generator ----------------------------------------------------------------------------
def test_synth_is_deterministic_valid_and_spread_over_every_policy(
    plain_registry: Registry,
) -> None:
    first = synth(plain_registry, 60)
    assert first == synth(plain_registry, 60)
    assert first != synth(plain_registry, 60, seed=8)
    # An enterprise's records do not depend on where the stream starts (batches, parallel runs).
    gen = Generator(plain_registry, "S", 7, clock.today())
    assert (
        list(gen.records(30, 60))
        == list(islice(gen.records(0, 60), len(first)))[len(list(gen.records(0, 30))) :]
    )
    codes = [r["code"] for r in first if r["type"] == "enterprise"]
    assert len(codes) == len(set(codes)) == 60
    covered = {p.id: 0 for p in plain_registry.all_policies()}
    for r in first:
        if r["type"] == "enterprise":
            assert validate_credit_code(r["code"]) == r["code"]
            validate_region_code(r["regionCode"])
            for p in plain_registry.all_policies():
                covered[p.id] += p.covers_region(r["regionCode"])
    assert all(covered.values()), covered
    kinds = {r["type"] for r in first}
    assert kinds == {"enterprise", "product", "event", "correction"}
    assert set(SIZES) == {"S", "M", "L"}


# -- bulk import = per-record import ----------------------------------------------------------
def equivalence_records(registry: Registry) -> list[tuple[int, dict[str, Any]]]:
    """Bad and good records, repeats, a conflicting externalId and synthetic data."""
    items = cli_records() + synth(registry, 25)
    events = [r for r in items if r["type"] == "event" and r.get("externalId")]
    repeat = dict(events[-1])
    clash = {**events[-2], "occurredOn": "2001-01-01"}  # same externalId, other content
    wrong_product = {**events[-3], "trademark": "没有这个商标", "niceClass": 9}
    # Two faults in one record: the bulk path checks the event before its batch is written,
    # yet must report the fault the per-record importer finds first (the product, the owner).
    wrong_product_and_kind = {**wrong_product, "kind": "没有这种事件"}
    no_owner_and_kind = {"type": "event", "kind": "没有这种事件", "occurredOn": "2024-01-15"}
    unknown_owner_and_kind = {**no_owner_and_kind, "enterpriseCode": "91410481MA00000000"}
    items += [repeat, clash, wrong_product, items[0], {**items[0], "name": "另一个名字"}]
    items += [wrong_product_and_kind, no_owner_and_kind, unknown_owner_and_kind]
    return list(enumerate(items, start=1))


async def snapshot(sessions: Any) -> dict[str, Any]:
    async with sessions() as s:
        ents = sorted(
            (r.code, r.name, r.region_code, r.town_code, r.established_on, r.roles)
            for r in (await s.execute(select(EnterpriseRow))).scalars()
        )
        code_of = {r.id: r.code for r in (await s.execute(select(EnterpriseRow))).scalars()}
        prods = {
            r.id: (code_of[r.enterprise_id], r.trademark, r.nice_class, r.category)
            for r in (await s.execute(select(ProductRow))).scalars()
        }
        rows = list((await s.execute(select(EventRow))).scalars())
        ext_of = {r.id: r.external_id for r in rows}
        evs = sorted(
            (
                (
                    code_of[r.enterprise_id],
                    prods.get(r.product_id),
                    r.kind,
                    r.occurred_on,
                    sorted((r.attributes or {}).items(), key=str),
                    r.external_id,
                    ext_of.get(r.corrects_id),
                )
                for r in rows
            ),
            key=repr,
        )
    return {"enterprises": ents, "products": sorted(prods.values(), key=repr), "events": evs}


async def clear(db_engine: Any) -> None:
    from sqlalchemy import text

    async with db_engine.begin() as conn:
        for table in TABLES:
            await conn.execute(text(f"DELETE FROM {table}"))


def verdicts(report: Any) -> tuple:
    return (
        report.accepted,
        report.duplicates,
        dict(sorted(report.by_type.items())),
        sorted((r.line, r.field, r.code) for r in report.rejected),
    )


async def test_bulk_import_judges_and_stores_like_the_per_record_importer(
    app: Any, empty: None, db_engine: Any, plain_registry: Registry
) -> None:
    sessions = sessionmaker(db_engine)
    engine = Engine(plain_registry)
    items = equivalence_records(plain_registry)

    slow = await import_records(sessions, engine, items, batch_size=50, regrade=False)
    slow_again = await import_records(sessions, engine, items, batch_size=50, regrade=False)
    expected = await snapshot(sessions)
    await clear(db_engine)

    # Small batches: dependencies and repeats cross batch boundaries.
    fast = await import_records_bulk(sessions, engine, items, batch_size=97, regrade=False)
    fast_again = await import_records_bulk(sessions, engine, items, batch_size=500, regrade=False)
    got = await snapshot(sessions)

    assert verdicts(fast) == verdicts(slow)
    assert verdicts(fast_again) == verdicts(slow_again)
    assert fast_again.accepted == 0
    assert got == expected
    assert len(got["events"]) > 300


async def test_bulk_import_regrades_what_it_touched(
    app: Any, empty: None, db_engine: Any, plain_registry: Registry
) -> None:
    sessions = sessionmaker(db_engine)
    engine = Engine(plain_registry)
    items = list(enumerate(synth(plain_registry, 20), start=1))
    await import_records_bulk(sessions, engine, items, regrade=True)
    by_bulk = await standing(sessions)
    await grade_everything(sessions, engine, plain_registry.all_policies())
    assert by_bulk and await standing(sessions) == by_bulk


# -- two re-grade processes on one database ----------------------------------------------------
async def standing(sessions: Any) -> list[tuple]:
    async with sessions() as s:
        return sorted(
            (r.policy_id, r.subject_type, r.subject_id, r.level, r.score, r.as_of, r.open_to)
            for r in (await s.execute(select(StandingGradeRow))).scalars()
        )


async def test_two_regrade_processes_give_the_grades_of_one_run(
    app: Any, empty: None, db_engine: Any, database_url: str, plain_registry: Registry
) -> None:
    sessions = sessionmaker(db_engine)
    engine = Engine(plain_registry)
    items = list(enumerate(synth(plain_registry, 120), start=1))
    await import_records_bulk(sessions, engine, items, regrade=False)
    await grade_everything(sessions, engine, plain_registry.all_policies())
    single = await standing(sessions)
    assert len(single) > 120
    async with sessions() as s:
        for table in (GradeChangeRow, StandingGradeRow, AssessmentRow):
            await s.execute(delete(table))
        await s.commit()

    run_id = f"test-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "qcredit.core.grading.run", "--database", database_url]
    command += ["--run-id", run_id, "--task-size", "8", "--pause", "0.15"]
    workers = [
        await asyncio.create_subprocess_exec(*command, "--worker", name, cwd=REPO)
        for name in ("one", "two")
    ]
    assert [await w.wait() for w in workers] == [0, 0]

    assert await standing(sessions) == single
    async with sessions() as s:
        tasks = list(
            (await s.execute(select(RegradeTaskRow).where(RegradeTaskRow.run_id == run_id)))
            .scalars()
            .all()
        )
    assert tasks and all(t.state == "DONE" for t in tasks)
    assert {t.worker for t in tasks} == {"one", "two"}  # both did part of the work
    async with sessions() as s:
        covered = len(set((await s.execute(select(EnterpriseRow.id))).scalars()))
    assert sum(t.enterprises for t in tasks) <= covered


# -- two API processes on one database ---------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def two_servers(app: Any, empty: None, database_url: str) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "QCREDIT_DATABASE_URL": database_url,
        "QCREDIT_MIGRATE_ON_START": "false",
        "QCREDIT_RATE_LIMIT_PER_MINUTE": "0",
    }
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "qcredit.api.app:create_app", "--factory"),
                *("--port", str(port), "--log-level", "warning"),
            ],
            env=env,
            cwd=REPO,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}/graphql" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    httpx.post(url, json={"query": "{ __typename }"}, timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=20)


async def test_two_api_processes_serve_each_others_writes(app: Any, two_servers: list[str]) -> None:
    from .conftest import issue_token
    from .support import credit_code

    token = await issue_token(app, "ADMIN")
    headers = {"Authorization": f"Bearer {token}"}
    register = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }"""
    record = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""
    read = """query($c: String!) { enterprise(code: $c) { name
        events(first: 10) { totalCount } assessments { level } } }"""
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        for n in range(1, 5):
            writer, reader = two_servers[n % 2], two_servers[(n + 1) % 2]
            code = credit_code(900 + n, "110101")
            body = {
                "i": {"code": code, "name": f"双进程{n}", "regionCode": "110101"},
            }
            got = (await http.post(writer, json={"query": register, "variables": body})).json()
            assert "errors" not in got, got
            seen = (await http.post(reader, json={"query": read, "variables": {"c": code}})).json()
            assert seen["data"]["enterprise"]["name"] == f"双进程{n}"
            assert seen["data"]["enterprise"]["events"]["totalCount"] == 0
            event = {
                "i": {
                    "enterpriseCode": code,
                    "kind": "SAMPLING_INSPECTION",
                    "occurredOn": clock.today().isoformat(),
                    "attributes": {"result": "FAIL"},
                }
            }
            got = (await http.post(reader, json={"query": record, "variables": event})).json()
            assert "errors" not in got, got
            seen = (await http.post(writer, json={"query": read, "variables": {"c": code}})).json()
            assert seen["data"]["enterprise"]["events"]["totalCount"] == 1
