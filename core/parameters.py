"""Dated parameters with provenance.

Every number a policy uses is a :class:`Parameter`: its value, the dates it holds for, and where
it comes from — the article of the text that fixes it, or ``local default`` with a justification
when the text leaves it open.  A deployment overrides parameters from a TOML file without touching
code; the override keeps a provenance of its own, so the API always shows law apart from local
configuration.

File format (a policy's ``parameters.toml`` and an override file alike)::

    [a_min_points]                 # one value
    value = 12
    source = "三（一）"
    note = "12分以上的，划为A类"

    [[fine_threshold]]             # dated values: a list of tables with from / until
    value = 10000
    source = "local default"
    until = 2023-12-31

An override file names the policy first: ``[mycity.band_a_max]`` with the same keys, or the short
form ``[mycity]`` ``band_a_max = 30``.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from qcredit.core.errors import InvalidInput

LOCAL_DEFAULT = "local default"


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    source: str
    note: str = ""
    valid_from: date | None = None
    valid_until: date | None = None

    @property
    def is_local_default(self) -> bool:
        return self.source.startswith(LOCAL_DEFAULT)

    def holds_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return isinstance(value, type(default))


class ParameterView(Mapping[str, Any]):
    """The values of a parameter set on one date, read like a dict: ``params["a_min_points"]``."""

    def __init__(self, parameters: ParameterSet, on: date) -> None:
        self._set = parameters
        self.on = on
        # A view is read hundreds of times while one subject is graded; a set never changes.
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            value = self._values[name] = self._set.get(name, self.on).value
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._set.names())

    def __len__(self) -> int:
        return len(self._set.names())

    def parameter(self, name: str) -> Parameter:
        return self._set.get(name, self.on)


_MEMO_BOUND = 100_000
_VIEWS_BOUND = 4_096


class ParameterSet:
    """All parameters of one policy, each possibly with several dated values."""

    def __init__(self, parameters: Iterable[Parameter]) -> None:
        self._by_name: dict[str, list[Parameter]] = {}
        for p in parameters:
            self._by_name.setdefault(p.name, []).append(p)
        for values in self._by_name.values():
            values.sort(key=lambda p: p.valid_from or date.min)
        self._memo: dict[tuple[str, date], Parameter] = {}
        self._views: dict[date, ParameterView] = {}

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def all(self) -> list[Parameter]:
        return [p for name in self.names() for p in self._by_name[name]]

    def get(self, name: str, on: date) -> Parameter:
        # Memoised: a set never changes after construction, and grading asks the same few
        # (name, date) pairs for every subject and every history date.
        try:
            return self._memo[(name, on)]
        except KeyError:
            if len(self._memo) >= _MEMO_BOUND:  # dates asked through the API are many
                self._memo.clear()
            found = self._memo[(name, on)] = self._lookup(name, on)
            return found

    def _lookup(self, name: str, on: date) -> Parameter:
        values = self._by_name.get(name)
        if not values:
            raise KeyError(f"no parameter {name!r}")
        for p in values:
            if p.holds_on(on):
                return p
        # Outside every dated value: the nearest one stands (a policy graded years later keeps its
        # last values).
        return values[-1] if on > (values[-1].valid_from or date.min) else values[0]

    def at(self, on: date) -> ParameterView:
        """The values on one date.  One view per date, kept: a run grades every subject on the
        same few dates, and a view made afresh for each grading looked every value up again
        (a tenth of a re-grade's CPU); a view only reads, so all its readers may share it."""
        try:
            return self._views[on]
        except KeyError:
            if len(self._views) >= _VIEWS_BOUND:  # dates asked through the API are many
                self._views.clear()
            view = self._views[on] = ParameterView(self, on)
            return view

    def digest(self) -> str:
        # A set never changes after construction (overrides make a new one), so the digest is
        # computed once: grading asks for it for every assessment.
        cached: str | None = getattr(self, "_digest", None)
        if cached is not None:
            return cached
        self._digest: str | None = self._compute_digest()
        return self._digest

    def _compute_digest(self) -> str:
        payload = [
            [
                p.name,
                p.value,
                p.valid_from and p.valid_from.isoformat(),
                p.valid_until and p.valid_until.isoformat(),
            ]
            for p in self.all()
        ]
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_overrides(
        self, overrides: Mapping[str, Any], origin: str = "override"
    ) -> ParameterSet:
        """A new set in which the named parameters take new values.

        ``overrides`` maps a name to a plain value or to a table with ``value`` and optionally
        ``source``, ``note``, ``from``, ``until``.  Unknown names and values of the wrong type are
        refused, naming the parameter.
        """
        if not overrides:
            return self
        replaced = {name: list(values) for name, values in self._by_name.items()}
        for name, spec in overrides.items():
            field = f"parameters.{name}"
            if name not in replaced:
                raise InvalidInput(
                    f"no parameter {name!r}; known: {', '.join(self.names())}", field=field
                )
            table = spec if isinstance(spec, Mapping) and "value" in spec else {"value": spec}
            default = replaced[name][-1]
            if not _same_type(default.value, table["value"]):
                raise InvalidInput(
                    f"parameter {name!r} takes a value like {default.value!r}", field=field
                )
            new = replace(
                default,
                value=table["value"],
                source=str(table.get("source") or origin),
                note=str(table.get("note") or default.note),
                valid_from=table.get("from"),
                valid_until=table.get("until"),
            )
            if new.valid_from is None and new.valid_until is None:
                replaced[name] = [new]
            else:
                replaced[name] = [p for p in replaced[name] if not _overlaps(p, new)] + [new]
        return ParameterSet(p for values in replaced.values() for p in values)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ParameterSet:
        params: list[Parameter] = []
        for name, spec in data.items():
            tables = spec if isinstance(spec, list) else [spec]
            for table in tables:
                if not isinstance(table, Mapping) or "value" not in table or "source" not in table:
                    raise ValueError(f"parameter {name!r} needs a value and a source")
                params.append(
                    Parameter(
                        name=name,
                        value=table["value"],
                        source=str(table["source"]),
                        note=str(table.get("note", "")),
                        valid_from=table.get("from"),
                        valid_until=table.get("until"),
                    )
                )
        return cls(params)

    @classmethod
    def from_toml(cls, path: str | Path) -> ParameterSet:
        with open(path, "rb") as fh:
            return cls.from_mapping(tomllib.load(fh))


def _overlaps(a: Parameter, b: Parameter) -> bool:
    a_from, a_until = a.valid_from or date.min, a.valid_until or date.max
    b_from, b_until = b.valid_from or date.min, b.valid_until or date.max
    return a_from <= b_until and b_from <= a_until


def load_override_file(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a deployment's override file: ``{policy_id: {name: value-or-table}}``."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return {str(k): dict(v) for k, v in data.items() if isinstance(v, Mapping)}
