"""Server settings, from the environment (``QCREDIT_*``) with safe defaults for development."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from qcredit.core.store.db import default_url


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_url)
    max_page_size: int = field(default_factory=lambda: _int("QCREDIT_MAX_PAGE_SIZE", 100))
    default_page_size: int = 20
    max_depth: int = field(default_factory=lambda: _int("QCREDIT_MAX_DEPTH", 12))
    max_aliases: int = field(default_factory=lambda: _int("QCREDIT_MAX_ALIASES", 30))
    max_tokens: int = field(default_factory=lambda: _int("QCREDIT_MAX_TOKENS", 5000))
    graphiql: bool = field(default_factory=lambda: _flag("QCREDIT_GRAPHIQL", True))
    introspection: bool = field(default_factory=lambda: _flag("QCREDIT_INTROSPECTION", True))
    migrate_on_start: bool = field(default_factory=lambda: _flag("QCREDIT_MIGRATE_ON_START", True))
