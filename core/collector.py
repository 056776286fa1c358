"""How often Python's cyclic garbage collector runs while qcredit works.

Grading and importing build millions of short-lived objects: events, facts, rows, payloads.
Almost all of them are freed by reference counting the moment they are dropped. The
collector still counts each allocation. With the default thresholds (700, 10, 10) it ran
a young collection every 700 allocations. It ran a full collection every hundred young
ones, and a full collection walks the whole heap: the policies, the schema, SQLAlchemy's
mappers, the chunk being graded. In a re-grade that was a fifth to a quarter of the CPU
(docs/scaling.md, section "The driver's own connection, the collector in batch work").

:func:`tuned` collects once and freezes what exists, so no later collection walks what
start-up built. It then sets other thresholds. On leaving, it restores both, so a caller
that does this in-process (the tests run the CLI many times) leaves nothing the collector
cannot reclaim. Reference cycles are still collected, only less often: the memory they hold
meanwhile is bounded by the young threshold, a few megabytes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: While the API serves: young collections every 2,000 allocations, a full one after 100
#: middle ones.  A request's objects live until its response is written; these thresholds
#: stopped collecting them over and over (a page of 100 builds ~100,000 dicts and lists).
SERVING = (2_000, 20, 100)
#: In a batch command (grade, import, synth, demo) and a grading worker process.
BATCH = (50_000, 20, 10)


@contextmanager
def tuned(thresholds: tuple[int, int, int]) -> Iterator[None]:
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
