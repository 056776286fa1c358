"""GraphQL types that mirror a core object: most fields copied by name, the rest given."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def mirrored(cls: type[T], source: object, **given: Any) -> T:
    """An instance of the strawberry type ``cls`` whose fields not ``given`` are ``source``'s
    attributes of the same names (resolver fields are not constructor fields)."""
    copied = {
        f.name: getattr(source, f.name)
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.init and f.name not in given
    }
    return cls(**copied, **given)
