"""Trust under attack: who the caller is, checked every time (docs/hardening.md).

* a subscription ends with its token: revoked (``qcredit token revoke``) or expired (a JWT's
  ``exp``), the server closes the socket (4403) and delivers nothing more; a query or mutation
  on a socket checks the token again too, and takes from the rate limit;
* ``noticeIssued`` shows each role only what that role may see;
* the rate limit cannot be sidestepped: ``X-Forwarded-For`` only from trusted proxies, unknown
  tokens in the anonymous bucket of their address and at most one query each;
* token claims are validated like any input, for JWTs and for ``qcredit token create``;
* a server that cannot start says why in one line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from qcredit.api.app import create_app
from qcredit.api.cli import main
from qcredit.api.settings import Settings
from qcredit.api.web.auth import JwtSettings
from qcredit.core.disclosure.tokens import create_token
from qcredit.core.errors import InvalidInput
from qcredit.core.plugins import Registry
from sqlalchemy import event
from sqlalchemy.engine import make_url

from .conftest import _pg_admin, issue_token
from .support import TEST_PLUGIN, credit_code, gql, only_error
from .test_warnings import _NoticePlugin
from .ws import Closed, WsClient

COUNTY, OTHER_COUNTY = "110105", "110108"
QCREDIT = str(Path(sys.executable).with_name("qcredit"))
POLICIES = "{ policies { id } }"
REGISTER = "mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { code } }"
RECORD = "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"
CORRECT = "mutation($i: CorrectEventInput!) { correctEvent(input: $i) { id } }"
CHANGES = """subscription($policy: String!, $region: String!) {
  assessmentChanged(policy: $policy, regionCode: $region) { enterpriseCode previous current } }"""
NOTICES = """subscription($policy: String!, $region: String!) {
  noticeIssued(policy: $policy, regionCode: $region) { kind level enterpriseCode regionCode } }"""


# -- helpers --------------------------------------------------------------------------------------


@pytest.fixture
async def live(app: Any, empty: None, database_url: str) -> AsyncIterator[Any]:
    """An app whose testland policy issues notices, trusting a verified token for one second."""
    application = create_app(
        Settings(
            database_url=database_url,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            token_cache_seconds=1,
        ),
        registry=Registry.load(extra_plugins=[TEST_PLUGIN, _NoticePlugin()], entry_points=False),
    )
    yield application
    await application.state.broker.stop()
    await application.state.db_engine.dispose()


def _client(app: Any, token: str | None = None, address: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )


async def _ok(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    r = await gql(client, query, variables)
    assert "errors" not in r, r
    return r["data"]


async def _enterprise(client: httpx.AsyncClient, n: int) -> str:
    code = credit_code(700 + n, COUNTY)
    await _ok(client, REGISTER, {"i": {"code": code, "name": f"企业{n}", "regionCode": COUNTY}})
    return code


async def _fail(client: httpx.AsyncClient, code: str) -> str:
    on = (dt.date.today() - dt.timedelta(days=20)).isoformat()
    event_input = {"enterpriseCode": code, "kind": "SAMPLING_INSPECTION", "occurredOn": on}
    data = await _ok(client, RECORD, {"i": {**event_input, "attributes": {"result": "FAIL"}}})
    return data["recordEvent"]["id"]


async def _withdraw(client: httpx.AsyncClient, event_id: str) -> None:
    await _ok(client, CORRECT, {"i": {"eventId": event_id, "action": "REVOKE", "reason": "撤销"}})


async def _subscribed(app: Any, ws: WsClient, query: str, token: str | None = None) -> None:
    init = {"Authorization": f"Bearer {token}"} if token else {}
    assert (await ws.init(init))["type"] == "connection_ack"
    before = app.state.broker.subscribers
    await ws.subscribe("1", query, {"policy": "testland", "region": COUNTY})
    for _ in range(200):
        if app.state.broker.subscribers > before:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the subscription did not start")


async def _closed_without_delivering(ws: WsClient) -> Closed:
    """The socket is closed, and nothing was delivered before it was."""
    try:
        message = await ws.receive(timeout=8)
    except Closed as closed:
        return closed
    raise AssertionError(f"delivered after the token ended: {message}")


@contextmanager
def _signing_key() -> Iterator[tuple[Any, str]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    yield key, pem.decode()


def _trust_jwts(app: Any, public_pem: str) -> None:
    app.state.graphql.jwt = JwtSettings(
        public_key=public_pem, algorithms=("RS256",), issuer=None, audience=None
    )


def _sign(key: Any, seconds: float = 300, **claims: Any) -> str:
    exp = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return jwt.encode({"sub": "li.si", "exp": exp, **claims}, key, algorithm="RS256")


# -- 2. subscriptions end with their token --------------------------------------------------------


async def test_a_subscription_ends_when_its_token_is_revoked(live: Any, database_url: str) -> None:
    admin = await issue_token(live, "ADMIN")
    async with live.state.services.sessions() as s:
        regulator, info = await create_token(s, role="REGULATOR", regions=["110000"])
        await s.commit()
    async with _client(live, admin) as client, WsClient(live) as ws:
        code = await _enterprise(client, 1)
        await _subscribed(live, ws, CHANGES, regulator)
        failure = await _fail(client, code)
        change = (await ws.receive())["payload"]["data"]["assessmentChanged"]
        assert (change["enterpriseCode"], change["current"]) == (code, "F")  # not public

        revoked = await asyncio.to_thread(
            main, ["token", "revoke", str(info.id), "--database", database_url]
        )
        assert revoked == 0
        await asyncio.sleep(1 + 1 + 0.5)  # the token cache's second, a re-check, a margin
        await _withdraw(client, failure)  # F → P: a change the regulator would have seen
        closed = await _closed_without_delivering(ws)
    assert closed.code == 4403 and "revoked or expired" in closed.reason


async def test_a_subscription_ends_when_its_jwt_expires(live: Any) -> None:
    admin = await issue_token(live, "ADMIN")
    with _signing_key() as (key, pem):
        _trust_jwts(live, pem)
        token = _sign(key, seconds=4, role="REGULATOR", regions=["110000"])
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        async with _client(live, admin) as client, WsClient(live) as ws:
            code = await _enterprise(client, 2)
            await _subscribed(live, ws, CHANGES, token)
            failure = await _fail(client, code)
            change = (await ws.receive())["payload"]["data"]["assessmentChanged"]
            assert change["current"] == "F"  # while valid, the regulator sees it
            await asyncio.sleep(max(0.0, expires - time.time()) + 1.5)
            await _withdraw(client, failure)
            closed = await _closed_without_delivering(ws)
    assert closed.code == 4403


async def _socket_result(ws: WsClient, op_id: str, query: str, variables: Any = None) -> Any:
    """One query or mutation over the socket: its ``next`` (or ``error``) payload."""
    await ws.subscribe(op_id, query, variables or {})
    message = await ws.receive()
    assert message["id"] == op_id, message
    return message["payload"]


async def test_queries_and_mutations_on_a_socket_stop_with_a_revoked_token(
    live: Any, database_url: str
) -> None:
    """Every operation on a socket authenticates again, not only subscriptions: a connection
    opened with a token that is then revoked must not go on reading or writing with its rights."""
    async with live.state.services.sessions() as s:
        admin, info = await create_token(s, role="ADMIN")
        await s.commit()
    async with WsClient(live) as ws:
        assert (await ws.init({"Authorization": f"Bearer {admin}"}))["type"] == "connection_ack"
        code = credit_code(790, COUNTY)
        register = {"i": {"code": code, "name": "企业790", "regionCode": COUNTY}}
        done = await _socket_result(ws, "1", REGISTER, register)
        assert done["data"]["registerEnterprise"]["code"] == code
        assert (await ws.receive())["type"] == "complete"

        assert (
            await asyncio.to_thread(
                main, ["token", "revoke", str(info.id), "--database", database_url]
            )
            == 0
        )
        await asyncio.sleep(1 + 0.5)  # the token cache trusts an accepted token for a second
        other = credit_code(791, COUNTY)
        await ws.subscribe(
            "2", REGISTER, {"i": {"code": other, "name": "企业791", "regionCode": COUNTY}}
        )
        try:
            while True:  # an error for the operation, then the close; or the close alone
                message = await ws.receive()
                assert message["type"] == "error", message
                assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        except Closed as closed:
            assert closed.code == 4403 and "revoked or expired" in closed.reason
    async with _client(live, await issue_token(live, "ADMIN")) as client:
        found = await gql(
            client, "query($c: String!) { enterprise(code: $c) { code } }", {"c": other}
        )
        assert found["data"]["enterprise"] is None  # the refused mutation wrote nothing


async def test_each_operation_on_a_socket_takes_from_the_rate_limit(
    app: Any, database_url: str, registry: Any
) -> None:
    """One handshake must not buy any number of operations: each query on the socket takes
    one from the caller's bucket, as an HTTP request does, and an empty bucket answers
    RATE_LIMITED with retryAfter while the socket stays open."""
    async with _limited_app(database_url, registry, rate_limit_burst=3) as limited:
        async with WsClient(limited) as ws:  # the handshake: one of three
            assert (await ws.init())["type"] == "connection_ack"
            for op_id in ("1", "2"):
                assert "errors" not in await _socket_result(ws, op_id, POLICIES)
                assert (await ws.receive())["type"] == "complete"
            refused = await _socket_result(ws, "3", POLICIES)
            error = refused[0] if isinstance(refused, list) else refused["errors"][0]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            assert error["extensions"]["retryAfter"] >= 1
        async with _client(limited) as c:  # the same address over HTTP: the same empty bucket
            assert await _statuses(c, [{}]) == [429]


async def test_notice_issued_shows_each_role_only_what_it_may_see(live: Any) -> None:
    admin = await issue_token(live, "ADMIN")
    async with _client(live, admin) as client:
        codes = [await _enterprise(client, n) for n in (3, 4)]
        # testland discloses F to everyone but the public; the regional warning is the bureau's.
        warnings = {("SUBJECT_WARNING", codes[0]), ("SUBJECT_WARNING", codes[1])}
        expected: dict[str, tuple[str | None, set[tuple[str, str | None]]]] = {
            "county regulator": (
                await issue_token(live, "REGULATOR", regions=[COUNTY]),
                warnings | {("REGIONAL_WARNING", None)},
            ),
            "regulator elsewhere": (
                await issue_token(live, "REGULATOR", regions=[OTHER_COUNTY]),
                warnings,
            ),
            "department": (await issue_token(live, "DEPARTMENT", department="税务"), warnings),
            "industry": (await issue_token(live, "INDUSTRY"), warnings),
            "the subject": (
                await issue_token(live, "SUBJECT", enterprise_code=codes[0]),
                {("SUBJECT_WARNING", codes[0])},
            ),
            "another subject": (
                await issue_token(live, "SUBJECT", enterprise_code=credit_code(799, COUNTY)),
                set(),
            ),
            "public": (None, set()),
        }
        sockets = {who: WsClient(live) for who in expected}
        for who, ws in sockets.items():
            await ws.__aenter__()
            await _subscribed(live, ws, NOTICES, expected[who][0])
        try:
            for code in codes:
                await _fail(client, code)
            for who, ws in sockets.items():
                seen: set[tuple[str, str | None]] = set()
                with pytest.raises(TimeoutError):
                    while True:
                        notice = (await ws.receive(timeout=1.5))["payload"]["data"]["noticeIssued"]
                        seen.add((notice["kind"], notice["enterpriseCode"]))
                assert seen == expected[who][1], who
        finally:
            for ws in sockets.values():
                await ws.__aexit__(None, None, None)


# -- 12. the rate limit cannot be sidestepped -----------------------------------------------------


@asynccontextmanager
async def _limited_app(database_url: str, registry: Any, **settings: Any) -> AsyncIterator[Any]:
    application = create_app(
        Settings(
            database_url=database_url,
            migrate_on_start=False,
            rate_limit_per_minute=1,  # no refill while a test runs, however slow the machine
            **settings,
        ),
        registry=registry,
    )
    try:
        yield application
    finally:
        await application.state.db_engine.dispose()


async def _statuses(client: httpx.AsyncClient, headers: list[dict[str, str]]) -> list[int]:
    return [
        (await client.post("/graphql", json={"query": POLICIES}, headers=h)).status_code
        for h in headers
    ]


async def test_x_forwarded_for_is_believed_only_from_trusted_proxies(
    app: Any, database_url: str, registry: Any
) -> None:
    forged = [{"X-Forwarded-For": f"192.0.2.{i}"} for i in range(1, 4)]
    async with (
        _limited_app(database_url, registry, rate_limit_burst=2) as untrusting,
        _client(untrusting, address="198.51.100.7") as c,
    ):
        assert await _statuses(c, forged) == [200, 200, 429]  # one bucket, whatever XFF says
    async with (
        _limited_app(
            database_url, registry, rate_limit_burst=2, forwarded_allow_ips=("198.51.100.0/24",)
        ) as behind_proxy,
        _client(behind_proxy, address="198.51.100.7") as proxy,
    ):
        assert await _statuses(proxy, forged) == [200, 200, 200]  # each client its own bucket
        # The nearest address that is not a proxy counts, not what the client put in front.
        spoofed = [{"X-Forwarded-For": f"10.9.9.{i}, 192.0.2.50"} for i in range(3)]
        assert await _statuses(proxy, spoofed) == [200, 200, 429]


async def test_unknown_tokens_share_the_anonymous_bucket_and_cost_at_most_one_query(
    app: Any, database_url: str, registry: Any
) -> None:
    async with _limited_app(database_url, registry, rate_limit_burst=3) as limited:
        token_queries: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "FROM tokens" in statement:
                token_queries.append(statement)

        event.listen(limited.state.db_engine.sync_engine, "before_cursor_execute", count)
        invented = [{"Authorization": f"Bearer qc_{secrets.token_urlsafe(32)}"} for _ in range(4)]
        async with _client(limited, address="198.51.100.20") as c:
            assert await _statuses(c, invented) == [200, 200, 200, 429]
        assert len(token_queries) == 3  # the refused fourth was never looked up

        token_queries.clear()
        malformed = {"Authorization": "Bearer qc_not-one-of-ours"}
        same_unknown = {"Authorization": f"Bearer qc_{secrets.token_urlsafe(32)}"}
        async with _client(limited, address="198.51.100.21") as c:
            assert await _statuses(c, [malformed, same_unknown, same_unknown]) == [200] * 3
        assert len(token_queries) == 1  # malformed: none; the same unknown token: once

        # A token the server accepted gets a bucket of its own once known.
        valid = {"Authorization": f"Bearer {await issue_token(app, 'ADMIN')}"}
        async with _client(limited, address="198.51.100.22") as c:
            assert await _statuses(c, [valid] * 4) == [200] * 4  # 1 on the address, 3 its own
            assert await _statuses(c, [{}, {}, {}]) == [200, 200, 429]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(database_url: str, *args: str, **env: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [QCREDIT, "serve", "--database", database_url, "--port", str(port), *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=30).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("qcredit serve did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_believes_x_forwarded_for_only_from_its_forwarded_allow_ips(
    app: Any, database_url: str
) -> None:
    # Three requests in the bucket, no refill while the test runs; the health probe took one.
    env = {"QCREDIT_RATE_LIMIT_BURST": "3", "QCREDIT_RATE_LIMIT_PER_MINUTE": "1"}
    forged = [{"X-Forwarded-For": f"192.0.2.{i}"} for i in range(1, 4)]

    def statuses(base: str) -> list[int]:
        return [
            httpx.post(f"{base}/graphql", json={"query": POLICIES}, headers=h).status_code
            for h in forged
        ]

    # uvicorn alone would believe any X-Forwarded-For from 127.0.0.1.
    with _server(database_url, **env) as base:
        assert statuses(base) == [200, 200, 429]
    with _server(database_url, "--forwarded-allow-ips", "127.0.0.1", **env) as base:
        assert statuses(base) == [200, 200, 200]


# -- 14. token claims are validated like any input ------------------------------------------------


async def test_token_claims_are_validated_like_any_input(
    app: Any, database_url: str, registry: Any
) -> None:
    async with _limited_app(database_url, registry, rate_limit_burst=1000) as jwt_app:
        with _signing_key() as (key, pem):
            _trust_jwts(jwt_app, pem)
            refused = {
                "empty region": {"role": "REGULATOR", "regions": [""]},
                "regions as a string": {"role": "REGULATOR", "regions": "110000"},
                "a number for a region": {"role": "REGULATOR", "regions": [110000]},
                "no such province": {"role": "REGULATOR", "regions": ["990000"]},
                "regulator without regions": {"role": "REGULATOR"},
                "reviewer with empty regions": {"role": "REVIEWER", "regions": []},
                "empty role": {"role": "", "regions": ["110000"]},
                "role of the wrong type": {"role": ["ADMIN"]},
                "unknown role": {"role": "EMPEROR"},
                "public role": {"role": "PUBLIC"},
                "malformed enterprise": {"role": "SUBJECT", "enterprise": "91110105"},
                "subject without enterprise": {"role": "SUBJECT"},
                "blank department": {"role": "DEPARTMENT", "department": "  "},
                "department of the wrong type": {"role": "DEPARTMENT", "department": 7},
                "endless department": {"role": "DEPARTMENT", "department": "税" * 500},
                "empty sub": {"role": "ADMIN", "sub": ""},
            }
            for why, claims in refused.items():
                async with _client(jwt_app, _sign(key, **claims)) as c:
                    error = only_error(await gql(c, "{ me { role regions } }"))
                assert error["extensions"]["code"] == "UNAUTHENTICATED", why
            accepted = {
                ("REGULATOR", ("110105",)): {"role": "REGULATOR", "regions": [" 110105"]},
                ("ADMIN", ()): {"role": "ADMIN"},  # an ADMIN without regions acts everywhere
                ("DEPARTMENT", ()): {"role": "DEPARTMENT", "department": "税务"},
            }
            for (role, regions), claims in accepted.items():
                async with _client(jwt_app, _sign(key, **claims)) as c:
                    me = (await _ok(c, "{ me { role regions } }", {}))["me"]
                assert (me["role"], tuple(me["regions"])) == (role, regions)
    # The same checks for the tokens of `qcredit token create`.
    async with app.state.services.sessions() as s:
        for claims in (
            {"role": "REGULATOR", "regions": [""]},
            {"role": "REGULATOR", "regions": []},
            {"role": "SUBJECT", "enterprise_code": "91110105"},
            {"role": "DEPARTMENT", "department": " "},
        ):
            with pytest.raises(InvalidInput):
                await create_token(s, **claims)
        await s.rollback()


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        (["--role", "REGULATOR", "--region", ""], "region"),
        (["--role", "REGULATOR", "--region", "1101"], "region"),
        (["--role", "REGULATOR"], "region"),
        (["--role", "SUBJECT", "--enterprise", "not-a-code"], "enterprise"),
        (["--role", "DEPARTMENT", "--department", " "], "department"),
    ],
)
def test_token_create_refuses_bad_claims_in_one_line(
    database_url: str, flags: list[str], field: str
) -> None:
    run = subprocess.run(
        [QCREDIT, "token", "create", "--database", database_url, *flags],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "60"},
    )
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""  # no token printed
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and f"BAD_USER_INPUT [{field}]" in lines[0], run.stderr


# -- 15. a server that cannot start says why in one line ------------------------------------------


def _one_line_failure(*args: str, **env: str) -> str:
    run = subprocess.run(
        [QCREDIT, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "60", **env},
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def _unreachable(database_url: str, tmp_path: Path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'qcredit.db'}"
    return "postgresql://qcredit:s3cret@127.0.0.1:1/qcredit"


def test_a_server_without_its_database_says_why_in_one_line(
    database_url: str, tmp_path: Path
) -> None:
    url = _unreachable(database_url, tmp_path)
    for command in (["serve", "--port", str(_free_port())], ["db", "upgrade"]):
        line = _one_line_failure(*command, "--database", url)
        assert line.startswith("qcredit: cannot ")
        assert "s3cret" not in line
        if database_url.startswith("postgresql"):
            assert line.endswith("127.0.0.1:1/qcredit: connection refused"), line
        else:
            assert "no directory" in line, line
    line = _one_line_failure("serve", "--database", "mysql://db.internal/qcredit")
    assert "unsupported database 'mysql'" in line


def test_a_server_on_an_unmigrated_database_says_so_in_one_line(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        empty, name = f"sqlite:///{tmp_path / 'empty.db'}", None
    else:
        name = f"qcredit_empty_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        empty = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        line = _one_line_failure(
            "serve", "--database", empty, "--port", str(_free_port()), QCREDIT_MIGRATE_ON_START="0"
        )
        assert "at migration none" in line and "qcredit db upgrade" in line, line
    finally:
        if name is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_server_whose_port_is_taken_or_workers_wrong_says_why(database_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_line_failure("serve", "--database", database_url, "--port", str(port))
    assert line == f"qcredit: cannot listen on 127.0.0.1:{port}: address already in use"
    run = subprocess.run(
        [QCREDIT, "serve", "--database", database_url, "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].endswith("--workers: must be at least 1, not 0")
