"""What ``qcredit serve`` checks before uvicorn starts, so that a server that cannot start says
why in one line (``qcredit: cannot reach the database at …: connection refused``): the
``--workers`` count, the database URL, the database itself, its migrations when the server is
not to apply them, and the port.  Also the trusted proxies of ``--forwarded-allow-ips``."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket

from qcredit.api.cli.common import CannotStart, database

FORWARDED_ENV = "QCREDIT_FORWARDED_ALLOW_IPS"


def whole_number_at_least_one(raw: str) -> int:
    """An argparse type: ``--workers 0`` is refused when parsing, not deep inside uvicorn."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def trusted_proxies(flag: str | None) -> list[str]:
    """The proxies of ``--forwarded-allow-ips`` (else ``$QCREDIT_FORWARDED_ALLOW_IPS``, else
    none), exported so that every worker's ``Settings.forwarded_allow_ips`` agrees."""
    raw = flag if flag is not None else os.environ.get(FORWARDED_ENV, "")
    proxies = [p.strip() for p in raw.split(",") if p.strip()]
    os.environ[FORWARDED_ENV] = ",".join(proxies)
    return proxies


def _check_port(host: str, port: int) -> None:
    """Bind and release the address as uvicorn will (SO_REUSEADDR), to say why it cannot."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise CannotStart(
            f"cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()}"
        ) from exc


async def _check_database(url: str) -> None:
    from qcredit.api.settings import Settings
    from qcredit.core.store.db import check_reachable, create_engine, shown
    from qcredit.core.store.migrate import require_current

    await check_reachable(url)
    if not Settings(database_url=url).migrate_on_start:
        engine = create_engine(url)
        try:
            await require_current(engine, shown(url))
        finally:
            await engine.dispose()


def check_startup(args: argparse.Namespace) -> None:
    """Raise :class:`DatabaseUnavailable` or :class:`CannotStart`, each a one-line reason, for
    what would make uvicorn fail."""
    asyncio.run(_check_database(database(args)))
    _check_port(args.host, args.port)
