"""Fan-out of grade changes and notices to live subscribers, across every API worker.

Writers *stage* events inside the transaction that makes them (:func:`stage`, called by
:func:`qcredit.core.supervision.notices.issue_notices`); they reach subscribers only once it
commits, and never if it rolls back.  Each API worker runs one :class:`Broker` that receives the
committed
events and hands them to its local subscribers (:meth:`Broker.subscribe`).

The broker is chosen by ``QCREDIT_BROKER`` (default: ``postgres`` on PostgreSQL, ``memory`` on
SQLite):

``postgres``
    Staging is ``pg_notify`` in the writing transaction — PostgreSQL delivers a notification at
    commit, to every connection that LISTENs, in every worker and on every host; the worker's
    broker LISTENs on one asyncpg connection (reconnecting if it drops).  Writes from the CLI
    (``qcredit import``, ``qcredit grade``) reach the servers the same way.
``redis``
    Staged events are PUBLISHed to ``QCREDIT_BROKER_REDIS_URL`` after commit; each worker
    SUBSCRIBEs.  For deployments that front several databases or keep PostgreSQL's
    notification queue free.
``memory``
    After commit, events go to the brokers of this process on the same database (one worker,
    e.g. SQLite).

An event is a JSON object: ``{"type": "change", …}`` for a grade change (see
:func:`change_event`) or ``{"type": "notice", …}`` for a new notice (:func:`notice_event`).
Disclosure is applied by the subscriber's side (api/warnings.py): events carry the audiences
that may see the grade, never the decision for one caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from qcredit.core.contract import GradeChange
    from qcredit.core.store.tables import EnterpriseRow, NoticeRow

log = logging.getLogger(__name__)

CHANNEL = "qcredit_events"
BROKER_ENV = "QCREDIT_BROKER"
REDIS_URL_ENV = "QCREDIT_BROKER_REDIS_URL"
KINDS = ("postgres", "redis", "memory")
_PENDING = "qcredit_pending_events"
# pg_notify refuses payloads of 8000 bytes or more; bigger events are cut to what a subscriber
# needs to decide and say that the rest is in the database (the notices query).
_PG_PAYLOAD_LIMIT = 7900


def broker_kind(database_url: str) -> str:
    """The configured broker, or the default for the database."""
    raw = os.environ.get(BROKER_ENV, "").strip().lower()
    if raw:
        if raw not in KINDS:
            raise ValueError(f"{BROKER_ENV} must be one of {', '.join(KINDS)}, not {raw!r}")
        return raw
    return "postgres" if make_url(database_url).get_backend_name() == "postgresql" else "memory"


def _url_key(url: Any) -> str:
    """One spelling per database, whatever the driver (``sqlite+aiosqlite`` = ``sqlite``)."""
    u = make_url(url) if isinstance(url, str) else url
    return u.set(drivername=u.get_backend_name()).render_as_string(hide_password=False)


# -- events ------------------------------------------------------------------------------------


def change_event(
    change: GradeChange,
    enterprise: EnterpriseRow | None,
    feed_row: Mapping[str, Any],
    notices: Sequence[NoticeRow],
) -> dict[str, Any]:
    return {
        "type": "change",
        "policy": change.policy_id,
        "subjectType": change.subject_type.value,
        "subjectId": change.subject_id,
        "enterpriseId": change.enterprise_id,
        "enterpriseCode": enterprise.code if enterprise else None,
        "enterpriseName": enterprise.name if enterprise else None,
        "regionCode": (enterprise.town_code or enterprise.region_code) if enterprise else "",
        "asOf": change.as_of.isoformat(),
        "previous": change.previous,
        "current": change.current,
        "openTo": feed_row.get("open_to") or "",
        "previousOpenTo": feed_row.get("previous_open_to") or "",
        "notices": [notice_event(n, enterprise) for n in notices],
    }


def notice_event(row: NoticeRow, enterprise: EnterpriseRow | None) -> dict[str, Any]:
    return {
        "type": "notice",
        "id": row.id,
        "policy": row.policy_id,
        "kind": row.kind,
        "subjectType": row.subject_type,
        "subjectId": row.subject_id,
        "enterpriseId": row.enterprise_id,
        "enterpriseCode": enterprise.code if enterprise and row.enterprise_id else None,
        "regionCode": row.region_code,
        "category": row.category,
        "colour": row.colour,
        "level": row.level,
        "previousLevel": row.previous_level,
        "text": row.text,
        "article": row.article,
        "asOf": row.as_of.isoformat(),
        "createdAt": row.created_at.isoformat(),
        "openTo": row.open_to,
    }


# -- staging (writers) -------------------------------------------------------------------------


async def stage(session: AsyncSession, events: Sequence[dict[str, Any]]) -> None:
    """Queue events for delivery when ``session``'s transaction commits."""
    if not events:
        return
    bind = session.get_bind()
    kind = broker_kind(_url_key(bind.url))
    if kind == "postgres":
        payloads = [_encode(e) for e in events]
        # One statement for the batch; PostgreSQL holds the notifications until COMMIT.
        await session.execute(
            text("SELECT pg_notify(:channel, p) FROM unnest(CAST(:payloads AS text[])) AS p"),
            {"channel": CHANNEL, "payloads": payloads},
        )
        return
    session.sync_session.info.setdefault(_PENDING, []).extend(events)
    session.sync_session.info["qcredit_bus_url"] = _url_key(bind.url)
    session.sync_session.info["qcredit_bus_kind"] = kind


def _encode(event: dict[str, Any]) -> str:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(data.encode()) < _PG_PAYLOAD_LIMIT:
        return data
    cut = dict(event, notices=[], truncated=True)
    if cut.get("type") == "notice":
        cut["text"] = ""
    return json.dumps(cut, ensure_ascii=False, separators=(",", ":"), default=str)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    url = session.info.get("qcredit_bus_url", "")
    if session.info.get("qcredit_bus_kind") == "redis":
        _publish_redis(pending)
        return
    for broker in list(_LOCAL.get(url, ())):
        broker.dispatch(pending)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


_BACKGROUND: set[asyncio.Task[None]] = set()


def _publish_redis(events: list[dict[str, Any]]) -> None:
    url = os.environ.get(REDIS_URL_ENV, "redis://127.0.0.1:6379/0")

    async def publish() -> None:
        import redis.asyncio as redis

        client = redis.from_url(url)
        try:
            for e in events:
                await client.publish(CHANNEL, _encode(e))
        except Exception:
            log.exception("could not publish %d events to Redis", len(events))
        finally:
            await client.aclose()

    try:
        task = asyncio.get_running_loop().create_task(publish())
    except RuntimeError:
        asyncio.run(publish())
        return
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


# -- receiving (each worker) -------------------------------------------------------------------

_LOCAL: dict[str, set[Broker]] = {}


class Broker:
    """One worker's end of the bus: receives committed events, fans them out locally."""

    def __init__(self, database_url: str, kind: str | None = None) -> None:
        self.url = _url_key(database_url)
        self.kind = kind or broker_kind(self.url)
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._ready: asyncio.Event | None = None

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    async def start(self) -> None:
        """Begin receiving (idempotent).  Returns once the listener is in place, so that an event
        committed after ``start`` returns is delivered."""
        if self._started:
            if self._ready is not None:
                await self._ready.wait()
            return
        self._started = True
        if self.kind == "memory":
            _LOCAL.setdefault(self.url, set()).add(self)
            return
        self._ready = asyncio.Event()
        runner = self._listen_postgres if self.kind == "postgres" else self._listen_redis
        self._task = asyncio.get_running_loop().create_task(runner())
        await asyncio.wait_for(self._ready.wait(), timeout=10)

    async def stop(self) -> None:
        self._started = False
        _LOCAL.get(self.url, set()).discard(self)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def dispatch(self, events: Sequence[dict[str, Any]]) -> None:
        for q in list(self._queues):
            for e in events:
                q.put_nowait(e)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        await self.start()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    def _receive(self, payload: str | bytes) -> None:
        try:
            self.dispatch([json.loads(payload)])
        except ValueError:
            log.warning("ignoring a malformed event on %s", CHANNEL)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._receive(payload)

    async def _listen_postgres(self) -> None:
        import asyncpg

        dsn = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
        delay = 0.5
        while True:
            try:
                conn = await asyncpg.connect(dsn)
            except Exception as exc:
                log.warning("event bus: cannot reach PostgreSQL (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())
            try:
                await conn.add_listener(CHANNEL, self._on_notify)
                delay = 0.5
                assert self._ready is not None
                self._ready.set()
                await lost.wait()
                log.warning("event bus: LISTEN connection lost; reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)

    async def _listen_redis(self) -> None:
        import redis.asyncio as redis

        url = os.environ.get(REDIS_URL_ENV, "redis://127.0.0.1:6379/0")
        delay = 0.5
        while True:
            client = redis.from_url(url)
            try:
                pubsub = client.pubsub()
                await pubsub.subscribe(CHANNEL)
                assert self._ready is not None
                self._ready.set()
                delay = 0.5
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._receive(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event bus: Redis subscription failed (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()
