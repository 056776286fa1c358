"""Web pages and pictures served beside the GraphQL API (maps, verification pages, dashboard).

``routes`` is mounted by ``create_app``:

* ``GET /maps/{policy}/{region}.svg`` — a policy's colour map of a region as tiles; what the caller
  may see of ``regionMap`` (a bearer token in the Authorization header adds the counts it may see);
* ``GET /verify/{code}`` — the public verification page a badge's QR code points to: the
  enterprise's name and code, and each badge's colour only where the policy discloses the grade
  behind it to the public (always answered as PUBLIC, whatever token is sent);
* ``GET /badge/{code}.svg`` / ``.png`` — a QR code of that page's URL, coloured with the badge only
  when the public may see it (``/health-code/…``, 0.1's path, answers the same: QR codes printed
  with it must keep working);
* ``GET /dashboard`` and ``/dashboard/enterprise/{code}`` — the dashboard, static files built on
  the public GraphQL API (``api/static``).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from qcredit.api.graphql.context import Context
from qcredit.api.graphql.types.maps import (
    badges,
    build_region_map,
    region_map_type,
    verification_url,
)
from qcredit.api.web.auth import InvalidCredentials, JwtSettings, principal_for
from qcredit.api.web.pictures import fill_of, region_map_svg
from qcredit.core import clock
from qcredit.core.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    PolicyNotInForce,
    QcreditError,
)
from qcredit.core.identifiers import validate_credit_code
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")
QR_DARK = "#202124"
STATUS = {InvalidInput: 400, PolicyNotInForce: 400, NotFound: 404, Forbidden: 403}
_jwt = JwtSettings()


@asynccontextmanager
async def request_context(request: Request, *, as_public: bool) -> AsyncIterator[Context]:
    """A GraphQL-like context for a page: PUBLIC, or the caller of the Authorization header."""
    context = Context(request.app.state.services, request=request)
    if not as_public:
        try:
            context._principal = await principal_for(
                request.headers, context.services.sessions, _jwt
            )
        except InvalidCredentials as exc:
            context.auth_error = str(exc)
    try:
        yield context
    finally:
        await context.close()


def _error(exc: QcreditError) -> Response:
    status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 401)
    if exc.code == "INTERNAL_SERVER_ERROR":
        status = 500
    return Response(f"{exc.code}: {exc}\n", status, media_type="text/plain; charset=utf-8")


def _guarded(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except QcreditError as exc:
            return _error(exc)

    return run


async def region_map_picture(request: Request) -> Response:
    policy_id = request.path_params["policy"]
    async with request_context(request, as_public=False) as c:
        policy = c.registry.policy(policy_id)
        m = await build_region_map(c, policy_id, request.path_params["region"], None)
        svg = region_map_svg(region_map_type(c, policy, m), policy.name)
    # Per caller (the counts): never cached by shared caches.
    return Response(
        svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=60"}
    )


async def _enterprise(c: Context, raw: str):  # type: ignore[no-untyped-def]
    code = validate_credit_code(raw, "code")
    ent = await c.loaders.enterprise_by_code.load(code)
    if ent is None:
        raise NotFound(f"no enterprise {code}", field="code")
    return ent


VERIFY_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>企业质量信用核验 · {name}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", sans-serif; max-width: 36rem; margin: 2rem auto;
       padding: 0 1rem; color: #202124; }}
.code {{ display: flex; align-items: center; gap: .8rem; margin: .6rem 0; }}
.swatch {{ width: 2.4rem; height: 2.4rem; border-radius: .4rem; }}
.withheld {{ color: #5f6368; }}
footer {{ margin-top: 2rem; font-size: .85rem; color: #5f6368; }}
</style></head><body>
<h1>企业质量信用核验</h1>
<dl><dt>企业名称</dt><dd id="name">{name}</dd>
<dt>统一社会信用代码</dt><dd id="code">{code}</dd>
{issuer}<dt>核验日期</dt><dd id="checked">{checked}</dd></dl>
<section id="badges">{codes}</section>
<footer>本页只显示向社会公众公开的信息；未公开的分类分级及由其得出的颜色不在此显示。</footer>
</body></html>
"""


def chinese_date(day: date) -> str:
    """A date as Chinese pages write it: 2026年12月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


async def verify_page(request: Request) -> Response:
    async with request_context(request, as_public=True) as c:
        ent = await _enterprise(c, request.path_params["code"])
        items = []
        for b in await badges(c, ent):
            policy = c.registry.policy(b.policy_id)
            head = f"<strong>{escape(policy.name)}</strong><br>{escape(b.badge.label)}"
            if b.visible:
                items.append(
                    f'<div class="code" data-policy="{escape(b.policy_id)}">'
                    f'<span class="swatch" style="background:{fill_of(b.badge.color)}"></span>'
                    f"<span>{head}：{escape(b.badge.color_label)}"
                    f"（{b.as_of.isoformat()}）</span></div>"
                )
            else:
                items.append(
                    f'<div class="code withheld" data-policy="{escape(b.policy_id)}">'
                    f"<span>{head}：颜色不向社会公众公开</span></div>"
                )
        issuer = c.settings.issuer
        html = VERIFY_PAGE.format(
            name=escape(ent.name),
            code=escape(ent.code),
            # The bureau only when configured: a page citizens trust names no guessed issuer.
            issuer=f'<dt>发布机关</dt><dd id="issuer">{escape(issuer)}</dd>\n' if issuer else "",
            checked=chinese_date(clock.today()),
            codes="".join(items) or "<p>本企业暂无可核验的信用标识。</p>",
        )
    return HTMLResponse(html)


async def badge_qr(request: Request) -> Response:
    fmt = request.path_params["format"]
    if fmt not in ("svg", "png"):
        raise NotFound("a badge's QR code is served as .svg or .png", field="format")
    wanted = request.query_params.get("policy")
    async with request_context(request, as_public=True) as c:
        ent = await _enterprise(c, request.path_params["code"])
        url = verification_url(c, ent.code)
        shown = {
            b.color
            for b in await badges(c, ent)
            if b.color is not None and (wanted is None or b.policy_id == wanted)
        }
    # Coloured only with what the public may see, and only when that is one colour.
    dark = fill_of(shown.pop()) if len(shown) == 1 else QR_DARK
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    if fmt == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, dark=dark, title=url)
        media = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=8, border=2, dark=dark)
        media = "image/png"
    return Response(buffer.getvalue(), media_type=media, headers={"X-Encoded-URL": url})


async def dashboard(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


routes: list[BaseRoute] = [
    Route("/maps/{policy}/{region}.svg", _guarded(region_map_picture)),
    Route("/verify/{code}", _guarded(verify_page)),
    Route("/badge/{code}.{format}", _guarded(badge_qr)),
    Route("/health-code/{code}.{format}", _guarded(badge_qr)),  # 0.1's path, on printed QR codes
    Route("/dashboard", dashboard),
    Route("/dashboard/enterprise/{code}", dashboard),
    Mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static"),
]
