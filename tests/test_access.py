"""Who may write, who sees which grade, the review workflow and the sharing feed.

Writes: PUBLIC → UNAUTHENTICATED; roles that may not write, and regulators outside their
regions → FORBIDDEN; nothing is written either way.  Reads: each policy's publicity rules decide
per audience (佳木斯 五（三）: B and C are internal; 三（五）: A published on application and
review, D exposed after re-check; 濠江 四（一）: A may be published; 四（三）: shared with
departments).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from qcredit.core.store.tables import AuditRow, EnterpriseRow, EventRow, ProductRow
from sqlalchemy import func, select

from .conftest import issue_token
from .support import credit_code, gql, only_error

REGISTER = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }"""
PRODUCT = """mutation($i: RegisterProductInput!) { registerProduct(input: $i) { id } }"""
RECORD = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""
ASSESS = """query($c: String!, $p: String!, $d: Date) { enterprise(code: $c) {
  assessment(policy: $p, asOf: $d) { level score reasons { text events { id } }
    supervision { kind } publicity { audience } } } }"""


def as_role(app: Any, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


async def rows(db_engine: Any) -> tuple[int, int, int]:
    async with db_engine.connect() as conn:
        got = [
            (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in (EnterpriseRow, ProductRow, EventRow)
        ]
    return got[0], got[1], got[2]


ROLES = {
    "public": None,
    "subject": dict(role="SUBJECT", enterprise_code=credit_code(1, "110101")),
    "department": dict(role="DEPARTMENT", department="发展改革委"),
    "industry": dict(role="INDUSTRY"),
    "reviewer": dict(role="REVIEWER", regions=["110000"]),
    "regulator-elsewhere": dict(role="REGULATOR", regions=["310000"]),
    "regulator": dict(role="REGULATOR", regions=["110101"]),
}
EXPECTED_WRITE = {
    "public": "UNAUTHENTICATED",
    "subject": "FORBIDDEN",
    "department": "FORBIDDEN",
    "industry": "FORBIDDEN",
    "reviewer": "FORBIDDEN",
    "regulator-elsewhere": "FORBIDDEN",
    "regulator": None,
}


@pytest.mark.parametrize("role", list(ROLES))
async def test_writes_by_role_and_region(app: Any, client: Any, db_engine: Any, role: str) -> None:
    code = credit_code(1, "110101")
    await gql(client, REGISTER, {"i": {"code": code, "name": "甲", "regionCode": "110101"}})
    token = await issue_token(app, **ROLES[role]) if ROLES[role] else None
    attempts = [
        (REGISTER, {"i": {"code": credit_code(2, "110101"), "name": "乙", "regionCode": "110101"}}),
        (PRODUCT, {"i": {"enterpriseCode": code, "trademark": "甲牌", "niceClass": 9}}),
        (
            RECORD,
            {
                "i": {
                    "enterpriseCode": code,
                    "kind": "SAMPLING_INSPECTION",
                    "occurredOn": "2024-03-01",
                    "attributes": {"result": "FAIL"},
                }
            },
        ),
    ]
    async with as_role(app, token) as caller:
        for mutation, variables in attempts:
            before = await rows(db_engine)
            result = await gql(caller, mutation, variables)
            expected = EXPECTED_WRITE[role]
            if expected is None:
                assert "errors" not in result, result
                assert await rows(db_engine) != before
            else:
                assert only_error(result)["extensions"]["code"] == expected, result
                assert await rows(db_engine) == before


async def test_a_revoked_or_unknown_token_is_unauthenticated(app: Any, client: Any) -> None:
    async with as_role(app, "qc_not-a-real-token") as caller:
        error = only_error(await gql(caller, "{ me { role } }"))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_writes_are_audited(app: Any, client: Any, db_engine: Any) -> None:
    code = credit_code(1, "110101")
    await gql(client, REGISTER, {"i": {"code": code, "name": "甲", "regionCode": "110101"}})
    log = await gql(
        client,
        '{ auditLog(action: "WRITE") { totalCount edges { node { actor '
        "role action target detail } } } }",
    )
    entry = log["data"]["auditLog"]["edges"][0]["node"]
    assert entry["action"] == "WRITE" and entry["role"] == "ADMIN"
    assert entry["target"] == f"enterprise:{code}"
    async with as_role(app, None) as caller:
        error = only_error(await gql(caller, "{ auditLog { totalCount } }"))
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


# -- reading grades ------------------------------------------------------------------------------
async def _jiamusi(client: Any, n: int, fails: list[str], region: str = "230803") -> str:
    """An enterprise in 佳木斯 with failed samplings on the given dates (2 consecutive in a
    year → D; one this year → C; one last year → B; none → A)."""
    code = credit_code(n, region)
    await gql(
        client,
        REGISTER,
        {
            "i": {
                "code": code,
                "name": f"佳木斯企业{n}",
                "regionCode": region,
                "establishedOn": "2010-01-01",
            }
        },
    )
    for on in fails:
        await gql(
            client,
            RECORD,
            {
                "i": {
                    "enterpriseCode": code,
                    "kind": "SAMPLING_INSPECTION",
                    "occurredOn": on,
                    "attributes": {"result": "FAIL"},
                }
            },
        )
    return code


JIAMUSI_CASES = {
    "A": [],
    "B": ["2023-11-01"],
    "C": ["2024-02-01"],
    "D": ["2024-02-01", "2024-04-01"],
}
ON = "2024-06-01"


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        # 五（三）: B and C internal only; 三（五）: A and D only after review.
        ("public", {"A": False, "B": False, "C": False, "D": False}),
        ("department", {"A": False, "B": False, "C": False, "D": False}),
        ("industry", {"A": False, "B": False, "C": False, "D": False}),
        ("regulator", {"A": True, "B": True, "C": True, "D": True}),
        ("regulator-elsewhere", {"A": False, "B": False, "C": False, "D": False}),
        ("own-subject", {"A": True, "B": True, "C": True, "D": True}),
        ("other-subject", {"A": False, "B": False, "C": False, "D": False}),
    ],
)
async def test_jiamusi_disclosure_matrix(
    app: Any, client: Any, role: str, visible: dict[str, bool]
) -> None:
    codes = {
        lvl: await _jiamusi(client, n, fails)
        for n, (lvl, fails) in enumerate(JIAMUSI_CASES.items(), start=1)
    }
    for level, code in codes.items():
        spec: dict[str, Any] | None = {
            "public": None,
            "department": dict(role="DEPARTMENT", department="税务"),
            "industry": dict(role="INDUSTRY"),
            "regulator": dict(role="REGULATOR", regions=["230800"]),
            "regulator-elsewhere": dict(role="REGULATOR", regions=["330400"]),
            "own-subject": dict(role="SUBJECT", enterprise_code=code),
            "other-subject": dict(role="SUBJECT", enterprise_code=credit_code(99, "230803")),
        }[role]
        token = await issue_token(app, **spec) if spec else None
        async with as_role(app, token) as caller:
            result = await gql(caller, ASSESS, {"c": code, "p": "jiamusi", "d": ON})
        if visible[level]:
            assert "errors" not in result, result
            assert result["data"]["enterprise"]["assessment"]["level"] == level
        else:
            assert result["data"]["enterprise"]["assessment"] is None
            error = only_error(result)
            assert error["extensions"]["code"] == "FORBIDDEN"
            text = str(result)
            for leak in ("score", "reasons", "supervision", f"'level': '{level}'"):
                assert leak not in text


async def test_lists_and_counts_do_not_reveal_hidden_levels(app: Any, client: Any) -> None:
    for n, (_, fails) in enumerate(JIAMUSI_CASES.items(), start=1):
        await _jiamusi(client, n, fails, region="230803")
    query = """query($l: String) { enterprises(filter: {policy: "jiamusi", level: $l}) {
      totalCount edges { node { code } } } }"""
    # Standing grades are as of today: with the demo dates all four now hold A (nothing this
    # year); grade the cases again as of their date for the check by using the filter only.
    admin = {
        lvl: (await gql(client, query, {"l": lvl}))["data"]["enterprises"]["totalCount"]
        for lvl in "ABCD"
    }
    assert sum(admin.values()) == 4
    async with as_role(app, None) as caller:
        for lvl in "ABCD":
            result = await gql(caller, query, {"l": lvl})
            assert result["data"]["enterprises"]["totalCount"] == 0, (lvl, result)
            assert result["data"]["enterprises"]["edges"] == []
        listed = await gql(
            caller,
            '{ enterprise(code: "%s") { assessments { level } } }'.replace(
                "%s", credit_code(1, "230803")
            ),
        )
        assert listed["data"]["enterprise"]["assessments"] == []


async def test_ledger_is_for_the_bureau_and_the_subject(app: Any, client: Any) -> None:
    code = await _jiamusi(client, 1, ["2024-02-01"])
    query = '{ enterprise(code: "%s") { events { totalCount } } }'.replace("%s", code)
    async with as_role(app, None) as caller:
        assert (await gql(caller, query))["data"]["enterprise"]["events"]["totalCount"] == 0
    own = await issue_token(app, role="SUBJECT", enterprise_code=code)
    async with as_role(app, own) as caller:
        assert (await gql(caller, query))["data"]["enterprise"]["events"]["totalCount"] == 1


# -- review workflow -----------------------------------------------------------------------------
REQUEST = """mutation($p: String!, $c: String!, $k: String!, $r: String!) {
  requestDisclosure(policy: $p, enterpriseCode: $c, kind: $k, reason: $r) { id state level } }"""
DECIDE = """mutation($id: ID!, $a: Boolean!, $r: String!) {
  decideDisclosure(id: $id, approve: $a, reason: $r) { id state reviewer decisionReason } }"""
PUBLIC_LIST = """query($p: String!, $l: String!) { publicList(policy: $p, list: $l) {
  totalCount edges { node { level enterprise { code } } } } }"""
STANDING = '{ enterprise(code: "%s") { assessment(policy: "jiamusi") { level } } }'


async def test_jiamusi_a_is_published_only_after_application_and_review(
    app: Any, client: Any
) -> None:
    code = await _jiamusi(client, 1, [])  # no failures: A today
    subject = await issue_token(app, role="SUBJECT", enterprise_code=code)
    reviewer = await issue_token(app, role="REVIEWER", regions=["230800"])
    elsewhere = await issue_token(app, role="REVIEWER", regions=["330400"])
    async with as_role(app, None) as public:
        assert (
            only_error(await gql(public, STANDING.replace("%s", code)))["extensions"]["code"]
            == "FORBIDDEN"
        )
        assert (await gql(public, PUBLIC_LIST, {"p": "jiamusi", "l": "A_LIST"}))["data"][
            "publicList"
        ]["totalCount"] == 0
        # PUBLIC cannot apply
        assert (
            only_error(
                await gql(
                    public,
                    REQUEST,
                    {"p": "jiamusi", "c": code, "k": "PUBLICATION", "r": "申请公示"},
                )
            )["extensions"]["code"]
            == "UNAUTHENTICATED"
        )
    async with as_role(app, subject) as s:
        req = (
            await gql(
                s, REQUEST, {"p": "jiamusi", "c": code, "k": "PUBLICATION", "r": "企业自愿申请公示"}
            )
        )["data"]["requestDisclosure"]
        assert req["state"] == "PENDING" and req["level"] == "A"
        dup = only_error(
            await gql(s, REQUEST, {"p": "jiamusi", "c": code, "k": "PUBLICATION", "r": "再次申请"})
        )
        assert dup["extensions"]["code"] == "CONFLICT"
    async with as_role(app, elsewhere) as other:
        assert (
            only_error(await gql(other, DECIDE, {"id": req["id"], "a": True, "r": "同意"}))[
                "extensions"
            ]["code"]
            == "FORBIDDEN"
        )
    async with as_role(app, reviewer) as r:
        decided = (await gql(r, DECIDE, {"id": req["id"], "a": True, "r": "省级评价通过"}))["data"][
            "decideDisclosure"
        ]
        assert decided["state"] == "APPROVED" and decided["reviewer"].startswith("token:")
        again = only_error(await gql(r, DECIDE, {"id": req["id"], "a": False, "r": "x"}))
        assert again["extensions"]["code"] == "CONFLICT"
    async with as_role(app, None) as public:
        shown = await gql(public, STANDING.replace("%s", code))
        assert shown["data"]["enterprise"]["assessment"]["level"] == "A"
        listed = await gql(public, PUBLIC_LIST, {"p": "jiamusi", "l": "A_LIST"})
        assert [e["node"]["enterprise"]["code"] for e in listed["data"]["publicList"]["edges"]] == [
            code
        ]
    # The grade changes: the publication lapses with it.
    for on in ("2026-01-05", "2026-02-05"):
        await gql(
            client,
            RECORD,
            {
                "i": {
                    "enterpriseCode": code,
                    "kind": "SAMPLING_INSPECTION",
                    "occurredOn": on,
                    "attributes": {"result": "FAIL"},
                }
            },
        )
    async with as_role(app, None) as public:
        assert (await gql(public, PUBLIC_LIST, {"p": "jiamusi", "l": "A_LIST"}))["data"][
            "publicList"
        ]["totalCount"] == 0
        assert (await gql(public, PUBLIC_LIST, {"p": "jiamusi", "l": "BLACKLIST"}))["data"][
            "publicList"
        ]["totalCount"] == 0  # D, but not re-checked yet
    log = await gql(client, '{ auditLog(action: "DISCLOSURE_DECISION") { totalCount } }')
    assert log["data"]["auditLog"]["totalCount"] == 1


async def test_jiamusi_d_exposed_after_recheck_and_never_by_the_requester(
    app: Any, client: Any
) -> None:
    code = await _jiamusi(client, 1, ["2026-01-05", "2026-02-05"])  # D now
    regulator = await issue_token(app, role="REGULATOR", regions=["230803"])
    reviewer = await issue_token(app, role="REVIEWER", regions=["230800"])
    async with as_role(app, regulator) as reg:
        req = (
            await gql(
                reg, REQUEST, {"p": "jiamusi", "c": code, "k": "EXPOSURE", "r": "失信事实复核"}
            )
        )["data"]["requestDisclosure"]
    async with as_role(app, regulator) as reg:
        own = only_error(await gql(reg, DECIDE, {"id": req["id"], "a": True, "r": "自批"}))
    assert own["extensions"]["code"] == "FORBIDDEN"  # a regulator does not review
    other = await _jiamusi(client, 2, ["2026-01-05", "2026-02-05"])
    mine = (await gql(client, REQUEST, {"p": "jiamusi", "c": other, "k": "EXPOSURE", "r": "复核"}))[
        "data"
    ]["requestDisclosure"]
    self_review = only_error(await gql(client, DECIDE, {"id": mine["id"], "a": True, "r": "x"}))
    assert self_review["extensions"]["code"] == "FORBIDDEN"  # never the requester
    async with as_role(app, reviewer) as r:
        await gql(r, DECIDE, {"id": req["id"], "a": True, "r": "复核属实"})
    async with as_role(app, None) as public:
        listed = await gql(public, PUBLIC_LIST, {"p": "jiamusi", "l": "BLACKLIST"})
        assert listed["data"]["publicList"]["totalCount"] == 1
        assert (await gql(public, STANDING.replace("%s", code)))["data"]["enterprise"][
            "assessment"
        ]["level"] == "D"


async def test_b_cannot_be_requested_for_publication(app: Any, client: Any) -> None:
    code = await _jiamusi(client, 1, ["2025-11-01"])  # B now (a failure last year)
    subject = await issue_token(app, role="SUBJECT", enterprise_code=code)
    async with as_role(app, subject) as s:
        error = only_error(
            await gql(s, REQUEST, {"p": "jiamusi", "c": code, "k": "PUBLICATION", "r": "申请"})
        )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "kind"}


async def test_reviewer_cannot_decide_own_request(app: Any, client: Any) -> None:
    code = await _jiamusi(client, 1, [])
    reviewer = await issue_token(app, role="REVIEWER", regions=["230800"])
    async with as_role(app, reviewer) as r:
        # A reviewer is not the enterprise nor its regulator: it cannot apply either.
        error = only_error(
            await gql(r, REQUEST, {"p": "jiamusi", "c": code, "k": "PUBLICATION", "r": "申请"})
        )
    assert error["extensions"]["code"] == "FORBIDDEN"


# -- sharing feed --------------------------------------------------------------------------------
FEED = """query($s: String) { gradeChanges(since: $s) { endCursor hasMore changes { policy
  previous current notice enterprise { code } } } }"""


async def test_feed_gives_departments_only_what_they_may_see(app: Any, client: Any) -> None:
    await _jiamusi(client, 1, ["2026-01-05"])  # jiamusi C now: internal only (五（三）)
    hj = credit_code(2, "440512")
    await gql(client, REGISTER, {"i": {"code": hj, "name": "濠江企业", "regionCode": "440512"}})
    await gql(
        client,
        RECORD,
        {
            "i": {
                "enterpriseCode": hj,
                "kind": "QUALITY_CREDIT_POINTS",
                "occurredOn": "2026-01-05",
                "attributes": {"points": 3},
            }
        },
    )
    dept = await issue_token(app, role="DEPARTMENT", department="工信")
    async with as_role(app, dept) as d:
        feed = (await gql(d, FEED, {"s": None}))["data"]["gradeChanges"]
    seen = {(c["policy"], c["current"]) for c in feed["changes"]}
    assert ("haojiang", "C") in seen  # 四（三）: shared with departments
    assert not any(p == "jiamusi" for p, _ in seen)  # 五（三）
    notice = next(c["notice"] for c in feed["changes"] if c["policy"] == "haojiang")
    assert "商业" in notice["notForCommercialUse"]  # 三（三）
    async with as_role(app, dept) as d:
        rest = (await gql(d, FEED, {"s": feed["endCursor"]}))["data"]["gradeChanges"]
    assert rest["changes"] == []
    async with as_role(app, None) as public:
        public_feed = (await gql(public, FEED, {"s": None}))["data"]["gradeChanges"]
    assert public_feed["changes"] == []  # neither C is public


async def test_reads_of_nonpublic_grades_are_audited(app: Any, client: Any) -> None:
    code = await _jiamusi(client, 1, ["2026-01-05"])
    regulator = await issue_token(app, role="REGULATOR", regions=["230800"])
    async with as_role(app, regulator) as reg:
        await gql(reg, STANDING.replace("%s", code))
    log = await gql(
        client, '{ auditLog(action: "READ_NONPUBLIC") { edges { node { role detail } } } }'
    )
    entries = [e["node"] for e in log["data"]["auditLog"]["edges"]]
    assert any(
        e["role"] == "REGULATOR" and any("jiamusi" in t for t in e["detail"]["targets"])
        for e in entries
    )
    assert await _count(app, AuditRow) >= 1


async def _count(app: Any, table: Any) -> int:
    async with app.state.db_engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


# -- command line: tokens and exports ------------------------------------------------------------
async def test_cli_token_lifecycle_and_department_export(
    app: Any, client: Any, database_url: str, capsys: Any, tmp_path: Any
) -> None:
    import asyncio
    import csv as csvlib
    import json

    from openpyxl import load_workbook
    from qcredit.api.cli import main

    await _jiamusi(client, 1, ["2026-01-05"])  # internal only (五（三）)
    hj = credit_code(2, "440512")
    await gql(client, REGISTER, {"i": {"code": hj, "name": "濠江企业", "regionCode": "440512"}})
    await gql(
        client,
        RECORD,
        {
            "i": {
                "enterpriseCode": hj,
                "kind": "QUALITY_CREDIT_POINTS",
                "occurredOn": "2026-01-05",
                "attributes": {"points": 13},
            }
        },
    )

    def cli(*args: str) -> int:
        return main([*args, "--database", database_url])

    capsys.readouterr()
    assert (
        await asyncio.to_thread(
            cli,
            "token",
            "create",
            "--role",
            "DEPARTMENT",
            "--department",
            "税务",
            "--expires",
            "30",
        )
        == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("qc_")
    assert await asyncio.to_thread(cli, "token", "list") == 0
    listing = capsys.readouterr().out
    assert "税务" in listing and token not in listing  # never the secret
    names = {p.id: p.name for p in app.state.services.registry.all_policies()}
    for fmt in ("csv", "jsonl", "xlsx"):
        out = tmp_path / f"changes.{fmt}"
        assert (
            await asyncio.to_thread(
                cli,
                "export",
                "--for",
                "DEPARTMENT",
                "--department",
                "税务",
                "--format",
                fmt,
                "--issuer",
                "某某市市场监督管理局",
                "-o",
                str(out),
            )
            == 0
        )
        if fmt == "csv":
            rows = list(csvlib.DictReader(out.read_text("utf-8-sig").splitlines()))
        elif fmt == "jsonl":
            rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        else:
            values = list(load_workbook(out).active.iter_rows(values_only=True))
            rows = [dict(zip(values[0], v, strict=True)) for v in values[1:]]
        # JSON Lines has English keys; CSV and XLSX the Chinese headers (docs/export.md).
        policy, notice = ("policy", "notice") if fmt == "jsonl" else ("政策", "使用限制")
        policies = {r[policy] for r in rows}
        assert names["haojiang"] in policies and names["jiamusi"] not in policies
        assert all("商业" in r[notice] for r in rows if r[policy] == names["haojiang"])
    async with as_role(app, token) as dept:
        assert (await gql(dept, "{ me { role department } }"))["data"]["me"] == {
            "role": "DEPARTMENT",
            "department": "税务",
        }
    listed = await gql(client, '{ auditLog(action: "EXPORT") { totalCount } }')
    assert listed["data"]["auditLog"]["totalCount"] == 3
    async with app.state.services.sessions() as s:
        from qcredit.core.disclosure.tokens import verify_token

        info = await verify_token(s, token)
        assert info is not None
        token_id_of = str(info.id)
    assert await asyncio.to_thread(cli, "token", "revoke", token_id_of) == 0
    async with as_role(app, token) as dept:
        assert only_error(await gql(dept, "{ me { role } }"))["extensions"]["code"] == (
            "UNAUTHENTICATED"
        )


async def test_jwt_from_an_outside_identity_provider(
    app: Any, database_url: str, registry: Any, monkeypatch: Any
) -> None:
    import datetime as dt

    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from qcredit.api.app import create_app
    from qcredit.api.settings import Settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    monkeypatch.setenv("QCREDIT_JWT_PUBLIC_KEY", public_pem)
    monkeypatch.setenv("QCREDIT_JWT_ISSUER", "https://idp.samr.example")
    jwt_app = create_app(
        Settings(database_url=database_url, migrate_on_start=False, rate_limit_per_minute=0),
        registry=registry,
    )
    now = dt.datetime.now(dt.UTC)

    def sign(**claims: Any) -> str:
        base = {
            "sub": "zhang.san",
            "iss": "https://idp.samr.example",
            "exp": now + dt.timedelta(minutes=5),
        }
        return jwt.encode({**base, **claims}, key, algorithm="RS256")

    try:
        async with as_role(jwt_app, sign(role="regulator", regions=["230800"])) as c:
            me = (await gql(c, "{ me { role regions } }"))["data"]["me"]
        assert me == {"role": "REGULATOR", "regions": ["230800"]}
        expired = sign(role="REGULATOR", exp=now - dt.timedelta(minutes=1))
        other_issuer = sign(role="ADMIN", iss="https://evil.example")
        for bad in (expired, other_issuer, sign(role="EMPEROR")):
            async with as_role(jwt_app, bad) as c:
                error = only_error(await gql(c, "{ me { role } }"))
            assert error["extensions"]["code"] == "UNAUTHENTICATED"
    finally:
        await jwt_app.state.db_engine.dispose()


async def test_a_nonpublic_read_the_audit_log_cannot_record_shows_nothing(
    app: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit log sees every read of a grade not public: the entry is written before the
    answer leaves, and when it cannot be written the answer is a coded refusal, not the grade."""
    from qcredit.api.graphql import context as request_context
    from sqlalchemy import text

    code = await _jiamusi(client, 1, ["2026-01-05"])
    regulator = await issue_token(app, role="REGULATOR", regions=["230800"])

    async def refuse(*_: Any, **__: Any) -> None:
        raise RuntimeError("the audit log's disk is full")

    monkeypatch.setattr(request_context.driver, "insert_many", refuse)
    monkeypatch.setattr(request_context, "_AUDIT_INSERT", text("INSERT INTO no_audit_here"))
    before = await _count(app, AuditRow)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers={"Authorization": f"Bearer {regulator}"},
    ) as reg:
        r = await reg.post("/graphql", json={"query": STANDING.replace("%s", code)})
    assert r.status_code == 503, r.text
    body = r.json()
    assert "data" not in body and "level" not in r.text
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    monkeypatch.undo()
    assert await _count(app, AuditRow) == before
