"""Shared helpers of the benchmark scripts (not a test; prints figures)."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
from collections.abc import Sequence

from qcredit.core.store.db import DATABASE_ENV, default_url


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--database",
        default=os.environ.get(DATABASE_ENV) or default_url(),
        help="database URL (sqlite:///FILE or postgresql://user@host:port/db)",
    )
    return p


def peak_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: Sequence[float]) -> str:
    return (
        f"n={len(values)} p50={percentile(values, 50):.2f} p99={percentile(values, 99):.2f} "
        f"mean={statistics.fmean(values):.2f}"
    )
