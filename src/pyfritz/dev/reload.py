"""Reload open pages when a source of the project changes (``pyfritz dev``).

How it works: the dev server adds ``<script type="module"
src="/_pyfritz/reload.js">`` to every page it serves. That script opens a
WebSocket to ``/_pyfritz/reload``; the server compares the project's sources
(every member of the page archive, the pages, ``pyscript.toml`` and
``static/``, by name, size and mtime) every :data:`POLL_SECONDS` and sends
``reload`` when they changed; the script then calls ``location.reload()``.
The page fetches the archive again, which the server rebuilds at that moment.

Polling stat() needs no file-watching dependency and works on every file
system (as uvicorn's own ``--reload`` does without ``watchfiles``); the stat
walk runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket

__all__ = ["POLL_SECONDS", "RELOAD_SCRIPT", "RELOAD_SOCKET", "inject_reload", "reload_endpoint"]

#: How often the sources are compared while a page is open.
POLL_SECONDS = 0.3

#: Where the reload script and its WebSocket are served.
RELOAD_SCRIPT = "/_pyfritz/reload.js"
RELOAD_SOCKET = "/_pyfritz/reload"

#: The script's file.
SCRIPT_FILE = Path(__file__).resolve().parent / "reload.js"

_TAG = f'<script type="module" src="{RELOAD_SCRIPT}"></script>'


def inject_reload(html: str) -> str:
    """Return ``html`` with the reload script added before ``</head>`` (or at the end).

    Example::

        inject_reload("<head></head>")
        # '<head><script type="module" src="/_pyfritz/reload.js"></script></head>'
    """
    index = html.lower().find("</head>")
    if index < 0:
        return html + _TAG
    return html[:index] + _TAG + html[index:]


def reload_endpoint(
    sources: Callable[[], Hashable], *, interval: float = POLL_SECONDS
) -> Callable[[WebSocket], object]:
    """Return the WebSocket endpoint that sends ``reload`` when ``sources()`` changes.

    ``sources`` is called in a thread (it does file I/O) and returns anything
    comparable that changes when a source does.
    """

    async def endpoint(websocket: WebSocket) -> None:
        # The snapshot is taken before the page learns it is connected: a
        # change made after that is always seen.
        before = await run_in_threadpool(sources)
        await websocket.accept()
        # The page never sends anything: receive() returns when it goes away.
        gone = asyncio.ensure_future(websocket.receive())
        try:
            while True:
                done, _ = await asyncio.wait({gone}, timeout=interval)
                if done:
                    return
                now = await run_in_threadpool(sources)
                if now != before:
                    before = now
                    await websocket.send_text("reload")
        finally:
            gone.cancel()

    return endpoint
