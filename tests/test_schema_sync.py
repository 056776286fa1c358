"""The committed schema.graphql is the schema the server serves (front ends build on it)."""

from __future__ import annotations

from pathlib import Path

from qcredit.api.graphql.schema import build_schema

SDL = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_sdl_matches_the_schema() -> None:
    current = build_schema().as_str().strip() + "\n"
    assert SDL.exists(), "run `qcredit schema > schema.graphql`"
    assert SDL.read_text(encoding="utf-8") == current, (
        "schema.graphql is out of date: run `qcredit schema > schema.graphql` and commit it"
    )


def _without_descriptions(sdl: str) -> str:
    """The SDL with every description left out and each argument list on one line, so that
    describing an argument (which prints the arguments one per line) does not hide the
    contract's names."""
    import re

    text = re.sub(r'"""(?:.|\n)*?"""', "", sdl)
    text = re.sub(r'^\s*"(?:[^"\\\n]|\\.)*"\s*$', "", text, flags=re.M)

    def one_line(m: re.Match[str]) -> str:
        parts = [line.strip() for line in m.group(1).split("\n") if line.strip()]
        return "(" + ", ".join(parts) + ")"

    return re.sub(r"\(([^()]*)\)", one_line, text)


def test_contract_names_are_present() -> None:
    sdl = _without_descriptions(build_schema().as_str())
    for name in (
        "policies: [Policy!]!",
        "policy(id: String!): Policy",
        "enterprise(code: String!): Enterprise",
        # Arguments added after these (last, before, orderBy) are not a break.
        "enterprises(filter: EnterpriseFilter = null, first: Int = null, after: String = null",
        "): EnterpriseConnection!",
        "product(id: ID!): Product",
        "node(id: ID!): Node",
        "registerEnterprise(input: RegisterEnterpriseInput!): Enterprise!",
        "registerProduct(input: RegisterProductInput!): Product!",
        "recordEvent(input: RecordEventInput!): Event!",
        "correctEvent(input: CorrectEventInput!): Event!",
        "history(policy: String!): [Assessment!]!",
        "totalCount: Int!",
        "reasons: [Reason!]!",
        "supervision: [Measure!]!",
        "publicity: [Disclosure!]!",
    ):
        assert name in sdl, name
