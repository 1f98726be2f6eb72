"""The sync hub on the network: a thin ASGI (Starlette) WebSocket adapter.

:func:`sync_app` wraps a :class:`~pyfritz.server.hub.Hub` in an ASGI application
that speaks the sync protocol on every WebSocket it is given, so it can run on
its own (``uvicorn.run(sync_app(hub))``) or be mounted in a Starlette or
FastAPI application. Per connection it:

* checks the ``Origin`` header (:class:`~pyfritz.server.origins.OriginPolicy`);
  a refused handshake is closed before it is accepted with code 1008, which
  ASGI servers send as HTTP 403 (a browser reports close code 1006);
* feeds every incoming frame to the hub session; a bad frame, including one
  over ``max_frame`` bytes, is answered with an ``error`` frame and the
  connection stays open (the ASGI server's own cap, uvicorn's
  ``ws_max_size`` of 16 MiB by default, still closes the connection with
  1009 above that);
* sends outgoing frames from its own task, out of a queue bounded by
  ``queue_limit`` frames and ``queue_bytes`` characters of text: the hub hands
  frames over without ever waiting, and a client that cannot keep up is
  disconnected with close code 1013 ("try again later") and a reason, while
  the others carry on;
* closes the connection with 1013 ("try again later") when a join or put
  cannot be served because the database is unreachable
  (:class:`~pyfritz.server.errors.StorageUnavailable`): the browser keeps
  its edit pending and sends it again once it reconnects.

Plain HTTP requests to the endpoint get ``426 Upgrade Required``.

Mounting it in your own app (Starlette shown; with FastAPI, append the same
``WebSocketRoute`` to ``app.router.routes``)::

    import contextlib

    from starlette.applications import Starlette
    from starlette.routing import Mount, WebSocketRoute

    from pyfritz.server import Hub, SqliteStorage, sync_app

    hub = Hub(SqliteStorage("sync.db"))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await hub.open()      # a database that cannot be opened fails the start
        yield
        await hub.close()

    app = Starlette(
        routes=[Mount("/api", routes=[WebSocketRoute("/sync", sync_app(hub))])],
        lifespan=lifespan,
    )
    # clients connect to ws://<host>/api/sync

Use ``WebSocketRoute`` for an exact path: a Starlette ``Mount("/sync", app)``
only matches ``/sync/`` and below, not ``/sync`` itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import Message, Receive, Scope, Send

from .errors import StorageUnavailable
from .hub import Hub, Session
from .origins import DEFAULT_ALLOWED_ORIGINS, OriginPolicy
from .protocol import MAX_FRAME

__all__ = [
    "CLOSE_POLICY",
    "CLOSE_TOO_SLOW",
    "QUEUE_BYTES",
    "QUEUE_LIMIT",
    "SyncApp",
    "sync_app",
]

logger = logging.getLogger("pyfritz.server")

#: Default bound of a connection's outgoing queue, in frames.
QUEUE_LIMIT = 1024
#: Default bound of a connection's outgoing queue, in characters of text.
QUEUE_BYTES = 16 * 1024 * 1024
#: Close code for a refused origin (RFC 6455 "policy violation").
CLOSE_POLICY = 1008
#: Close code for a client that could not keep up (RFC 6455 "try again later").
CLOSE_TOO_SLOW = 1013
# How long closing a slow client may take before the connection is just dropped.
_CLOSE_TIMEOUT = 5.0


class _Outbox:
    """A connection's bounded outgoing queue, drained by its own sender task."""

    def __init__(self, send: Send, *, limit: int, limit_bytes: int) -> None:
        self._send = send
        self._limit = limit
        self._limit_bytes = limit_bytes
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._size = 0
        #: Why the client was cut off, once its queue overflowed.
        self.overflow: str | None = None
        self.overflowed = asyncio.Event()

    def deliver(self, frame: str) -> None:
        """Queue ``frame``; on overflow, stop queueing and signal the connection."""
        if self.overflow is not None:
            return
        pending = self._queue.qsize()
        # A single frame larger than the byte bound still goes out alone.
        if pending >= self._limit or (pending and self._size + len(frame) > self._limit_bytes):
            self.overflow = f"too slow: {pending} frames queued"
            self.overflowed.set()
            return
        self._size += len(frame)
        self._queue.put_nowait(frame)

    async def run(self) -> None:
        """Send queued frames, in order, until cancelled or the send fails."""
        while True:
            frame = await self._queue.get()
            self._size -= len(frame)
            await self._send({"type": "websocket.send", "text": frame})


class SyncApp:
    """The ASGI application :func:`sync_app` returns; see there."""

    def __init__(
        self,
        hub: Hub,
        *,
        allowed_origins: Iterable[str] | None = None,
        max_frame: int = MAX_FRAME,
        queue_limit: int = QUEUE_LIMIT,
        queue_bytes: int = QUEUE_BYTES,
    ) -> None:
        if max_frame <= 0 or queue_limit <= 0 or queue_bytes <= 0:
            raise ValueError("max_frame, queue_limit and queue_bytes must be positive")
        self.hub = hub
        self.origins = OriginPolicy(
            DEFAULT_ALLOWED_ORIGINS if allowed_origins is None else allowed_origins
        )
        self.max_frame = max_frame
        self.queue_limit = queue_limit
        self.queue_bytes = queue_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection: a WebSocket, an HTTP request or the lifespan."""
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            response = PlainTextResponse(
                "this is a WebSocket endpoint (pyfritz sync protocol)\n",
                status_code=426,
                headers={"Upgrade": "websocket", "Connection": "Upgrade"},
            )
            await response(scope, receive, send)
        elif scope["type"] == "lifespan":
            # Run standalone, open the storage at start (a bad database fails
            # the start, not the first client); the hub's owner closes it.
            while (await receive())["type"] != "lifespan.shutdown":
                try:
                    await self.hub.open()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        client = scope.get("client")
        peer = f"{client[0]}:{client[1]}" if client else "?"
        secure = scope.get("scheme") == "wss"
        if not self.origins.allows(origin, host=headers.get("host"), secure=secure):
            logger.info("refused a connection from %s: origin %r not allowed", peer, origin)
            await send(
                {"type": "websocket.close", "code": CLOSE_POLICY, "reason": "origin not allowed"}
            )
            return
        await send({"type": "websocket.accept"})

        outbox = _Outbox(send, limit=self.queue_limit, limit_bytes=self.queue_bytes)
        session = self.hub.connect(outbox.deliver, max_frame=self.max_frame)
        logger.info("connect client %s from %s (origin %s)", session.client, peer, origin)
        sender = asyncio.create_task(outbox.run())
        receiver = asyncio.create_task(_receive_frames(receive, session))
        overflow = asyncio.create_task(outbox.overflowed.wait())
        tasks = (sender, receiver, overflow)
        unavailable: StorageUnavailable | None = None
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            session.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if outbox.overflow is not None:
            logger.warning("disconnecting client %s: %s", session.client, outbox.overflow)
            await _close(send, CLOSE_TOO_SLOW, outbox.overflow)
        for task in (receiver, sender):
            exc = None if task.cancelled() else task.exception()
            if isinstance(exc, StorageUnavailable):
                unavailable = exc
            elif isinstance(exc, OSError):
                # The ASGI server's ClientDisconnected: the peer went away mid-send.
                logger.debug("client %s went away: %r", session.client, exc)
            elif exc is not None:
                raise exc
        if unavailable is not None:
            logger.warning("disconnecting client %s: %s", session.client, unavailable)
            # Frames already queued (a snapshot, states) are lost with the
            # connection; the client joins again when it reconnects.
            await _close(send, CLOSE_TOO_SLOW, "database unavailable; try again later")
        logger.info("disconnect client %s", session.client)


async def _receive_frames(receive: Receive, session: Session) -> None:
    """Feed incoming frames to ``session`` until the client disconnects."""
    while True:
        message: Message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message["type"] == "websocket.receive":
            text = message.get("text")
            await session.receive(text if text is not None else message.get("bytes") or b"")
            # A burst of frames may already be buffered, and receive() then
            # returns without suspending: yield, so that the sender tasks drain
            # their queues (this client's echoes included) before it overflows.
            await asyncio.sleep(0)


async def _close(send: Send, code: int, reason: str) -> None:
    """Close the connection; a client too stuck to take even that is just dropped."""
    try:
        async with asyncio.timeout(_CLOSE_TIMEOUT):
            await send({"type": "websocket.close", "code": code, "reason": reason})
    except (OSError, TimeoutError) as exc:
        logger.debug("close %d not sent: %r", code, exc)


def sync_app(
    hub: Hub,
    *,
    allowed_origins: Iterable[str] | None = None,
    max_frame: int = MAX_FRAME,
    queue_limit: int = QUEUE_LIMIT,
    queue_bytes: int = QUEUE_BYTES,
) -> SyncApp:
    """An ASGI application serving the sync protocol for ``hub`` on any WebSocket path.

    Args:
        hub: the hub whose entities are served.
        allowed_origins: page origins allowed besides the server's own (exact,
            ``scheme://host:*`` for any port, or ``"*"``); the loopback origins
            (:data:`~pyfritz.server.origins.DEFAULT_ALLOWED_ORIGINS`) if ``None``.
            A handshake without ``Origin`` (not a browser) is always allowed.
        max_frame: the largest incoming frame, in bytes of UTF-8 (default 1 MiB).
        queue_limit: how many outgoing frames may wait for a slow client.
        queue_bytes: how many characters of outgoing text may wait for it.

    Raises:
        ValueError: an origin or a limit is invalid.

    Example::

        app = Starlette(routes=[WebSocketRoute("/sync", sync_app(hub))])
    """
    return SyncApp(
        hub,
        allowed_origins=allowed_origins,
        max_frame=max_frame,
        queue_limit=queue_limit,
        queue_bytes=queue_bytes,
    )
