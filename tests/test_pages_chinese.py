"""Chinese on every page (docs/dashboard.md, "Labels").

* The ``labels`` query has a Chinese label for every code of every closed set, built from the
  code itself (the enumerations, the vocabulary with the plug-ins' kinds, the policies), so a code
  added without a label fails here.
* Headless Chromium, with every host but the server unreachable (tests/test_offline_browser.py),
  renders the dashboard and an enterprise file of each policy as PUBLIC and as ADMIN: the visible
  text (``document.body.innerText``) holds none of the raw codes a person could otherwise see and
  no error text.  Screenshots: artifacts/zh-<page>-<role>-<policy>.png (git-ignored).
* The verification page names the configured issuing bureau and the date it was checked.
"""

from __future__ import annotations

import asyncio
import base64
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from qcredit.api.app import create_app
from qcredit.api.graphql.types.labels import ENUMS
from qcredit.api.settings import Settings
from qcredit.core import clock
from qcredit.core.model import SubjectType
from qcredit.core.plugins import Registry
from qcredit.core.vocabulary import LABEL_SETS

from . import test_dashboard_browser as dashboard_browser
from . import test_offline_browser as offline_browser
from .support import gql
from .test_dashboard_browser import ARTIFACTS, admin_token, api
from .test_offline_browser import Page, RefusingProxy, offline_tab

chromium = dashboard_browser.chromium  # Debian's chromium, installed when missing
served = dashboard_browser.served  # uvicorn on the demo data, on a free loopback port
proxy = offline_browser.proxy  # refuses and logs whatever would leave the machine

CJK = re.compile(r"[\u4e00-\u9fff]")
# What a page must never show a person: the server's error codes and JavaScript's leftovers.
ERROR_TEXT = (
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "UNAUTHENTICATED",
    "Error",
    "undefined",
    "null",
    "[object",
    "NaN",
)
LABELS = "{ labels { name labels { code label } } }"


async def _labels(client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    result = await gql(client, LABELS)
    assert "errors" not in result, result
    return {
        s["name"]: {x["code"]: x["label"] for x in s["labels"]} for s in result["data"]["labels"]
    }


def _expected_codes(registry: Registry) -> dict[str, set[str]]:
    """Every code each set must label, from the code: enumerations, vocabulary, policies."""
    kinds = list(registry.vocabulary.kinds.values())
    policies = registry.all_policies()
    return {
        **{name: {m.value for m in enum} for name, enum in ENUMS.items()},
        "color": {lv.color for p in policies for lv in p.levels if lv.color},
        "eventKind": {k.code for k in kinds},
        "eventAttribute": {f"{k.code}.{a}" for k in kinds for a in k.all_attributes},
        "attributeValue": {
            f"{k.code}.{a.name}.{v}"
            for k in kinds
            for a in k.all_attributes.values()
            for v in a.values
        },
        "policy": {p.id for p in policies},
        "level": {f"{p.id}.{lv.code}" for p in policies for lv in p.levels},
    }


async def test_every_closed_code_has_a_chinese_label(
    anonymous: httpx.AsyncClient, registry: Registry
) -> None:
    labels = await _labels(anonymous)  # the public may read them
    assert set(labels) == {*LABEL_SETS, *_expected_codes(registry)}
    missing = {
        f"{name}:{code}"
        for name, codes in _expected_codes(registry).items()
        for code in codes
        if code not in labels[name] or not CJK.search(labels[name][code])
    }
    assert missing == set()
    # The policies label their own codes; the page takes them from there, not from a table.
    level = registry.policy("testland").level("F")
    assert labels["level"]["testland.F"] == level.label
    assert labels["policy"]["testland"] == registry.policy("testland").name


async def test_an_unknown_label_set_is_bad_input(anonymous: httpx.AsyncClient) -> None:
    result = await gql(anonymous, '{ labels(sets: ["eventStatus", "nope"]) { name } }')
    error = result["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "sets"}
    assert "nope" in error["message"]
    only = await gql(anonymous, '{ labels(sets: ["eventStatus"]) { name labels { code label } } }')
    assert {x["code"]: x["label"] for x in only["data"]["labels"][0]["labels"]}[
        "REVOKED"
    ] == "已撤销"


# -- the pages in a browser -----------------------------------------------------------------------


def raw_codes(registry: Registry) -> set[str]:
    """The codes no page may show as they are, built from the installation."""
    kinds = list(registry.vocabulary.kinds.values())
    policies = registry.all_policies()
    codes = {k.code for k in kinds}
    for kind in kinds:
        for a in kind.all_attributes.values():
            codes.add(a.name)  # an attribute name shown as it is means raw JSON or a raw row
            codes.update(a.values)
    for enum in ENUMS.values():
        codes.update(m.value for m in enum)
    codes.update(LABEL_SETS["color"][1])
    codes.update(lv.color for p in policies for lv in p.levels if lv.color)
    codes.update(p.id for p in policies)
    # Level codes are shown on purpose, beside the policy's label for them ("C 较高风险", the bars
    # of the distribution keyed by code), so they cannot be looked for.  Some are also attribute
    # values (嘉兴's product tier GENERAL and an accident's severity GENERAL): those escape here.
    return codes - {lv.code for p in policies for lv in p.levels}


def problems(text: str, codes: set[str]) -> list[str]:
    """Raw codes (as whole words) and error text found in a page's visible text."""
    found = [
        c
        for c in sorted(codes)
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(c)}(?![A-Za-z0-9_])", text)
    ]
    prose = re.findall(r"\b[A-Za-z]+(?: [A-Za-z]+){3,}\b", text)  # an English sentence
    return found + [e for e in ERROR_TEXT if e in text] + prose


WORST = (
    "query($p: String!, $l: String!) { enterprises(filter: {policy: $p, level: $l}, first: 1) "
    "{ edges { node { code } } } }"
)
LEDGERS = (
    "query($p: String!) { enterprises(filter: {policy: $p}, first: 100) "
    "{ edges { node { code events(first: 50) { edges { node { status } } } } } } }"
)


async def _subjects(served_url: str, token: str, registry: Registry) -> dict[str, dict[str, str]]:
    """Per policy, the enterprises whose files are opened: one of its worst enterprise level
    (many reasons, measures, warnings) and one with an amended event (a correction's changes,
    statuses other than 有效), when the demo has one."""
    out: dict[str, dict[str, str]] = {}
    for p in registry.all_policies():
        files = out.setdefault(p.id, {})
        levels = [lv for lv in p.levels if SubjectType.ENTERPRISE in lv.subject_types]
        for lv in sorted(levels, key=lambda lv: -lv.rank):
            edges = (await api(served_url, WORST, {"p": p.id, "l": lv.code}, token))["enterprises"][
                "edges"
            ]
            if edges:
                files["file"] = edges[0]["node"]["code"]
                break
        ledgers = (await api(served_url, LEDGERS, {"p": p.id}, token))["enterprises"]["edges"]
        amended = [
            e["node"]["code"]
            for e in ledgers
            if any(v["node"]["status"] == "AMENDED" for v in e["node"]["events"]["edges"])
        ]
        if amended:
            files["file-corrected"] = amended[0]
    return out


async def whole_page(page: Page, name: str) -> None:
    """A screenshot of the whole page, not only the window (the file runs long)."""
    size = (await page.send("Page.getLayoutMetrics"))["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000), "scale": 1}
    shot = await page.send(
        "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
    )
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.stat().st_size > 10_000, path


@pytest.fixture(scope="module")
def demo_registry() -> Registry:
    return Registry.load()  # the shipped policies only, as `qcredit serve` loads them


async def test_pages_read_in_chinese_for_the_public_and_the_bureau(
    chromium: str,
    served: str,
    proxy: RefusingProxy,
    demo_database_url: str,
    demo_registry: Registry,
    tmp_path: Path,
) -> None:
    token = await admin_token(demo_database_url)
    codes = raw_codes(demo_registry)
    subjects = await _subjects(served, token, demo_registry)
    assert all("file" in files for files in subjects.values())
    assert sum("file-corrected" in files for files in subjects.values()) >= 3
    found: dict[str, Any] = {}
    async with offline_tab(chromium, proxy, tmp_path) as page:
        await page.open(
            f"{served}/dashboard/static/dashboard.css"
        )  # the origin, for sessionStorage
        for role in ("public", "admin"):
            fragment = f"#token={token}" if role == "admin" else ""
            if role == "public":
                await page.run("sessionStorage.clear(), true")
            for policy, files in subjects.items():
                paths = {"dashboard": f"/dashboard?policy={policy}"}
                paths.update({k: f"/dashboard/enterprise/{code}" for k, code in files.items()})
                for name, path in paths.items():
                    await page.open(f"{served}{path}{fragment}")
                    await page.until("!!document.body.dataset.loaded", f"{path} as {role}")
                    await asyncio.sleep(0.5)  # images and the last late paint
                    await whole_page(page, f"zh-{name}-{role}-{policy}.png")
                    text = await page.run("document.body.innerText")
                    unlabelled = await page.run("document.body.dataset.unlabelled || ''")
                    # A refusal the caller should expect reads as a note, never as an error.
                    errors = await page.run(
                        "[...document.querySelectorAll('.error')].map(e => e.textContent)"
                    )
                    seen = await page.run("document.getElementById('whoami').textContent")
                    assert ("社会公众" if role == "public" else "管理员") in seen, seen
                    bad = problems(text, codes) + [f"error: {e}" for e in errors]
                    bad += [f"unlabelled: {unlabelled}"] if unlabelled else []
                    if bad:
                        found[f"{name}-{role}-{policy}"] = bad
        requested = page.requested()
    assert found == {}
    assert offline_browser._outside(requested, served) == []


# -- the verification page ------------------------------------------------------------------------


async def test_verify_page_names_the_bureau_and_the_day_it_was_checked(
    demo_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.TODAY_ENV, "2026-03-09")
    for issuer in ("嘉兴市市场监督管理局", None):
        app = create_app(
            Settings(database_url=demo_database_url, migrate_on_start=False, issuer=issuer)
        )
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                data = await gql(client, "{ enterprises(first: 1) { edges { node { code } } } }")
                code = data["data"]["enterprises"]["edges"][0]["node"]["code"]
                page = (await client.get(f"/verify/{code}")).text
        finally:
            await app.state.db_engine.dispose()
        assert '<dd id="checked">2026年3月9日</dd>' in page
        if issuer:
            assert f'<dt>发布机关</dt><dd id="issuer">{issuer}</dd>' in page
        else:
            assert "发布机关" not in page and 'id="issuer"' not in page  # nothing guessed
