"""What the server's log says about a refusal and about a fault.

A caller's mistake (a bad credit code) is answered with ``BAD_USER_INPUT`` and leaves no
traceback in the operator's log: a log that fills with stacks for every typo hides the fault
that matters. A fault in the server is masked for the caller and logged once, with its stack.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest


async def test_a_refusal_logs_no_traceback(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    r = await client.post("/graphql", json={"query": '{ enterprise(code: "x") { name } }'})
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert [rec for rec in caplog.records if rec.exc_info] == []
    assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING]


async def test_a_fault_is_masked_and_logged_once_with_its_stack(
    client: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qcredit.core.identifiers as identifiers

    def broken(value: str, field: str) -> str:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(identifiers, "validate_credit_code", broken)
    caplog.set_level(logging.INFO)
    r = await client.post("/graphql", json={"query": '{ enterprise(code: "x") { name } }'})
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in r.text
    logged = [rec for rec in caplog.records if rec.exc_info]
    assert len(logged) == 1 and "secret detail" in str(logged[0].exc_info[1])
