"""Identifiers: 统一社会信用代码 (GB 32100-2015), GB/T 2260 region codes, Nice classes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from qcredit.core.errors import InvalidInput
from qcredit.core.identifiers import (
    CREDIT_CODE_CHARSET,
    credit_code_check_character,
    region_covers,
    region_prefix,
    validate_credit_code,
    validate_nice_class,
    validate_region_code,
)


@pytest.mark.parametrize(
    "code",
    ["91310110666007217T", "91310115591693856A", "91350100M000100Y43", " 91310110666007217t "],
)
def test_valid_codes_from_gb_32100_examples(code: str) -> None:
    assert validate_credit_code(code) == code.strip().upper()


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91350211M00013FA1N", "check character"),  # an early pilot code: check should be 3
        ("91310110666007217A", "check character"),
        ("91310110666007217", "18 characters"),
        ("91310110666O07217T", "characters outside"),  # O is not in the set
        ("91310110666I07217T", "characters outside"),
        ("9131011066600721ZT", "characters outside"),
        ("91AB0110666007217T", "positions 3–8"),
    ],
)
def test_invalid_codes_are_refused(code: str, why: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_credit_code(code)
    assert why in caught.value.message
    assert caught.value.field == "code"


@given(st.text(alphabet=CREDIT_CODE_CHARSET, min_size=17, max_size=17))
def test_any_body_with_its_check_character_is_valid(body: str) -> None:
    body = body[:2] + "110101" + body[8:]
    code = body + credit_code_check_character(body)
    assert validate_credit_code(code) == code
    wrong = next(c for c in CREDIT_CODE_CHARSET if c != code[17])
    with pytest.raises(InvalidInput):
        validate_credit_code(code[:17] + wrong)


@pytest.mark.parametrize("code", ["410481", "440512", "330402", "230800", "659001", "330402001"])
def test_region_codes(code: str) -> None:
    assert validate_region_code(code) == code


@pytest.mark.parametrize("code", ["41048", "4104810", "991234", "abcdef", "330402000"])
def test_bad_region_codes(code: str) -> None:
    with pytest.raises(InvalidInput):
        validate_region_code(code)


@pytest.mark.parametrize(
    ("ancestor", "code", "covered"),
    [
        ("330400", "330402", True),
        ("330400", "330402001", True),
        ("330402", "330402001", True),
        ("330000", "330483", True),
        ("330400", "330500", False),
        ("330402", "330411", False),
        ("659000", "659001", True),
        ("230800", "230881", True),
        ("410481", "410482", False),
    ],
)
def test_a_region_covers_its_subregions(ancestor: str, code: str, covered: bool) -> None:
    assert region_covers(ancestor, code) is covered


@pytest.mark.parametrize("n", [1, 34, 35, 45])
def test_nice_classes(n: int) -> None:
    assert validate_nice_class(n) == n


@pytest.mark.parametrize("n", [0, 46, -1, True, "9"])
def test_bad_nice_classes(n: object) -> None:
    with pytest.raises(InvalidInput):
        validate_nice_class(n)


@pytest.mark.parametrize("raw", ["3304٠٠", "３３０４０２", "330402\u0663", "33040２001"])
def test_region_codes_are_ascii_digits_only(raw: str) -> None:
    """Issue: other scripts' digits match Python's \\d; no register holds them."""
    with pytest.raises(InvalidInput) as e:
        validate_region_code(raw)
    assert e.value.field == "regionCode"


def test_credit_code_region_part_is_ascii() -> None:
    code = "91330402MA2B" + "٠" * 5 + "X"
    with pytest.raises(InvalidInput):
        validate_credit_code(code)


@pytest.mark.parametrize("ancestor", ["", "33", "3304", "abcdef", "3304٠٠", " 330402"])
def test_a_malformed_region_covers_nothing(ancestor: str) -> None:
    """An empty prefix would cover every code: a token with ``regions: [""]`` must not."""
    assert not region_covers(ancestor, "330402001")
    with pytest.raises(InvalidInput):
        region_prefix(ancestor)


def test_a_code_checked_again_gives_the_same_verdict() -> None:
    # Valid codes are remembered (an import checks each owner once per product and event); a
    # refusal is worked out again, naming the field of each call, and a padded code is not kept.
    from qcredit.core import identifiers

    code = "91110000" + "0" * 9
    code += identifiers.credit_code_check_character(code)
    assert validate_credit_code(f" {code.lower()} ") == code
    assert validate_credit_code(f" {code.lower()} ") == code
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    for field in ("code", "enterpriseCode"):
        with pytest.raises(InvalidInput) as refused:
            validate_credit_code(wrong, field)
        assert refused.value.field == field
    padded = " " * 1000 + code
    assert validate_credit_code(padded) == code
    assert padded not in identifiers._VALID
