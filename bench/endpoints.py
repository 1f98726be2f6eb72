"""Server routes for the benchmarks.

* ``/bench/burst`` (WebSocket): for each text ``"N KEY"`` sends the N text
  frames ``"0"`` ... ``"N-1"``, then marks ``KEY`` as sent;
* ``/bench/sent?key=KEY`` (HTTP): answers once the burst ``KEY`` is written, so
  a page can block in a synchronous request until a burst waits in its buffers.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

__all__ = ["routes"]

_sent: dict[str, asyncio.Event] = {}


def _event(key: str) -> asyncio.Event:
    return _sent.setdefault(key, asyncio.Event())


async def burst_endpoint(websocket: WebSocket) -> None:
    """Send ``N`` small frames for each ``"N KEY"``; then mark ``KEY`` as sent."""
    await websocket.accept()
    try:
        while True:
            text = await websocket.receive_text()
            count, _, key = text.partition(" ")
            for i in range(int(count)):
                await websocket.send_text(str(i))
            _event(key).set()
    except WebSocketDisconnect:
        return


async def burst_sent(request: Request) -> PlainTextResponse:
    """Answer once the burst named by ``?key=`` has been written."""
    key = request.query_params["key"]
    await _event(key).wait()
    _sent.pop(key, None)
    return PlainTextResponse("sent")


def routes() -> list[BaseRoute]:
    """The routes of :mod:`bench.endpoints`."""
    return [WebSocketRoute("/bench/burst", burst_endpoint), Route("/bench/sent", burst_sent)]
