"""The committed schema.graphql is the schema the server serves (front ends build on it)."""

from __future__ import annotations

from pathlib import Path

from graphql import build_ast_schema, parse, print_schema
from qcredit.api.graphql.schema import build_schema

SDL = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_committed_sdl_matches_the_schema() -> None:
    current = build_schema().as_str().strip() + "\n"
    assert SDL.exists(), "run `qcredit schema > schema.graphql`"
    assert SDL.read_text(encoding="utf-8") == current, (
        "schema.graphql is out of date: run `qcredit schema > schema.graphql` and commit it"
    )


def signatures() -> str:
    """The SDL without its descriptions, so that each field prints on one line (a described
    argument would put every argument on a line of its own)."""
    schema = build_ast_schema(parse(build_schema().as_str()))
    for t in schema.type_map.values():
        t.description = None
        for f in getattr(t, "fields", {}).values():
            f.description = None
            for a in getattr(f, "args", {}).values():
                a.description = None
    return print_schema(schema)


def test_contract_names_are_present() -> None:
    sdl = signatures()
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
