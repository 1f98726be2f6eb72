"""The ASGI application behind ``pyfritz dev``: pages, runtime, archive, WebSockets.

Routes:

* ``/`` and ``/<page>.html``, ``/pyscript.toml``, ``/static/...``: static files
  from the project root (and from any extra roots, e.g. the e2e test pages);
* ``/runtime/pyscript/...``, ``/runtime/pyodide/...``: the pinned runtime from
  the ``pyfritz-web-runtime`` package (revalidated by ETag: the URLs are not
  versioned in development);
* ``/pkg/app.zip``: the browser packages, with their bytecode for the
  browser's Python when Node.js can make it (:mod:`pyfritz.dev.bytecode`),
  rebuilt when a source changed (off the event loop) and cached otherwise, so
  an edited module is live on the next reload;
* ``/_pyfritz/reload.js`` and ``/_pyfritz/reload`` with ``reload=True``: pages
  reload themselves when a source changes (see :mod:`pyfritz.dev.reload`);
* ``/ws/echo``: a WebSocket that sends every frame back (text as text, binary
  as binary) and accepts the first sub-protocol the client offers;
* ``/sync``: the sync server, when one is given.

Every request must name an allowed ``Host`` (else HTTP 400: DNS rebinding), and
every WebSocket, whatever its path, must come from an allowed ``Origin`` (else
HTTP 403; ``null`` is refused). Every response carries the Content-Security-Policy
of :mod:`pyfritz.dev.csp`. A path that names no file is a 404, whatever
bytes it holds.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Hashable, Iterable, Sequence
from html import escape
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from pyfritz.server.hosts import LOOPBACK_HOSTS
from pyfritz.server.origins import DEFAULT_ALLOWED_ORIGINS, OriginCheck, OriginPolicy

from .bundle import BUNDLE_PATH, BundleCache
from .bytecode import BytecodeCompiler
from .csp import SecurityHeaders, content_security_policy
from .project import CONFIG, RUNTIME_URL, ProjectError, check_config
from .reload import RELOAD_SCRIPT, RELOAD_SOCKET, SCRIPT_FILE, inject_reload, reload_endpoint

__all__ = [
    "SITE_ENTRIES",
    "create_app",
    "echo_endpoint",
    "echo_frames",
    "resolve_site_file",
    "runtime_app",
    "with_head_script",
]

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
    try:
        return _resolve(roots, url_path)
    except (OSError, ValueError):
        # A NUL byte, a name too long for the file system, ...: no such file.
        return None


def _resolve(roots: Sequence[Path], url_path: str) -> Path | None:
    relative = url_path.lstrip("/") or "index.html"
    if relative.endswith("/"):
        relative += "index.html"
    if "\x00" in relative or "\\" in relative:
        return None
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


class _Revalidated(StaticFiles):
    """Static files that the browser must revalidate (ETag) before each use."""

    def __init__(self, directory: Path, headers: dict[str, str]) -> None:
        super().__init__(directory=directory)
        self._headers = {"Cache-Control": "no-cache", **headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))  # type: ignore[call-overload]
                raw += [(k.lower().encode(), v.encode()) for k, v in self._headers.items()]
                message["headers"] = raw
            await send(message)

        await super().__call__(scope, receive, with_headers)  # type: ignore[arg-type]


def runtime_app(headers: dict[str, str] | None = None) -> list[BaseRoute]:
    """Return the routes serving the runtime package's ``pyscript/`` and ``pyodide/`` folders.

    Raises:
        pyfritz_runtime.RuntimeMissing: the runtime files are not installed.
    """
    from pyfritz_runtime import load_manifest

    manifest = load_manifest()
    return [
        Mount(f"/{RUNTIME_URL}{part}", _Revalidated(manifest.root / part, headers or {}))
        for part in ("pyscript", "pyodide")
    ]


def with_head_script(html: str, src: str) -> str:
    """Return ``html`` with ``<script src="{src}"></script>`` as the first thing
    in its ``<head>`` (or at the very start when it has none).

    A classic script there runs before any other script of the page, module
    scripts included, so it sees everything that happens during boot.

    Example::

        with_head_script("<head><title>", "/hook.js")
        # '<head><script src="/hook.js"></script><title>'
    """
    tag = f'<script src="{escape(src, quote=True)}"></script>'
    head = re.search(r"<head\b[^>]*>", html, re.IGNORECASE)
    if head is None:
        return tag + html
    return html[: head.end()] + tag + html[head.end() :]


def create_app(
    root: Path,
    *,
    extra_roots: Sequence[Path] = (),
    sync: ASGIApp | None = None,
    routes: Sequence[BaseRoute] = (),
    isolate: bool = False,
    harness: bool = False,
    reload: bool = False,
    head_script: str | None = None,
    allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
    allowed_origins: Iterable[str] = DEFAULT_ALLOWED_ORIGINS,
    connect_src: Iterable[str] = (),
    bytecode: bool | BytecodeCompiler = True,
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
        reload: add the reload script to every page, so that open pages reload
            when a source of the project changes.
        head_script: test-only: the URL of a script every served HTML page
            loads before its own scripts (the cross-engine tests install their
            error hook this way; an external file, so a strict CSP allows it).
        allowed_hosts: the ``Host`` names answered (see
            :mod:`pyfritz.server.hosts`); the loopback names by default.
        allowed_origins: page origins whose WebSockets are accepted besides
            the server's own (see :mod:`pyfritz.server.origins`).
        connect_src: origins the pages may connect to besides their own, in
            the Content-Security-Policy every response carries (:mod:`.csp`).
        bytecode: ship each module's bytecode in the archive (``True``: with
            a default :class:`~pyfritz.dev.bytecode.BytecodeCompiler`; or
            give one); ``False``: sources only.

    Example::

        import uvicorn
        uvicorn.run(create_app(Path(".")), host="127.0.0.1", port=8000)
    """
    roots = [root, *extra_roots]
    extra_headers = dict(_ISOLATION_HEADERS) if isolate else {}
    fresh = {"Cache-Control": "no-cache", **extra_headers}
    if bytecode is True:
        bytecode = BytecodeCompiler()
    cache = BundleCache(root / "app", bytecode=bytecode or None, background=True)

    async def bundle(request: Request) -> Response:
        try:
            built = await run_in_threadpool(cache.get)
        except (OSError, ValueError) as exc:
            return PlainTextResponse(f"pkg/app.zip: {exc}", status_code=500, headers=fresh)
        etag = f'"{built.digest}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag, **fresh})
        return Response(built.data, media_type="application/zip", headers={"ETag": etag, **fresh})

    async def static(request: Request) -> Response:
        path = resolve_site_file(roots, request.url.path)
        if path is None:
            return PlainTextResponse("not found", status_code=404, headers=extra_headers)
        if path.name == CONFIG and path.parent == root:
            # Checked on every request: an edit that cannot work says why
            # instead of leaving a blank page.
            try:
                check_config(path.read_text(encoding="utf-8"), where=str(path))
            except ProjectError as exc:
                return PlainTextResponse(str(exc), status_code=500, headers=fresh)
        return page_or_file(path, reloads=reload)

    async def harness_page(request: Request) -> Response:
        return page_or_file(_HARNESS, reloads=False)

    def page_or_file(path: Path, *, reloads: bool) -> Response:
        if path.suffix != ".html" or not (reloads or head_script):
            return FileResponse(path, headers=fresh)
        html = path.read_text(encoding="utf-8")
        if reloads:
            html = inject_reload(html)
        if head_script is not None:
            html = with_head_script(html, head_script)
        return HTMLResponse(html, headers=fresh)

    async def harness_script(request: Request) -> Response:
        return FileResponse(_HARNESS.with_suffix(".js"), headers=fresh)

    async def reload_script(request: Request) -> Response:
        return FileResponse(SCRIPT_FILE, media_type="text/javascript", headers=fresh)

    def sources() -> Hashable:
        pages = [
            path
            for base in roots
            for pattern in (*SITE_ENTRIES[:2], "static/**/*")
            for path in base.glob(pattern)
            if path.is_file()
        ]
        try:
            return cache.sources(), tuple((str(p), p.stat().st_mtime_ns) for p in sorted(pages))
        except (OSError, ValueError):
            # A file went away mid-walk, or app/ is broken: compare again later.
            return None

    all_routes: list[BaseRoute] = [
        *routes,
        Route("/" + BUNDLE_PATH, bundle),
        WebSocketRoute("/ws/echo", echo_endpoint),
        *runtime_app(extra_headers),
    ]
    if harness:
        all_routes.append(Route("/harness.html", harness_page))
        all_routes.append(Route("/harness.js", harness_script))
    if reload:
        all_routes.append(Route(RELOAD_SCRIPT, reload_script))
        all_routes.append(WebSocketRoute(RELOAD_SOCKET, reload_endpoint(sources)))
    if sync is not None:
        # A WebSocketRoute, not a Mount: a Mount matches only "/sync/..." and a
        # WebSocket request gets no trailing-slash redirect.
        all_routes.append(WebSocketRoute("/sync", sync))
    all_routes.append(Route("/{path:path}", static))
    origins = OriginPolicy(allowed_origins)
    # The Host check first: a rebinding page must learn nothing, not even a 404.
    guards = [
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False),
        Middleware(OriginCheck, policy=origins),
        Middleware(SecurityHeaders, policy=content_security_policy(connect_src)),
    ]
    return Starlette(routes=all_routes, middleware=guards)
