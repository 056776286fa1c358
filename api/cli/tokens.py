"""``qcredit token create|list|revoke``: bearer tokens (docs/access.md)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from qcredit.api.cli.common import Subparsers, console, opened, out, with_db
from rich.table import Table


def register(sub: Subparsers) -> None:
    tok = sub.add_parser("token", help="bearer tokens: create, list, revoke")
    toksub = tok.add_subparsers(dest="token_command", required=True)
    tc = with_db(toksub.add_parser("create", help="create a token; printed once, last line"))
    tc.add_argument(
        "--role",
        required=True,
        choices=["SUBJECT", "REGULATOR", "REVIEWER", "DEPARTMENT", "INDUSTRY", "ADMIN"],
    )
    tc.add_argument("--region", action="append", help="GB/T 2260 code; repeatable")
    tc.add_argument("--department", help="for DEPARTMENT tokens, e.g. 发展改革委")
    tc.add_argument("--enterprise", help="for SUBJECT tokens: the 统一社会信用代码")
    tc.add_argument("--expires", type=int, help="days until it expires")
    tc.add_argument("--label", help="a note on who holds it")
    tc.set_defaults(func=run)
    with_db(toksub.add_parser("list", help="list tokens (never the secrets)")).set_defaults(
        func=run
    )
    tr = with_db(toksub.add_parser("revoke", help="revoke a token by id"))
    tr.add_argument("id", type=int)
    tr.set_defaults(func=run)


async def _apply(args: argparse.Namespace) -> Any:
    from qcredit.core.disclosure import tokens

    async with opened(args) as (sessions, _):
        async with sessions() as s:
            result: Any
            if args.token_command == "create":
                result = await tokens.create_token(
                    s,
                    role=args.role,
                    regions=args.region or [],
                    department=args.department,
                    enterprise_code=args.enterprise,
                    expires_days=args.expires,
                    label=args.label,
                )
            elif args.token_command == "revoke":
                result = await tokens.revoke_token(s, args.id)
            else:
                result = await tokens.list_tokens(s)
            await s.commit()
    return result


def _print_list(infos: Any) -> None:
    table = Table(title="tokens")
    for col in ("id", "role", "regions", "department", "enterprise", "label", "expires", "status"):
        table.add_column(col)
    for t in infos:
        table.add_row(
            str(t.id),
            t.role.value,
            ",".join(t.regions),
            t.department or "",
            t.enterprise_code or "",
            t.label or "",
            str(t.expires_at or ""),
            "active" if t.active else ("revoked" if t.revoked_at else "expired"),
        )
    out.print(table)


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(_apply(args))
    if args.token_command == "create":
        token, info = result
        console.print(
            f"token {info.id}: {info.role.value} regions={','.join(info.regions) or '-'}"
            f" expires={info.expires_at or 'never'} — shown once, store it now"
        )
        print(token)  # the last line of output: the token itself
    elif args.token_command == "revoke":
        console.print(f"token {result.id} revoked at {result.revoked_at}")
    else:
        _print_list(result)
    return 0
