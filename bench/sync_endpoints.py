"""Server routes for the ``sync_latency`` benchmark.

* ``/bench/sync`` (WebSocket): the sync server (``Hub(MemoryStorage())``
  behind :func:`pyfritz.server.sync_app`), what pyfritz's ``sync_with`` talks to;
* ``/bench/relay`` (WebSocket): the raw baseline, forwarding every text frame
  to every *other* open connection of the relay, as it came and in order.

Both live on the dev server of the bench run, at their own paths, so that
they do not clash with a ``/sync`` another bench may mount.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from pyfritz.server import Hub, Limits, MemoryStorage, sync_app

__all__ = ["RELAY_PATH", "SYNC_PATH", "relay_endpoint", "routes"]

SYNC_PATH = "/bench/sync"
RELAY_PATH = "/bench/relay"
_UNLIMITED_PUTS = Limits(put_rate=1e9, put_burst=1 << 30)

_relayed: set[WebSocket] = set()


async def relay_endpoint(websocket: WebSocket) -> None:
    """Forward each text frame received to every other connection of the relay."""
    await websocket.accept()
    _relayed.add(websocket)
    try:
        while True:
            text = await websocket.receive_text()
            # A copy: a connection closing during the sends changes the set.
            for other in tuple(_relayed):
                if other is not websocket:
                    await other.send_text(text)
    except WebSocketDisconnect:
        return
    finally:
        _relayed.discard(websocket)


def routes() -> list[BaseRoute]:
    """The routes of :mod:`bench.sync_endpoints`, with a fresh in-memory hub."""
    return [
        # A benchmark measures throughput, not the production put rate.
        WebSocketRoute(SYNC_PATH, sync_app(Hub(MemoryStorage()), limits=_UNLIMITED_PUTS)),
        WebSocketRoute(RELAY_PATH, relay_endpoint),
    ]
