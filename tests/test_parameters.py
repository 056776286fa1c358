"""Dated parameters with provenance, and deployment overrides from a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from qcredit.core.errors import InvalidInput
from qcredit.core.parameters import ParameterSet, load_override_file
from qcredit.core.plugins import Registry

from .support import TEST_PLUGIN


def test_dated_values_and_provenance() -> None:
    params = ParameterSet.from_mapping(
        {
            "limit": [
                {"value": 10, "source": "第三条", "until": date(2023, 12, 31)},
                {"value": 12, "source": "第三条（修订）", "from": date(2024, 1, 1)},
            ],
            "band": {"value": 40, "source": "local default", "note": "not fixed by the text"},
        }
    )
    assert params.at(date(2023, 6, 1))["limit"] == 10
    assert params.at(date(2024, 6, 1))["limit"] == 12
    assert params.get("band", date(2024, 1, 1)).is_local_default
    assert not params.get("limit", date(2024, 1, 1)).is_local_default


def test_override_keeps_provenance_and_refuses_unknown_names() -> None:
    params = ParameterSet.from_mapping({"band": {"value": 40, "source": "local default"}})
    changed = params.with_overrides({"band": {"value": 35, "source": "局长办公会 2024-01"}}, "x")
    assert changed.at(date(2024, 1, 1))["band"] == 35
    assert changed.get("band", date(2024, 1, 1)).source == "局长办公会 2024-01"
    assert changed.digest() != params.digest()
    with pytest.raises(InvalidInput) as caught:
        params.with_overrides({"bnad": 1})
    assert caught.value.field == "parameters.bnad"
    with pytest.raises(InvalidInput):
        params.with_overrides({"band": "forty"})


def test_override_file_reaches_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "overrides.toml"
    file.write_text("[testland]\nfail_limit = 3\n", encoding="utf-8")
    monkeypatch.setenv("QCREDIT_PARAMETERS", str(file))
    registry = Registry.load([TEST_PLUGIN], entry_points=False)
    p = registry.policy("testland").parameters.get("fail_limit", date(2024, 1, 1))
    assert p.value == 3
    assert p.source.startswith("override")
    assert load_override_file(file) == {"testland": {"fail_limit": 3}}
