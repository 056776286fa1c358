"""Pictures served beside the API: a regional colour map as SVG, drawn as labelled tiles.

No real geography ships with the service (and the machine serving it may be offline), so each
sub-region is a labelled tile in a grid, coloured as the policy colours it, with a legend.  The
picture shows exactly what the caller may see of the map (:mod:`qcredit.api.graphql.types.maps`):
counts only where the GraphQL answer has them.
"""

from __future__ import annotations

import math
import re
from xml.sax.saxutils import escape, quoteattr

from qcredit.api.graphql.colors import PALETTE  # policy colours are CSS colour names
from qcredit.api.graphql.types.maps import RegionCell, RegionMap
from qcredit.core.vocabulary import LABEL_SETS

COLOUR_LABELS = LABEL_SETS["color"][1]  # one source: the vocabulary's colour labels
NO_DATA = "#e8eaed"  # nothing graded here
WITHHELD = "#9aa0a6"  # coloured, but not shown to this caller
DARK_TEXT = {"yellow", "orange"}
_SAFE_COLOUR = re.compile(r"[a-z]{3,20}|#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}")

TILE_W, TILE_H, GAP, MARGIN, HEADER, LEGEND = 190, 110, 10, 20, 64, 56


def fill_of(colour: str | None) -> str:
    if colour is None:
        return NO_DATA
    if colour in PALETTE:
        return PALETTE[colour]
    return colour if _SAFE_COLOUR.fullmatch(colour) else WITHHELD


def colour_label(colour: str) -> str:
    return COLOUR_LABELS.get(colour, colour)


def _cell_fill(cell: RegionCell) -> str:
    if cell.colour is None and cell.colour_withheld:
        return WITHHELD
    return fill_of(cell.colour)


def _cell_label(cell: RegionCell, whole_code: str, kind: str | None) -> str:
    if cell.name:
        return cell.name
    if cell.code == whole_code and kind == "TOWN":
        return "未登记镇街"  # subjects of the county whose town is not recorded
    return cell.code


def _tile(cell: RegionCell, x: int, y: int, label: str) -> str:
    fill = _cell_fill(cell)
    ink = "#202124" if cell.colour in DARK_TEXT or fill in (NO_DATA, WITHHELD) else "#ffffff"
    if cell.colour is not None:
        status = f"{colour_label(cell.colour)}色"
    elif cell.colour_withheld:
        status = "不公开"
    else:
        status = "无评定"
    detail = f"{cell.subjects} 个评定对象" if cell.subjects is not None else ""
    tip = " · ".join(p for p in (label, cell.code, status, detail, cell.colour_withheld) if p)
    parts = [
        f'<g class="cell" data-code={quoteattr(cell.code)} '
        f"data-colour={quoteattr(cell.colour or '')}>",
        f"<title>{escape(tip)}</title>",
        f'<rect x="{x}" y="{y}" width="{TILE_W}" height="{TILE_H}" rx="8" '
        f'fill="{fill}" stroke="#ffffff" stroke-width="2"/>',
        f'<text x="{x + 12}" y="{y + 30}" font-size="18" font-weight="bold" fill="{ink}">'
        f"{escape(label)}</text>",
        f'<text x="{x + 12}" y="{y + 54}" font-size="13" fill="{ink}">'
        f"{escape(cell.code if label != cell.code else '')}</text>",
        f'<text x="{x + 12}" y="{y + 78}" font-size="14" fill="{ink}">{escape(status)}</text>',
    ]
    if detail:
        parts.append(
            f'<text x="{x + 12}" y="{y + 98}" font-size="13" fill="{ink}">{escape(detail)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def region_map_svg(m: RegionMap, policy_name: str) -> str:
    cells = m.sub_regions or [m.region]
    columns = max(1, min(4, math.ceil(math.sqrt(len(cells)))))
    rows = math.ceil(len(cells) / columns)
    width = MARGIN * 2 + columns * TILE_W + (columns - 1) * GAP
    height = HEADER + rows * (TILE_H + GAP) + LEGEND + MARGIN
    title = f"{m.region_name or m.region_code} · {m.as_of.isoformat()}"
    whole = (
        f"全域：{colour_label(m.region.colour)}色"
        if m.region.colour
        else ("全域：不公开" if m.region.colour_withheld else "全域：无评定")
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="region-map" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif">',
        f"<title>{escape(policy_name)} — {escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="30" font-size="20" font-weight="bold">{escape(title)}</text>',
        f'<text x="{MARGIN}" y="52" font-size="13" fill="#5f6368">'
        f"{escape(policy_name)} · {escape(whole)}</text>",
    ]
    for i, cell in enumerate(cells):
        x = MARGIN + (i % columns) * (TILE_W + GAP)
        y = HEADER + (i // columns) * (TILE_H + GAP)
        out.append(_tile(cell, x, y, _cell_label(cell, m.region_code, m.sub_region_kind)))
    legend_y = HEADER + rows * (TILE_H + GAP) + 16
    used = sorted(
        {c.colour for c in cells if c.colour},
        key=lambda c: list(PALETTE).index(c) if c in PALETTE else len(PALETTE),
    )
    entries = [(fill_of(c), f"{colour_label(c)}色") for c in used]
    entries += [(WITHHELD, "不公开（对象过少）"), (NO_DATA, "无评定对象")]
    x = MARGIN
    out.append('<g class="legend">')
    for fill, text in entries:
        out.append(
            f'<rect x="{x}" y="{legend_y}" width="18" height="18" rx="3" fill="{fill}" '
            f'stroke="#dadce0"/><text x="{x + 24}" y="{legend_y + 14}" font-size="13">'
            f"{escape(text)}</text>"
        )
        x += 36 + 14 * len(text)
    out.append("</g></svg>")
    return "".join(out)
