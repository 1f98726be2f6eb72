"""The sync hub on the network: a thin ASGI (Starlette) WebSocket adapter.

:func:`sync_app` wraps a :class:`~pyfritz.server.hub.Hub` in an ASGI application
that speaks the sync protocol on every WebSocket it is given, so it can run on
its own (``uvicorn.run(sync_app(hub))``) or be mounted in a Starlette or
FastAPI application. Per connection it:

* checks the ``Origin`` header (:class:`~pyfritz.server.origins.OriginPolicy`);
  a refused handshake is closed before it is accepted with code 1008, which
  ASGI servers send as HTTP 403 (a browser reports close code 1006);
* counts connections in total and per client address
  (:class:`~pyfritz.server.limits.Limits`); over either, the handshake is
  answered with HTTP 503 or 429;
* asks the app's ``authenticate`` hook (:mod:`~pyfritz.server.access`), if
  given, for the connection's principal; ``None`` refuses it with HTTP 403,
  and the session carries the principal and the ``authorize`` hook;
* feeds every incoming frame to the hub session; a bad frame, including one
  over ``max_frame`` bytes, is answered with an ``error`` frame and the
  connection stays open (the ASGI server's own cap, uvicorn's
  ``ws_max_size`` of 16 MiB by default, still closes the connection with
  1009 above that);
* sends outgoing frames without making the hub wait: under uvicorn with
  :class:`~pyfritz.server.transport.WebSocketProtocol` (what ``python -m
  pyfritz.server`` and ``pyfritz dev`` run) it writes them to the transport
  itself, the first frame of an event-loop turn at once and the others of
  that turn together in one write at its end, each state framed once for
  all uncompressed connections; under any other server, a task per
  connection passes them to the ASGI ``send``. Frames the client is not
  ready for wait in a queue bounded in bytes of memory (``queue_bytes`` per
  connection, ``total_queue_bytes`` for all, where a frame queued for many
  followers counts once), and a client that cannot keep up, or has not
  taken a frame for ``write_timeout`` seconds, is cut off with close code
  1013 ("try again later") and a reason, while the others carry on; over
  the total, the client that has gone longest without taking a frame goes
  (:func:`~pyfritz.server.limits.longest_stalled`). Its queue is dropped at
  once; the close frame gets ``close_timeout`` seconds, and under uvicorn
  :class:`~pyfritz.server.transport.WebSocketProtocol` then aborts a
  transport that is still stuck, so its buffers are freed too;
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
import sys
from collections import deque
from collections.abc import Awaitable, Iterable

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import Message, Receive, Scope, Send

from .access import Authenticate, Authorize
from .errors import StorageUnavailable
from .hub import Hub
from .limits import ConnectionCounter, Limits, QueueMemory, longest_stalled
from .origins import DEFAULT_ALLOWED_ORIGINS, OriginPolicy
from .session import Session
from .transport import DIRECT, DirectWriter

__all__ = [
    "CLOSE_POLICY",
    "CLOSE_TOO_SLOW",
    "SyncApp",
    "sync_app",
]

logger = logging.getLogger("pyfritz.server")

#: Close code for a refused origin or principal (RFC 6455 "policy violation").
CLOSE_POLICY = 1008
#: Close code for a client that could not keep up (RFC 6455 "try again later").
CLOSE_TOO_SLOW = 1013
# With direct writes, the most frames of one client handled together, in one turn.
_FRAMES_PER_TURN = 32


class _Budget:
    """The outgoing bytes queued by every connection of one app, and their bound.

    It also batches direct writes (:mod:`~pyfritz.server.transport`): an
    outbox that queued frames in this event-loop turn is flushed once at its
    end, together with the others, by one callback.
    """

    def __init__(self, limit: int) -> None:
        self.memory = QueueMemory(limit)
        self.outboxes: set[_Outbox] = set()
        self._due: list[_Outbox] = []
        self._flush: asyncio.Handle | None = None

    @property
    def used(self) -> int:
        """Bytes of memory the queued frames hold, each frame counted once."""
        return self.memory.used

    def make_room(self, item: str | bytes, size: int, asking: _Outbox) -> bool:
        """Cut off stalled clients until ``item`` fits; ``False``: ``asking`` went."""
        memory = self.memory
        if memory.fits(item, size):  # the usual case: no clock needed
            return True
        now = asyncio.get_running_loop().time()
        while not memory.fits(item, size):
            # The client that reads least goes, not the one that happens to
            # receive the next frame, nor a reading one with a long queue.
            victim = longest_stalled(self.outboxes, now) or asking
            if victim.write_now():  # not behind at all: its turn was just not over
                continue
            victim.cut_off(f"server busy: {memory.used} bytes queued for all clients")
            if victim is asking:
                return False
        return True

    def flush_soon(self, outbox: _Outbox, loop: asyncio.AbstractEventLoop) -> None:
        """Flush ``outbox`` at the end of this event-loop turn."""
        self._due.append(outbox)
        if self._flush is None:
            self._flush = loop.call_soon(self._flush_due)

    def _flush_due(self) -> None:
        due, self._due, self._flush = self._due, [], None
        for outbox in due:
            outbox.flush()


class _Outbox:
    """A connection's outgoing queue, bounded in bytes, written as directly as the server allows.

    Under :class:`~pyfritz.server.transport.WebSocketProtocol` (a
    :class:`~pyfritz.server.transport.DirectWriter` in the scope) the first
    frame of an event-loop turn is written at once, the rest of the turn's
    frames in one write at its end; only while the transport's buffer is full
    do frames wait here, for the sender task, which writes all of them in one
    write once the client reads again. Under any other server, frames go out
    through the ASGI ``send`` from the sender task, which takes every frame
    queued when it wakes.
    """

    def __init__(
        self, send: Send, budget: _Budget, limits: Limits, direct: DirectWriter | None
    ) -> None:
        self._send = send
        self._budget = budget
        self._limit = limits.queue_bytes
        self._write_timeout = limits.write_timeout
        self._direct = direct
        self._loop = asyncio.get_running_loop()
        self._queue: deque[str | bytes] = deque()
        self._ready = asyncio.Event()
        # Direct writes: a flush is due at the end of this turn (frames written
        # in this turn, so the next ones wait for it to go out together).
        self._flush_due = False
        #: Bytes of memory the queued frames hold (the one being sent included).
        self.queued = 0
        # When the send in progress began (loop time); None: no send waiting.
        self._send_started: float | None = None
        #: Why the client was cut off, once it was.
        self.overflow: str | None = None
        self.overflowed = asyncio.Event()
        #: Whether the connection went away under a direct write.
        self.gone = False
        budget.outboxes.add(self)

    def deliver(self, frame: str) -> None:
        """Queue ``frame`` (or write it at once); over a bound, cut the client off instead."""
        if self.overflow is not None or self.gone:
            return
        direct = self._direct
        queue = self._queue
        if direct is None:
            item: str | bytes = frame
        else:
            item = direct.encode(frame)
            if not self._flush_due:
                self._flush_due = True
                self._budget.flush_soon(self, self._loop)
                if not queue and direct.writable:
                    # The first frame of a turn goes out at once: no added latency.
                    self._write((item,))
                    return
        # getsizeof: what the queued item holds in memory (a str 1, 2 or 4 bytes
        # a character), which is what a stuck client costs the server.
        size = sys.getsizeof(item)
        # A single frame larger than the bound still goes out alone.
        if queue and self.queued + size > self._limit and not self.write_now():
            self.cut_off(f"too slow: {self.queued} bytes queued")
            return
        if not self._budget.make_room(item, size, self):
            return
        queue.append(item)
        self.queued += size
        self._budget.memory.hold(item, size)
        if direct is None:
            self._ready.set()

    def write_now(self) -> bool:
        """Write the queued frames now if the transport takes them; whether it did."""
        direct = self._direct
        if direct is None or not self._queue or not direct.writable or self.gone:
            return False
        self._write_queued()
        return True

    def flush(self) -> None:
        """The turn is over: write its frames, or leave them to the sender while the client lags."""
        self._flush_due = False
        if self.overflow is None and not self.write_now() and self._queue:
            self._ready.set()

    def _write_queued(self) -> None:
        items = tuple(self._queue)
        self._queue.clear()
        self.queued = 0
        release = self._budget.memory.release
        for item in items:
            release(item)
        self._write(items)

    def _write(self, items: tuple[str | bytes, ...]) -> None:
        assert self._direct is not None
        if not self._direct.write(items):
            # Closing or closed: nothing more can go out; the receiver sees the disconnect.
            self.gone = True
            self.close()
            self._ready.set()

    def cut_off(self, reason: str) -> None:
        """Stop queueing, drop what is queued and signal the connection."""
        if self.overflow is not None:
            return
        self.overflow = reason
        self.close()
        self.overflowed.set()

    def close(self) -> None:
        """Give the queue's bytes back to the budget (the connection is over)."""
        release = self._budget.memory.release
        for item in self._queue:
            release(item)
        self._queue.clear()
        self.queued = 0
        self._budget.outboxes.discard(self)

    def stalled_for(self, now: float) -> float:
        """How long the write in progress has waited for the client (0: none waits)."""
        started = self._send_started
        return 0.0 if started is None else now - started

    async def run(self) -> None:
        """Send queued frames, in order, until cancelled, cut off or the send fails."""
        queue = self._queue
        while self.overflow is None and not self.gone:
            if not queue:
                self._ready.clear()
                await self._ready.wait()
            elif self._direct is None:
                await self._send_first()
            elif self._direct.writable:
                self._write_queued()
            else:
                await self._waiting(self._direct.drain())

    async def _send_first(self) -> None:
        frame = self._queue[0]
        assert isinstance(frame, str)
        await self._waiting(self._send({"type": "websocket.send", "text": frame}))
        if self.overflow is not None:
            return
        # Counted until sent: the frame is held in memory until then.
        self._queue.popleft()
        self.queued -= sys.getsizeof(frame)
        self._budget.memory.release(frame)

    async def _waiting(self, awaitable: Awaitable[None]) -> None:
        """Await ``awaitable`` as a write the watchdog times."""
        self._send_started = self._loop.time()
        try:
            await awaitable
        finally:
            self._send_started = None

    async def watch(self) -> None:
        """Cut the client off once a send has waited ``write_timeout`` seconds."""
        loop = self._loop
        timeout = self._write_timeout
        while self.overflow is None:
            started = self._send_started
            left = timeout if started is None else started + timeout - loop.time()
            if left <= 0:
                self.cut_off(f"not reading: no frame taken for {timeout:g} s")
                return
            await asyncio.sleep(left)


class SyncApp:
    """The ASGI application :func:`sync_app` returns; see there."""

    def __init__(
        self,
        hub: Hub,
        *,
        allowed_origins: Iterable[str] | None = None,
        authenticate: Authenticate | None = None,
        authorize: Authorize | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.hub = hub
        self.origins = OriginPolicy(
            DEFAULT_ALLOWED_ORIGINS if allowed_origins is None else allowed_origins
        )
        self.authenticate = authenticate
        self.authorize = authorize
        self.limits = Limits() if limits is None else limits
        self.connections = ConnectionCounter(
            total=self.limits.max_connections,
            per_address=self.limits.max_connections_per_address,
        )
        self._budget = _Budget(self.limits.total_queue_bytes)

    @property
    def queued_bytes(self) -> int:
        """Outgoing bytes queued for every connection together (for tests and metrics)."""
        return self._budget.used

    def describe_access(self) -> str:
        """One line saying who may do what, for the server's start-up log."""
        if self.authenticate is None and self.authorize is None:
            return (
                "access: no authenticate/authorize hooks; any client that passes the "
                "Origin check may read and write every entity"
            )
        who = "authenticate hook" if self.authenticate else "no authenticate hook (anyone)"
        what = "authorize hook" if self.authorize else "no authorize hook (every entity)"
        return f"access: {who} decides who connects; {what} decides what they may do"

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
        address = str(client[0]) if client else "?"
        peer = f"{client[0]}:{client[1]}" if client else "?"
        secure = scope.get("scheme") == "wss"
        if not self.origins.allows(origin, host=headers.get("host"), secure=secure):
            # repr: header values are the client's text and must not forge log lines.
            logger.info("refused a connection from %s: origin %r not allowed", peer, origin)
            await send(
                {"type": "websocket.close", "code": CLOSE_POLICY, "reason": "origin not allowed"}
            )
            return
        refusal = self.connections.open(address)
        if refusal is not None:
            status, reason = refusal
            logger.warning("refused a connection from %s: %s", peer, reason)
            await _deny(scope, send, status, reason)
            return
        try:
            await self._authenticated(scope, receive, send, peer, origin)
        finally:
            self.connections.close(address)

    async def _authenticated(
        self, scope: Scope, receive: Receive, send: Send, peer: str, origin: str | None
    ) -> None:
        principal = None
        if self.authenticate is not None:
            try:
                principal = await self.authenticate(HTTPConnection(scope))
            except Exception:
                # A failing hook refuses: access must never be granted by accident.
                logger.exception("authenticate failed for a connection from %s", peer)
            if principal is None:
                logger.info("refused a connection from %s: not authenticated", peer)
                await send({"type": "websocket.close", "code": CLOSE_POLICY, "reason": "forbidden"})
                return
        await send({"type": "websocket.accept"})

        direct = scope.get("extensions", {}).get(DIRECT, {}).get("writer")
        outbox = _Outbox(send, self._budget, self.limits, direct)
        session = self.hub.connect(
            outbox.deliver, limits=self.limits, principal=principal, authorize=self.authorize
        )
        logger.info("connect client %s from %s (origin %r)", session.client, peer, origin)
        sender = asyncio.create_task(outbox.run())
        receiver = asyncio.create_task(_receive_frames(receive, session, direct))
        overflow = asyncio.create_task(outbox.overflowed.wait())
        watchdog = asyncio.create_task(outbox.watch())
        tasks = (sender, receiver, overflow, watchdog)
        unavailable: StorageUnavailable | None = None
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            session.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            outbox.close()

        if outbox.overflow is not None:
            logger.warning("disconnecting client %s: %s", session.client, outbox.overflow)
            await _close(send, CLOSE_TOO_SLOW, outbox.overflow, self.limits.close_timeout)
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
            reason = "database unavailable; try again later"
            await _close(send, CLOSE_TOO_SLOW, reason, self.limits.close_timeout)
        logger.info("disconnect client %s", session.client)


async def _receive_frames(receive: Receive, session: Session, direct: DirectWriter | None) -> None:
    """Feed incoming frames to ``session`` until the client disconnects."""
    while True:
        message: Message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message["type"] != "websocket.receive":
            continue
        if direct is None:
            await session.receive(_data(message))
            # A burst of frames may already be buffered, and receive() then
            # returns without suspending: yield, so that the sender tasks drain
            # their queues (this client's echoes included) before they overflow.
            await asyncio.sleep(0)
            continue
        # Direct writes need no sender task. Take the frames already there
        # together (up to a bound, so that other connections get their turn):
        # their puts are committed together and their states go out in one
        # write per client.
        frames = [_data(message)]
        gone = False
        while direct.received and len(frames) < _FRAMES_PER_TURN:
            message = await receive()  # there: returns without waiting
            if message["type"] == "websocket.disconnect":
                gone = True
                break
            if message["type"] == "websocket.receive":
                frames.append(_data(message))
        await session.receive_many(frames)
        if gone:
            return
        if len(frames) == _FRAMES_PER_TURN:
            await asyncio.sleep(0)


def _data(message: Message) -> str | bytes:
    text = message.get("text")
    return text if text is not None else message.get("bytes") or b""


async def _deny(scope: Scope, send: Send, status: int, reason: str) -> None:
    """Refuse a handshake with an HTTP status, where the server can send one (else 403)."""
    if "websocket.http.response" in scope.get("extensions", {}):
        await PlainTextResponse(reason + "\n", status_code=status)(scope, _no_receive, send)
    else:
        await send({"type": "websocket.close", "code": CLOSE_TOO_SLOW, "reason": reason})


async def _no_receive() -> Message:  # pragma: no cover - a response never reads
    return {"type": "websocket.disconnect"}


async def _close(send: Send, code: int, reason: str, within: float) -> None:
    """Close the connection; a client too stuck to take even that is just dropped."""
    try:
        async with asyncio.timeout(within):
            await send({"type": "websocket.close", "code": code, "reason": reason})
    except (OSError, TimeoutError) as exc:
        logger.debug("close %d not sent: %r", code, exc)


def sync_app(
    hub: Hub,
    *,
    allowed_origins: Iterable[str] | None = None,
    authenticate: Authenticate | None = None,
    authorize: Authorize | None = None,
    limits: Limits | None = None,
) -> SyncApp:
    """An ASGI application serving the sync protocol for ``hub`` on any WebSocket path.

    Args:
        hub: the hub whose entities are served.
        allowed_origins: page origins allowed besides the server's own (exact,
            ``scheme://host:*`` for any port, or ``"*"``); the loopback origins
            (:data:`~pyfritz.server.origins.DEFAULT_ALLOWED_ORIGINS`) if ``None``.
            A handshake without ``Origin`` (not a browser) is always allowed.
        authenticate: ``async (connection) -> principal | None``, asked at each
            handshake; ``None`` refuses it with HTTP 403 (:mod:`~pyfritz.server.access`).
        authorize: ``(principal, entity_id, "join" | "put") -> bool``, asked
            before each join and put; a refusal is an ``error`` with code
            ``forbidden``.
        limits: the connection and session limits; :class:`Limits
            <pyfritz.server.limits.Limits>`' defaults if ``None``.

    Without hooks, anyone who passes the ``Origin`` check may read and write
    every entity.

    Raises:
        ValueError: an origin is invalid.

    Example::

        app = Starlette(routes=[WebSocketRoute("/sync", sync_app(hub, authorize=owner_only))])
    """
    return SyncApp(
        hub,
        allowed_origins=allowed_origins,
        authenticate=authenticate,
        authorize=authorize,
        limits=limits,
    )
