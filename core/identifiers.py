"""Identifiers of the domain: unified social credit code, region codes, Nice classes.

Validation lives here once so that the API, the importer and the demo loader all refuse the same
inputs with the same message.
"""

from __future__ import annotations

import re

from qcredit.core.errors import InvalidInput

# GB 32100-2015 §4.2: 31 characters, the digits and the capitals without I, O, S, V, Z.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015 §4.3: weight of position i is 3^(i-1) mod 31.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}

# First two digits of GB/T 2260 province-level codes (71 Taiwan, 81 Hong Kong, 82 Macao included).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
    " 71 81 82".split()
)

NICE_CLASS_MIN, NICE_CLASS_MAX = 1, 45
# ASCII digits only: Python's \d also matches other scripts' digits (٣, ３), which no register
# holds and which would not compare equal to the same code typed in ASCII.
_REGION_CODE = re.compile(r"[0-9]{6}|[0-9]{9}")


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are ``first17``."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(raw: str, field: str = "code") -> str:
    """Return the code in canonical form (upper case, no blanks) or raise ``InvalidInput``."""
    if not isinstance(raw, str):
        raise InvalidInput("统一社会信用代码 must be a string", field=field)
    known = _VALID.get(raw)
    if known is not None:  # an import names each owner once per product and event
        return known
    code = raw.strip().upper()
    if len(code) != 18:
        raise InvalidInput(
            f"统一社会信用代码 must have 18 characters, got {len(code)}", field=field
        )
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        raise InvalidInput(
            f"统一社会信用代码 contains characters outside GB 32100-2015's set: {''.join(bad)}",
            field=field,
        )
    if not code[2:8].isascii() or not code[2:8].isdigit():
        raise InvalidInput(
            "统一社会信用代码 positions 3–8 must be the registering authority's region code",
            field=field,
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise InvalidInput(
            f"统一社会信用代码 check character is {code[17]!r}, GB 32100-2015 gives {expected!r}",
            field=field,
        )
    if len(raw) <= _VALID_LONGEST:  # never a key a caller padded to fill memory
        if len(_VALID) >= _VALID_KEPT:
            _VALID.clear()
        _VALID[raw] = code
    return code


# Codes as written → canonical, for codes found valid (a refusal is worked out each time: its
# message names the field). Bounded; a full table starts again.
_VALID: dict[str, str] = {}
_VALID_KEPT = 100_000
_VALID_LONGEST = 24


def validate_region_code(raw: str, field: str = "regionCode") -> str:
    """A GB/T 2260 code: 6 digits (province, city or county level) or a 9-digit town/street code."""
    code = (raw or "").strip() if isinstance(raw, str) else ""
    if not _REGION_CODE.fullmatch(code):
        raise InvalidInput(
            "region code must be a 6-digit GB/T 2260 code or a 9-digit town/street code",
            field=field,
        )
    if code[:2] not in PROVINCE_PREFIXES:
        raise InvalidInput(f"region code {code} has no GB/T 2260 province {code[:2]}", field=field)
    if len(code) == 9 and code[6:] == "000":
        raise InvalidInput("a 9-digit town/street code cannot end in 000", field=field)
    return code


def region_prefix(code: str) -> str:
    """The digits a code fixes: 33 for a province, 3304 for a city, 330402 for a county.

    A county code covers its towns (330402 covers 330402001); a city code covers its counties;
    a province code covers everything in it.  A malformed code is refused rather than turned into
    a prefix: an empty prefix would match every region.
    """
    if not _REGION_CODE.fullmatch(code):
        raise InvalidInput(f"{code!r} is not a GB/T 2260 region code", field="regionCode")
    if len(code) == 9:
        return code
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def region_covers(ancestor: str, code: str) -> bool:
    """True when ``code`` lies inside (or is) ``ancestor``.

    Only a well-formed code covers anything: an empty or malformed ``ancestor`` (say, from a
    token's claims or a filter) would otherwise give an empty prefix, which covers every code.
    """
    if not _REGION_CODE.fullmatch(ancestor):
        return False
    return code.startswith(region_prefix(ancestor))


def validate_nice_class(value: object, field: str = "niceClass") -> int:
    """Nice classification class number, 1–45 (goods 1–34, services 35–45)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("Nice class must be a whole number from 1 to 45", field=field)
    if not NICE_CLASS_MIN <= value <= NICE_CLASS_MAX:
        raise InvalidInput(f"Nice class must be from 1 to 45, got {value}", field=field)
    return value
