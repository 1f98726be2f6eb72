"""The ASGI application behind ``make demo``: pages, runtime, archive, WebSockets.

Routes:

* ``/`` and ``/<page>.html``, ``/pyscript.toml``, ``/static/...``: static files
  from the project root (and from any extra roots, e.g. the e2e test pages);
* ``/pkg/app.zip``: the browser packages, packed on each request so an edited
  module is live on the next reload;
* ``/ws/echo``: a WebSocket that sends every frame back (text as text, binary
  as binary) and accepts the first sub-protocol the client offers;
* ``/sync``: the sync server, when one is given.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket, WebSocketDisconnect

from .bundle import BUNDLE_PATH, build_bundle

__all__ = ["SITE_ENTRIES", "create_app", "echo_endpoint", "echo_frames", "resolve_site_file"]

# Types the browser is strict about: module scripts must be JavaScript and
# WebAssembly.instantiateStreaming requires application/wasm.
for _ext, _type in (
    (".mjs", "text/javascript"),
    (".js", "text/javascript"),
    (".wasm", "application/wasm"),
    (".py", "text/x-python"),
    (".toml", "application/toml"),
    (".json", "application/json"),
    (".zip", "application/zip"),
):
    mimetypes.add_type(_type, _ext)

#: What a site consists of, relative to the project root: the pages at the top
#: level, the PyScript config and the static folder (with the vendored runtime).
SITE_ENTRIES = ("*.html", "pyscript.toml", "static")

_HARNESS = Path(__file__).resolve().parent / "harness.html"

_ISOLATION_HEADERS = {
    # Cross-origin isolation gives performance.now() its 5 µs resolution,
    # which the benchmarks need (DESIGN.md section 5).
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}


def resolve_site_file(roots: Sequence[Path], url_path: str) -> Path | None:
    """Map a URL path to a file under one of ``roots``, or ``None``.

    Only the entries of :data:`SITE_ENTRIES` are served, never other files of
    the project (``.git``, databases, the server's own code).
    """
    relative = url_path.lstrip("/") or "index.html"
    if relative.endswith("/"):
        relative += "index.html"
    parts = Path(relative).parts
    if not parts or any(part in ("..", "") or part.startswith(".") for part in parts):
        return None
    top = parts[0]
    allowed = top == "static" or (len(parts) == 1 and Path(top).match(SITE_ENTRIES[0]))
    allowed = allowed or relative == "pyscript.toml" or relative.endswith((".py", ".js"))
    if not allowed:
        return None
    for root in roots:
        candidate = (root / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(root.resolve()):
            # Sources are served only from extra roots (test and bench pages),
            # never from the project root.
            if top != "static" and candidate.suffix in (".py", ".js") and root == roots[0]:
                continue
            return candidate
    return None


async def echo_endpoint(websocket: WebSocket) -> None:
    """Send every frame back as it came; accept the first offered sub-protocol."""
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol=offered[0] if offered else None)
    await echo_frames(websocket)


async def echo_frames(websocket: WebSocket) -> None:
    """On an accepted WebSocket, send every frame back (text as text, binary as
    binary) until the client disconnects."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            elif message.get("bytes") is not None:
                await websocket.send_bytes(message["bytes"])
    except WebSocketDisconnect:
        return


def create_app(
    root: Path,
    *,
    extra_roots: Sequence[Path] = (),
    sync: ASGIApp | None = None,
    routes: Sequence[BaseRoute] = (),
    isolate: bool = False,
    harness: bool = False,
) -> Starlette:
    """Build the dev server application.

    Args:
        root: the project root (holds ``index.html``, ``pyscript.toml``, ``static/``
            and ``app/``).
        extra_roots: more folders whose pages and ``.py`` files are served at
            the top level (the e2e tests serve ``tests/e2e/pages`` this way).
        sync: the sync server's ASGI app, mounted at ``/sync``.
        routes: further routes, tried before the static files.
        isolate: send COOP/COEP headers (cross-origin isolation, for benchmarks).
        harness: serve ``/harness.html?py=<name>``, a page that runs ``<name>.py``
            from an extra root (the e2e tests and benchmarks use it).

    Example::

        import uvicorn
        uvicorn.run(create_app(Path(".")), host="127.0.0.1", port=8000)
    """
    roots = [root, *extra_roots]
    app_dir = root / "app"
    extra_headers = dict(_ISOLATION_HEADERS) if isolate else {}

    async def bundle(request: Request) -> Response:
        return Response(
            build_bundle(app_dir),
            media_type="application/zip",
            headers={"Cache-Control": "no-store", **extra_headers},
        )

    async def static(request: Request) -> Response:
        path = resolve_site_file(roots, request.url.path)
        if path is None:
            return PlainTextResponse("not found", status_code=404, headers=extra_headers)
        # The runtime is pinned and large: let the browser cache it; everything
        # else must be fresh after an edit.
        vendored = "/static/vendor/" in request.url.path
        cache = "public, max-age=3600" if vendored else "no-cache"
        return FileResponse(path, headers={"Cache-Control": cache, **extra_headers})

    async def harness_page(request: Request) -> Response:
        return FileResponse(_HARNESS, headers={"Cache-Control": "no-cache", **extra_headers})

    all_routes: list[BaseRoute] = [
        *routes,
        Route("/" + BUNDLE_PATH, bundle),
        WebSocketRoute("/ws/echo", echo_endpoint),
    ]
    if harness:
        all_routes.append(Route("/harness.html", harness_page))
    if sync is not None:
        # A WebSocketRoute, not a Mount: a Mount matches only "/sync/..." and a
        # WebSocket request gets no trailing-slash redirect.
        all_routes.append(WebSocketRoute("/sync", sync))
    all_routes.append(Route("/{path:path}", static))
    return Starlette(routes=all_routes)
