"""Every type, field, argument, enum value and input field of the schema is described.

Front ends generate their types from the schema (docs/schema.md); a member without a
description is one whose meaning, unit or null case a client would have to guess.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    specified_scalar_types,
)
from qcredit.api.graphql.schema import build_schema


def undescribed() -> list[str]:
    """Coordinates (Type, Type.field, Type.field(arg), Enum.VALUE) that lack a description."""
    schema = build_schema()._schema
    missing: list[str] = []

    def need(coordinate: str, description: str | None) -> None:
        if not (description or "").strip():
            missing.append(coordinate)

    for name, t in sorted(schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        need(name, t.description)
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType):
            for fname, f in t.fields.items():
                need(f"{name}.{fname}", f.description)
                for aname, a in f.args.items():
                    need(f"{name}.{fname}({aname})", a.description)
        elif isinstance(t, GraphQLInputObjectType):
            for fname, f in t.fields.items():
                need(f"{name}.{fname}", f.description)
        elif isinstance(t, GraphQLEnumType):
            for vname, v in t.values.items():
                need(f"{name}.{vname}", v.description)
        else:
            assert isinstance(t, GraphQLScalarType | GraphQLUnionType), name
    return missing


def test_every_member_of_the_schema_is_described() -> None:
    missing = undescribed()
    assert not missing, f"{len(missing)} without a description:\n" + "\n".join(missing)


def test_the_walk_sees_what_it_must() -> None:
    # The walk above must reach arguments, input fields and enum values, or it proves nothing.
    schema = build_schema()._schema
    assert schema.type_map["Enterprise"].fields["assessment"].args["asOf"].description
    assert schema.type_map["CorrectEventInput"].fields["reason"].description
    assert schema.type_map["EventStatus"].values["REVOKED"].description
