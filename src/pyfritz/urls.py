"""WebSocket URLs relative to the page: ``websocket("/sync")`` and :func:`sync_url`.

A page served from ``http://host:port/`` reaches its own server at
``ws://host:port/...`` (``https`` pages at ``wss://``), so apps name only the
path and run unchanged under ``pyfritz dev``, a static host with a sync server
at its origin, or any domain. Pure functions; :func:`sync_url` reads the
browser's ``location`` through the shim when none is given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

__all__ = ["sync_url", "websocket_url"]

_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def websocket_url(url: str, page_url: str) -> str:
    """Resolve ``url`` against the page's URL and give it a WebSocket scheme.

    ``http`` becomes ``ws`` and ``https`` becomes ``wss``, as the WHATWG
    WebSocket constructor does in current browsers (older ones refuse
    anything but an absolute ``ws(s)://`` URL, hence this).

    Raises:
        ValueError: the result is not an ``http(s)`` or ``ws(s)`` URL.

    Example::

        websocket_url("/sync", "https://example.org/app/index.html")
        # 'wss://example.org/sync'
    """
    fast = _origin_path(url, page_url)
    if fast is not None:
        return fast
    parts = urlsplit(urljoin(page_url, url))
    scheme = _SCHEMES.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(
            f"{url!r} is not a WebSocket URL: its scheme must be ws, wss, http or https "
            f"(relative URLs resolve against the page, {page_url!r})"
        )
    # A fragment is not allowed in a WebSocket URL.
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))


def _origin_path(url: str, page_url: str) -> str | None:
    """``websocket_url`` of a plain absolute path (``"/sync"``) on an http(s) page, or ``None``.

    The same result as urljoin + urlsplit for what it accepts (no dot segment,
    query, fragment, backslash, space or control character, a page URL as browsers
    give it), without their ~35 Python calls: a synced page resolves its sync
    URL at start (issue 13). Anything else goes the general way.
    """
    if (
        url[:1] != "/"
        or url[1:2] == "/"
        or "." in url
        or "#" in url
        or "?" in url
        or "\\" in url
        or not url.isascii()
        or not url.isprintable()
        or " " in url
    ):
        return None
    scheme, separator, rest = page_url.partition("://")
    host, slash, _ = rest.partition("/")
    ws = {"http": "ws", "https": "wss"}.get(scheme)
    if (
        ws is None
        or not separator
        or not slash
        or not host
        or not host.isascii()
        or not host.isprintable()
        or any(c in host for c in " ?#\\")
    ):
        return None
    return f"{ws}://{host}{url}"


def sync_url(path: str = "/sync", *, location: Any = None) -> str:
    """Return the WebSocket URL of the page's own sync server.

    ``?sync=wss://host/sync`` in the page's URL wins (pages on a static host,
    the sync server elsewhere); otherwise ``path`` is resolved against the
    page's URL (see :func:`websocket_url`). ``location`` is the browser's
    ``window.location`` by default (anything with ``href`` and ``search``).

    Example::

        socket = websocket(sync_url())   # ws://127.0.0.1:8000/sync under `pyfritz dev`
    """
    if location is None:
        from . import _js

        location = _js.window().location  # the page's, in the browser
    search = str(location.search).lstrip("?")
    if search:  # (none, usually: parse_qs's first use costs a page more than it does)
        explicit = parse_qs(search).get("sync")
        if explicit:
            return explicit[0]
    return websocket_url(path, str(location.href))
