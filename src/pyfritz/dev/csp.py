"""The Content-Security-Policy the pages run under, for the dev server and built sites.

A pyfritz page needs little: its own scripts (PyScript's ``core.js`` and the
Pyodide runtime, all served from the site), ``'wasm-unsafe-eval'`` so that the
browser may compile Pyodide's WebAssembly, its own styles, and a connection to
its own origin and to the sync server. No inline script and no foreign
origin: ``<script type="py">`` is not JavaScript (the browser never runs it,
PyScript reads its text), so it needs no ``'unsafe-inline'``. It does need
``'unsafe-eval'``: PyScript 0.7's core (polyscript) builds its hook functions
with ``Function(...)`` at start, and without it no page boots.

Measured in Chromium with PyScript 0.7 and Pyodide 314 (the e2e test
``tests/e2e/test_csp.py`` fails on any violation):

=================  =====================================  =====================================
directive          value                                  why
=================  =====================================  =====================================
default-src        ``'self'``                             anything not named below: own origin
script-src         ``'self' 'unsafe-eval'                 PyScript and Pyodide; PyScript's
                   'wasm-unsafe-eval'``                   ``Function(...)``; compiling wasm
style-src          ``'self'``                             the app's CSS
img-src            ``'self' data:``                       the ``data:,`` favicon
connect-src        ``'self'`` + the sync origin           fetches of the runtime; the WebSocket
object-src         ``'none'``                             no plugins
base-uri           ``'none'``                             no ``<base>`` hijacking of ``./`` URLs
form-action        ``'self'``
frame-ancestors    ``'none'``                             no framing (header only; a ``<meta>``
                                                          policy cannot say it)
=================  =====================================  =====================================

The dev server sends it as a header on every response (:class:`SecurityHeaders`);
``python -m pyfritz.dev.site`` writes it into each page as a ``<meta>`` element
(:func:`meta_policy`) and into ``_headers`` for static hosts that read one.

Example::

    policy = content_security_policy(["wss://sync.example.com"])
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeaders", "content_security_policy", "meta_policy"]

# Directives a <meta> policy may not carry (CSP3, 6.1: ignored there, with a console error).
_HEADER_ONLY = ("frame-ancestors", "report-uri", "sandbox")


def content_security_policy(connect: Iterable[str] = (), *, meta: bool = False) -> str:
    """The policy, with ``connect`` (e.g. the sync server's origin) allowed to connect.

    Args:
        connect: origins the page may open connections to besides its own
            (``wss://sync.example.com``); CSP's ``'self'`` covers ``ws:``/``wss:``
            on the page's own host and port.
        meta: leave out what a ``<meta>`` element cannot carry.

    Raises:
        ValueError: an entry holds a character that would end the directive.
    """
    extra = list(connect)
    for source in extra:
        if not source or any(c in source for c in ";,'\" \t\r\n"):
            raise ValueError(f"not a CSP source: {source!r}")
    directives = {
        "default-src": "'self'",
        "script-src": "'self' 'unsafe-eval' 'wasm-unsafe-eval'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": " ".join(["'self'", *extra]),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(
        f"{name} {value}"
        for name, value in directives.items()
        if not (meta and name in _HEADER_ONLY)
    )


def meta_policy(connect: Iterable[str] = ()) -> str:
    """The policy as a ``<meta http-equiv>`` element, for pages on a static host."""
    policy = content_security_policy(connect, meta=True)
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


class SecurityHeaders:
    """ASGI middleware: the policy, and ``nosniff``, on every HTTP response.

    Example::

        app = SecurityHeaders(app, content_security_policy())
    """

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_headers)
