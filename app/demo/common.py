"""Pieces shared by the demo pages: where the sync server is, and the status badge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pyfritz.dom import render, span
from pyfritz.flows import Flow

__all__ = ["STATUS_TEXT", "start", "status_badge", "sync_url"]

S = TypeVar("S")

#: What the badge says for each sync status.
STATUS_TEXT = {
    "connecting": "connecting…",
    "synced": "synced",
    "pending": "saving…",
    "offline": "offline",
    "reconnecting": "reconnecting…",
    "error": "error",
}


def sync_url(location: Any, path: str = "/sync") -> str:
    """Return the sync server's WebSocket URL for a page at ``location``.

    ``?sync=ws://host:port/sync`` in the page URL wins; otherwise the page's own
    origin is used (``http`` becomes ``ws``, ``https`` becomes ``wss``), so the
    same pages work from ``make demo`` and from a static host next to a sync
    server. ``location`` is the browser's ``window.location`` (or a stand-in).
    """
    from urllib.parse import parse_qs

    explicit = parse_qs(str(location.search).lstrip("?")).get("sync")
    if explicit:
        return explicit[0]
    scheme = "wss" if str(location.protocol) == "https:" else "ws"
    return f"{scheme}://{location.host}{path}"


def status_badge(status: Flow[Any]) -> None:
    """Show a sync status flow as a badge (text and a ``data-status`` attribute)."""
    names = status.map(str)
    span(
        names.map(lambda name: STATUS_TEXT.get(name, name)),
        classes=names.map(lambda name: f"badge badge-{name}"),
        data_status=names,
        role="status",
    )


def start(make_store: Callable[[str], S], view: Callable[[S], object]) -> None:  # pragma: no cover
    """Run a demo page: make its store for the sync URL, render ``view`` on ``#app``.

    Replaces the page's loading indicator and marks ``<body data-ready>``.
    """
    from pyscript import window  # type: ignore[import-not-found]

    store = make_store(sync_url(window.location))
    render("#app", lambda: view(store))
    window.document.body.setAttribute("data-ready", "true")
