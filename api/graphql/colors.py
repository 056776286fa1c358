"""Colours as the API gives them: a code (``color``) and the hex value drawn for it (``colorHex``).

A policy's colours are CSS colour names (``green``, ``blue``, ``yellow``, ``orange``, ``red``),
as the contract's ``Level.color`` has them; the service draws each with one of these softer
fills — the SVG maps (api/web/pictures.py) and the ``colorHex`` fields alike, so a front end that
paints ``colorHex`` matches the pictures.
"""

from __future__ import annotations

import re

PALETTE = {
    "red": "#d93025",
    "orange": "#f29900",
    "yellow": "#f6c026",
    "blue": "#1a73e8",
    "green": "#1e8e3e",
}
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")

COLOR_CODE = (
    "Colour code, as the policy's text colours it: a CSS colour name (green, blue, yellow, "
    "orange, red)"
)
COLOR_HEX = (
    "The colour as #rrggbb, the fill the service draws it with (its maps use the same); null "
    "when color is null or not a colour the service knows."
)


def hex_of(color: str | None) -> str | None:
    """The ``#rrggbb`` fill of a colour code; a code already written in hex is kept."""
    if color is None:
        return None
    if color in PALETTE:
        return PALETTE[color]
    return color.lower() if _HEX.fullmatch(color) else None
