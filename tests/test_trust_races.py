"""One correction per state of an event, under concurrency (hardening rule 4).

Writers race through the ASGI app (one DB session per request), through two engines, and through
the importer; the database's unique (corrects_id, correction_seq) index decides, and a loser gets
CONFLICT naming ``eventId`` — or the stored correction when its request was the same one.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import httpx
import pytest
from qcredit.core.errors import Conflict
from qcredit.core.ledger import append as ledger
from qcredit.core.ledger import bulk_import
from qcredit.core.ledger.importer import import_records_bulk
from qcredit.core.store.db import create_engine, sessionmaker
from qcredit.core.store.tables import EventRow
from sqlalchemy import func, select

from .conftest import issue_token
from .support import gql
from .test_ledger_api import CORRECT, GRADE, RECORD, enterprise, sampling


async def _event(client: httpx.AsyncClient) -> tuple[str, str]:
    code = await enterprise(client)
    r = await gql(client, RECORD, sampling(code, "2024-03-01"))
    return code, r["data"]["recordEvent"]["id"]


async def _corrections(db_engine: Any, code_event: str) -> int:
    event_id = ledger.parse_event_id(code_event, "eventId")
    async with db_engine.connect() as conn:
        return (
            await conn.execute(
                select(func.count()).select_from(EventRow).where(EventRow.corrects_id == event_id)
            )
        ).scalar_one()


def _amend(event_id: str, reason: str) -> dict[str, Any]:
    return {
        "input": {
            "eventId": event_id,
            "action": "AMEND",
            "reason": reason,
            "attributes": {"result": "PASS"},
        }
    }


async def _parallel(app: Any, bodies: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each request on its own client (so its own session), all at once."""
    token = await issue_token(app, "ADMIN")
    headers = {"Authorization": f"Bearer {token}"}

    async def one(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as c:
            return await gql(c, query, variables)

    return list(await asyncio.gather(*(one(q, v) for q, v in bodies)))


def _outcomes(results: list[dict[str, Any]], key: str = "correctEvent") -> tuple[set[str], list]:
    stored = {r["data"][key]["id"] for r in results if r.get("data") and r["data"].get(key)}
    codes = [e["extensions"] for r in results for e in r.get("errors", [])]
    return stored, codes


async def test_ten_parallel_corrections_of_one_event_store_one(
    app: Any, client: httpx.AsyncClient, db_engine: Any
) -> None:
    _, event_id = await _event(client)
    results = await _parallel(app, [(CORRECT, _amend(event_id, f"复核第{i}次")) for i in range(10)])
    stored, errors = _outcomes(results)
    assert await _corrections(db_engine, event_id) == 1
    assert len(stored) == 1
    assert errors == [{"code": "CONFLICT", "field": "eventId"}] * 9


async def test_ten_identical_parallel_corrections_return_the_one_stored(
    app: Any, client: httpx.AsyncClient, db_engine: Any
) -> None:
    _, event_id = await _event(client)
    results = await _parallel(app, [(CORRECT, _amend(event_id, "复核"))] * 10)
    stored, errors = _outcomes(results)
    assert await _corrections(db_engine, event_id) == 1
    # the same request either is answered with the one stored correction or loses the race
    assert len(stored) == 1
    assert all(e == {"code": "CONFLICT", "field": "eventId"} for e in errors)


async def test_parallel_revocations_with_one_external_id_store_one(
    app: Any, client: httpx.AsyncClient, db_engine: Any
) -> None:
    _, event_id = await _event(client)
    revoke = {"eventId": event_id, "action": "REVOKE", "reason": "撤销", "externalId": "R-1"}
    body = {"input": revoke}
    results = await _parallel(app, [(CORRECT, body)] * 10)
    stored, errors = _outcomes(results)
    assert await _corrections(db_engine, event_id) == 1
    assert len(stored) == 1
    assert all(e["code"] == "CONFLICT" for e in errors)


async def test_a_corrected_event_can_be_corrected_again_in_sequence(
    client: httpx.AsyncClient, db_engine: Any
) -> None:
    _, event_id = await _event(client)
    amended = await gql(client, CORRECT, _amend(event_id, "复核"))
    assert "errors" not in amended, amended
    revoked = await gql(
        client, CORRECT, {"input": {"eventId": event_id, "action": "REVOKE", "reason": "撤销"}}
    )
    assert revoked["data"]["correctEvent"]["corrects"]["status"] == "REVOKED"
    assert await _corrections(db_engine, event_id) == 2


async def test_parallel_records_and_corrections_each_land_once(
    app: Any, client: httpx.AsyncClient, db_engine: Any
) -> None:
    code, event_id = await _event(client)
    bodies = [(CORRECT, _amend(event_id, f"复核{i}")) for i in range(5)] + [
        (RECORD, sampling(code, f"2024-04-0{i + 1}", "PASS", ext=f"S-{i}")) for i in range(5)
    ]
    results = await _parallel(app, bodies)
    corrections, errors = _outcomes(results[:5])
    assert await _corrections(db_engine, event_id) == 1
    assert len(corrections) == 1 and len(errors) == 4
    recorded, record_errors = _outcomes(results[5:], "recordEvent")
    assert len(recorded) == 5 and record_errors == []


async def test_two_engines_correcting_one_event_store_one(
    app: Any, client: httpx.AsyncClient, database_url: str, db_engine: Any
) -> None:
    """Two processes' worth of connection pools, writing through the ledger directly."""
    _, event_id = await _event(client)
    vocabulary = app.state.services.registry.vocabulary
    engines = [create_engine(database_url), create_engine(database_url)]

    async def correct(engine: Any, n: int) -> str:
        async with sessionmaker(engine)() as s:
            try:
                await ledger.correct_event(
                    s, vocabulary, event_id=event_id, action="AMEND", reason=f"复核{n}",
                    attributes={"result": "PASS"},
                )  # fmt: skip
                await s.commit()
            except Conflict as exc:
                return f"{exc.code}:{exc.field}"
            return "stored"

    try:
        outcomes = await asyncio.gather(*(correct(engines[i % 2], i) for i in range(6)))
    finally:
        for e in engines:
            await e.dispose()
    assert sorted(outcomes) == ["CONFLICT:eventId"] * 5 + ["stored"]
    assert await _corrections(db_engine, event_id) == 1


async def test_the_importer_losing_a_correction_race_gets_conflict_not_a_crash(
    app: Any, client: httpx.AsyncClient, db_engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk path read the event as uncorrected; an API worker corrected it before the COPY."""
    code = await enterprise(client)
    recorded = await gql(client, RECORD, sampling(code, "2024-03-01", ext="S-RACE"))
    event_id = recorded["data"]["recordEvent"]["id"]
    revoke = {"eventId": event_id, "action": "REVOKE", "reason": "撤销"}
    assert "errors" not in await gql(client, CORRECT, {"input": revoke})
    read_before = bulk_import.correction_targets

    async def stale(conn: Any, external_ids: Any) -> dict[str, Any]:
        return {
            k: replace(t, corrected=False)
            for k, t in (await read_before(conn, external_ids)).items()
        }

    monkeypatch.setattr(bulk_import, "correction_targets", stale)
    services = app.state.services
    record = {
        "type": "correction",
        "eventExternalId": "S-RACE",
        "action": "REVOKE",
        "reason": "导入撤销",
        "externalId": "IMP-1",
    }
    report = await import_records_bulk(
        services.sessions, services.engine, [(1, record)], regrade=False
    )
    assert [(r.code, r.field) for r in report.rejected] == [("CONFLICT", "eventId")]
    assert await _corrections(db_engine, event_id) == 1


class _FirstLedgerRead:
    """Holds the first ledger read (``Engine.load_bundles``) once it has read, until
    :meth:`go`: what that request graded from is then older than what commits meanwhile."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from qcredit.core.grading.engine import Engine

        self.reached, self.released = asyncio.Event(), asyncio.Event()
        self.monkeypatch, self.original = monkeypatch, Engine.load_bundles
        held = False

        async def held_first(engine: Engine, session: Any, ids: Any) -> Any:
            nonlocal held
            bundles = await self.original(engine, session, ids)
            if not held:
                held = True
                self.reached.set()
                await self.released.wait()
            return bundles

        monkeypatch.setattr(Engine, "load_bundles", held_first)

    def go(self) -> None:
        from qcredit.core.grading.engine import Engine

        self.released.set()
        self.monkeypatch.setattr(Engine, "load_bundles", self.original)


async def _drop_derived_assessments(app: Any) -> None:
    """Derived rows may be gone (they are a cache): the writers then have none to queue on."""
    from qcredit.core.store.tables import AssessmentRow
    from sqlalchemy import delete

    async with app.state.services.sessions() as s:
        await s.execute(delete(AssessmentRow))
        await s.commit()


async def _graded_afresh(app: Any, code: str, as_of: str) -> tuple[Any, int]:
    """The testland grading of the enterprise's whole ledger on ``as_of``, and its events."""
    from datetime import date

    services = app.state.services
    async with services.sessions() as s:
        row = await ledger.enterprise_by_code(s, code, "enterpriseCode")
        (bundle,) = (await services.engine.load_bundles(s, [row.id])).values()
    policy = services.registry.policy("testland")
    graded = services.engine.grade(policy, bundle.enterprise, date.fromisoformat(as_of))
    return graded, len(bundle.enterprise.events)


def _admin_client(app: Any, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_two_writes_to_one_enterprise_both_count_in_its_standing_grade(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two events recorded for one enterprise at once: the grade left standing counts both.
    The second writer to re-grade must see the first one's event; without a lock it read the
    ledger before the first committed and then wrote its older grade over the newer one, which
    stood (and was disclosed) until the next full run."""
    code = await enterprise(client)
    await gql(client, RECORD, sampling(code, "2024-01-10", "PASS"))
    await _drop_derived_assessments(app)
    pause = _FirstLedgerRead(monkeypatch)
    token = await issue_token(app, "ADMIN")

    async def write(on: str) -> dict[str, Any]:
        async with _admin_client(app, token) as c:
            return await gql(c, RECORD, sampling(code, on, "FAIL"))

    first = asyncio.create_task(write("2024-02-01"))
    await asyncio.wait_for(pause.reached.wait(), 10)
    second = asyncio.create_task(write("2024-03-01"))
    await asyncio.wait([second], timeout=1.0)  # with the lock, it waits for the first
    pause.go()
    results = await asyncio.gather(first, second)
    assert all("errors" not in r for r in results), results

    stored = (await gql(client, GRADE, {"code": code}))["data"]["enterprise"]["assessment"]
    fresh, events = await _graded_afresh(app, code, stored["asOf"])
    assert fresh is not None and events == 3
    assert (stored["level"], stored["inputsDigest"]) == (fresh.level, fresh.inputs_digest)


async def test_a_read_grading_a_past_date_does_not_store_what_a_write_made_stale(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read grades a date nobody stored and keeps the grading (derived data).  If an event
    for that enterprise, on or before that date, commits between the read's ledger read and its
    store, the grading it holds misses the event: it must not be kept, or every later read of
    that date would serve it."""
    code = await enterprise(client)
    await gql(client, RECORD, sampling(code, "2024-01-10", "PASS"))
    await _drop_derived_assessments(app)
    pause = _FirstLedgerRead(monkeypatch)
    past = {"code": code, "asOf": "2024-06-30"}
    read = asyncio.create_task(gql(client, GRADE, past))
    await asyncio.wait_for(pause.reached.wait(), 10)
    async with _admin_client(app, await issue_token(app, "ADMIN")) as writer:
        write = asyncio.create_task(gql(writer, RECORD, sampling(code, "2024-03-01", "FAIL")))
        await asyncio.wait([write], timeout=1.0)
        pause.go()
        first, written = await asyncio.gather(read, write)
    assert "errors" not in first and "errors" not in written, (first, written)

    again = (await gql(client, GRADE, past))["data"]["enterprise"]["assessment"]
    fresh, events = await _graded_afresh(app, code, past["asOf"])
    assert fresh is not None and events == 2
    assert again["inputsDigest"] == fresh.inputs_digest
