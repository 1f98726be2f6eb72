"""Pieces shared by the demo pages: the status badge and the page start-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pyfritz import sync_url
from pyfritz.dom import render, span
from pyfritz.flows import Flow

__all__ = ["STATUS_TEXT", "start", "status_badge"]

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
    """Run a demo page: make its store for the page's sync URL, render ``view`` on ``#app``.

    Replaces the page's loading indicator and marks ``<body data-ready>``.
    """
    from pyscript import window  # type: ignore[import-not-found]

    store = make_store(sync_url())
    render("#app", lambda: view(store))
    window.document.body.setAttribute("data-ready", "true")
