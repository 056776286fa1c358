"""What a re-grade may skip: fingerprints of what an enterprise's grades are graded from.

A standing grade is a pure function of the subject's ledger, the policy (its code, the version
in force, its parameters), the date and the adjusting plug-ins.  Every re-grade of a whole run
reads each enterprise's ledger anyway; if its fingerprint and the grading's are those stored in
``grading_inputs`` when the enterprise was last graded under the policy, and the standing grades
written then are all still there, grading again would write the same rows — so it is skipped,
without reading any stored assessment.

The ledger fingerprint covers the enterprise row, its products and, for every event, its id and
its ``content_digest`` (the SHA-256 of everything the event says, computed when it was recorded):
the ledger is append-only, so a new event or a correction (itself a new event) always changes it.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from qcredit.core.policy import Policy

SEP = "\x1f"  # a byte that occurs in none of the fields


def event_list(events: Iterable[tuple[int, str]]) -> str:
    """The (id, content digest) of an enterprise's events in id order, as the text the ledger
    fingerprint hashes (PostgreSQL builds the same text with ``string_agg``)."""
    return "".join([f"{i}:{d};" for i, d in events])


def ledger_digest(enterprise: Any, products: Sequence[Any], events: str) -> str:
    """The fingerprint of one enterprise's ledger: its row, its products' rows, and the
    :func:`event_list` of its events."""
    h = hashlib.blake2b(digest_size=16)
    h.update(
        SEP.join(
            map(
                str,
                (
                    enterprise.id,
                    enterprise.code,
                    enterprise.name,
                    enterprise.region_code,
                    enterprise.town_code,
                    enterprise.established_on,
                    enterprise.roles,
                ),
            )
        ).encode()
    )
    for p in products:
        h.update(f"\x1e{p.id}{SEP}{p.trademark}{SEP}{p.nice_class}{SEP}{p.category}".encode())
    h.update(b"\x1d")
    h.update(events.encode())
    return h.hexdigest()


def grading_key(policy: Policy, on: date, adjusters: Sequence[str]) -> str:
    """The fingerprint of how a policy grades on ``on``: its id, the version in force, its
    parameters, the date, the plug-ins that adjust gradings and the source of the policy's
    package and of the core (a changed rule re-grades everything, even without a new version)."""
    h = hashlib.blake2b(digest_size=16)
    parts = (
        policy.id,
        policy.rules_on(on).version,
        policy.parameters.digest(),
        on.isoformat(),
        ",".join(adjusters),
        _source_digest(_package_of(type(policy))),
        _source_digest(Path(__file__).resolve().parents[1]),
    )
    h.update(SEP.join(parts).encode())
    return h.hexdigest()


def _package_of(cls: type) -> Path:
    """The directory of the package the class is defined in, or its file if it is a top-level
    module (hashing a whole ``site-packages`` would be neither quick nor meaningful)."""
    module = sys.modules.get(cls.__module__)
    try:
        source = Path(inspect.getfile(cls)).resolve()
    except (TypeError, OSError):  # a class without a source file (built at run time)
        return Path()
    return source.parent if module is not None and module.__package__ else source


@cache
def _source_digest(where: Path) -> str:
    """The digest of the Python and TOML files of a package directory or of one file (read once
    per process)."""
    h = hashlib.blake2b(digest_size=16)
    files = [where] if where.is_file() else sorted(where.rglob("*")) if where != Path() else []
    for path in files:
        if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()
