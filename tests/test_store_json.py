"""Stored JSON is read back whatever the standard library wrote: the fast decoder must not make a
stored row unreadable."""

import json
import math

from qcredit.core.store.db import json_dumps, json_loads


def test_fast_path_gives_the_standard_librarys_values() -> None:
    text = json.dumps({"level": "A", "score": 92.5, "reasons": ["第八条"], "n": 3})
    assert json_loads(text) == json.loads(text)


def test_what_orjson_refuses_is_still_read() -> None:
    # json.dumps writes NaN and integers past 64 bits; orjson refuses both.
    big = 2**70
    value = json_loads(json.dumps({"big": big, "nan": float("nan")}))
    assert value["big"] == big
    assert math.isnan(value["nan"])


def test_the_fast_encoder_writes_what_the_standard_library_reads() -> None:
    value = {"level": "A", "score": 92.5, "reasons": ["第八条"], "n": 3, "nested": {"k": [1, 2]}}
    assert json.loads(json_dumps(value)) == value
    assert "第八条" in json_dumps(value)  # UTF-8 as it is, not \\u escapes


def test_what_orjson_refuses_to_write_goes_through_the_standard_library() -> None:
    # Keys that are not strings and integers past 64 bits: json.dumps writes both.
    assert json.loads(json_dumps({1: "a", "big": 2**70})) == {"1": "a", "big": 2**70}


def test_a_number_json_cannot_hold_is_written_as_null() -> None:
    # JSON has no NaN (PostgreSQL's jsonb refuses it); orjson writes null where json.dumps wrote
    # a NaN that only Python reads back.
    assert json.loads(json_dumps({"score": float("nan")})) == {"score": None}
