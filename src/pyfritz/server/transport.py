"""uvicorn's WebSocket protocol, with a bound on how long a finished connection may linger.

When the ASGI app is done with a connection (it closed it, or cut off a client
that stopped reading), uvicorn closes the transport *gracefully*: asyncio then
keeps the connection, and every byte still in its write buffer, until the peer
reads them, which a stuck or hostile client never does. The memory stays held
and the socket stays ESTABLISHED. :class:`WebSocketProtocol` aborts such a
transport ``linger`` seconds after the app returned, so a finished connection
costs nothing after a bounded time. (It also counts a handshake the app
refused with an HTTP response as complete, so that uvicorn does not log an
error for each one.)

The sync server's command line and :func:`uvicorn_config` use it; to use it
with uvicorn directly::

    uvicorn.run(app, ws="pyfritz.server.transport:WebSocketProtocol")
"""

from __future__ import annotations

from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

__all__ = ["LINGER", "WebSocketProtocol", "uvicorn_config"]

#: Seconds a connection may linger after its app returned before it is aborted.
LINGER = 2.0


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol; aborts a transport stuck after the app ended."""

    linger = LINGER

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: nothing left to abort."""
        self._lost = True
        super().connection_lost(exc)

    async def send(self, message: ASGISendEvent) -> None:
        """Send ``message``; an HTTP refusal of the handshake counts as its end."""
        await super().send(message)
        if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
            self.handshake_complete = True

    async def run_asgi(self) -> None:
        """Run the app, then make sure its transport goes within ``linger`` seconds."""
        try:
            await super().run_asgi()
        finally:
            if not getattr(self, "_lost", False):
                self.loop.call_later(self.linger, self._abort_if_open)

    def _abort_if_open(self) -> None:
        if not getattr(self, "_lost", False):
            # abort(), not close(): close() waits for the peer to read the buffer.
            self.transport.abort()


def uvicorn_config(app: ASGIApp, *, max_frame: int, **options: Any) -> uvicorn.Config:
    """A uvicorn configuration for a sync server: the lingering bound, and frame sizes.

    Frames up to ``max_frame`` are the app's to refuse with an ``error``; up to
    twice that, the app still answers; larger ones are refused by uvicorn
    itself (close code 1009), so no client can make the server buffer more.

    Example::

        uvicorn.Server(uvicorn_config(app, max_frame=1 << 20, host="127.0.0.1", port=8001)).run()
    """
    options.setdefault("log_level", "warning")
    return uvicorn.Config(app, ws=WebSocketProtocol, ws_max_size=2 * max_frame, **options)
