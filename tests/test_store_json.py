"""Stored JSON is read back whatever the standard library wrote: the fast decoder must not make a
stored row unreadable."""

import json
import math

from qcredit.core.store.db import json_loads


def test_fast_path_gives_the_standard_librarys_values() -> None:
    text = json.dumps({"level": "A", "score": 92.5, "reasons": ["第八条"], "n": 3})
    assert json_loads(text) == json.loads(text)


def test_what_orjson_refuses_is_still_read() -> None:
    # json.dumps writes NaN and integers past 64 bits; orjson refuses both.
    big = 2**70
    value = json_loads(json.dumps({"big": big, "nan": float("nan")}))
    assert value["big"] == big
    assert math.isnan(value["nan"])
