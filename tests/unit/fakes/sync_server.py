"""Test doubles and harnesses for the sync server tests (tests/unit/pyfritz/server)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar

import uvicorn
from starlette.types import ASGIApp, Message

from pyfritz.server import MAX_FRAME, MemoryStorage, Record, StorageError, StorageUnavailable
from pyfritz.server.sockets import listen
from pyfritz.server.transport import DIRECT, uvicorn_config

__all__ = [
    "TIMEOUT",
    "FailingStorage",
    "FakeDirectWriter",
    "FakeWebSocket",
    "Frames",
    "LoggingStorage",
    "run_now",
    "serve",
]

T = TypeVar("T")

#: How long a test waits for a condition before it fails.
TIMEOUT = 5.0


class Frames:
    """A ``deliver`` target that keeps every frame, raw and decoded."""

    def __init__(self, log: list[Any] | None = None) -> None:
        self.raw: list[str] = []
        self._log = log

    def __call__(self, frame: str) -> None:
        self.raw.append(frame)
        if self._log is not None:
            self._log.append(("deliver", json.loads(frame)["op"]))

    @property
    def ops(self) -> list[dict[str, Any]]:
        """Every frame so far, decoded."""
        return [json.loads(frame) for frame in self.raw]

    def take(self) -> list[dict[str, Any]]:
        """The frames since the last ``take``, decoded."""
        taken = [json.loads(frame) for frame in self.raw]
        self.raw.clear()
        return taken


class LoggingStorage(MemoryStorage):
    """A memory storage that appends ``("save", id, rev)`` to a shared log on each commit."""

    def __init__(self, log: list[Any]) -> None:
        super().__init__()
        self.log = log

    async def commit(
        self,
        id: str,
        value: str,
        *,
        origin: str | None = None,
        seq: int | None = None,
        max_stored: int | None = None,
    ) -> int:
        current = self.records.get(id)
        self.log.append(("save", id, 1 if current is None else current.rev + 1))
        return await super().commit(id, value, origin=origin, seq=seq, max_stored=max_stored)


class FailingStorage(MemoryStorage):
    """A memory storage whose loads and commits fail while the flags say so.

    ``unavailable`` makes them raise :class:`StorageUnavailable` (the database
    is unreachable) instead of :class:`StorageError`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.fail_loads = False
        self.fail_saves = False
        self.unavailable = False

    async def load(self, id: str) -> Record | None:
        if self.unavailable:
            raise StorageUnavailable("connection refused")
        if self.fail_loads:
            raise StorageError("disk on fire")
        return await super().load(id)

    async def commit(
        self,
        id: str,
        value: str,
        *,
        origin: str | None = None,
        seq: int | None = None,
        max_stored: int | None = None,
    ) -> int:
        if self.unavailable:
            raise StorageUnavailable("connection refused")
        if self.fail_saves:
            raise StorageError("disk full")
        return await super().commit(id, value, origin=origin, seq=seq, max_stored=max_stored)


def run_now(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end at once, without an event loop.

    For a hub over a :class:`MemoryStorage`, whose coroutines never suspend;
    one that does suspend fails the test.
    """
    try:
        coroutine.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coroutine.close()
    raise AssertionError(f"{coroutine!r} suspended: it needs an event loop")


class FakeDirectWriter:
    """Plays :class:`~pyfritz.server.transport.DirectWriter` for a :class:`FakeWebSocket`.

    Each :meth:`write` is recorded in :attr:`writes` (the texts of one write);
    :attr:`writable` is the transport's state (set it to ``False`` for a
    client that stopped reading, back to ``True`` to let it drain); setting
    :attr:`closing` makes writes fail as on a closing connection.
    """

    def __init__(self, changed: Callable[[], None], received: Callable[[], int]) -> None:
        self.writes: list[list[str]] = []
        self._received = received
        self.closing = False
        self._writable = asyncio.Event()
        self._writable.set()
        self._changed = changed

    def encode(self, text: str) -> str | bytes:
        return text.encode()

    @property
    def received(self) -> int:
        return self._received()

    @property
    def writable(self) -> bool:
        return self._writable.is_set()

    @writable.setter
    def writable(self, value: bool) -> None:
        if value:
            self._writable.set()
        else:
            self._writable.clear()

    def write(self, items: Sequence[str | bytes]) -> bool:
        if self.closing:
            return False
        self.writes.append([bytes(item).decode() for item in items])  # type: ignore[arg-type]
        self._changed()
        return True

    async def drain(self) -> None:
        await self._writable.wait()


class FakeWebSocket:
    """Plays the ASGI server's part for one WebSocket connection to an app.

    Frames the app sends land in :attr:`sent`; setting :attr:`stalled` makes
    every later ``websocket.send`` hang like a socket whose peer stopped
    reading (the frame is recorded in :attr:`stuck` instead). With
    ``direct=True`` the scope offers a :class:`FakeDirectWriter`
    (:attr:`direct`), as :class:`~pyfritz.server.transport.WebSocketProtocol`
    does, and text frames go there instead (still listed in :attr:`frames`).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        headers: Iterable[tuple[str, str]] = (),
        scheme: str = "ws",
        direct: bool = False,
    ) -> None:
        self.app = app
        self.scope: dict[str, Any] = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": scheme,
            "path": "/",
            "raw_path": b"/",
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "subprotocols": [],
        }
        self.direct: FakeDirectWriter | None = None
        if direct:
            self.direct = FakeDirectWriter(self._notify, lambda: self._incoming.qsize())
            self.scope["extensions"] = {DIRECT: {"writer": self.direct}}
        self.sent: list[Message] = []
        self.stuck: list[Message] = []
        self.stalled = False
        self._incoming: asyncio.Queue[Message] = asyncio.Queue()
        self._changed = asyncio.Condition()
        self._never = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run the app on this connection and send the handshake."""
        self._incoming.put_nowait({"type": "websocket.connect"})
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        await self.app(self.scope, self._incoming.get, self._send)

    def send_text(self, text: str) -> None:
        """A text frame from the client."""
        self._incoming.put_nowait({"type": "websocket.receive", "text": text})

    def disconnect(self, code: int = 1000) -> None:
        """The client goes away."""
        self._incoming.put_nowait({"type": "websocket.disconnect", "code": code})

    @property
    def frames(self) -> list[dict[str, Any]]:
        """The text frames the app has sent (or written directly), decoded."""
        if self.direct is not None:
            return [json.loads(text) for write in self.direct.writes for text in write]
        return [json.loads(m["text"]) for m in self.sent if m["type"] == "websocket.send"]

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds, re-checking after each message sent."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), TIMEOUT)

    def _notify(self) -> None:
        # A direct write happens inside a synchronous call: wake the waiters later.
        asyncio.get_running_loop().create_task(self._notify_all())

    async def _notify_all(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _send(self, message: Message) -> None:
        if message["type"] == "websocket.send" and self.stalled:
            self.stuck.append(message)
            await self._never.wait()
        async with self._changed:
            self.sent.append(message)
            self._changed.notify_all()


@asynccontextmanager
async def serve(app: ASGIApp, *, lifespan: Literal["on", "off"] = "off") -> AsyncIterator[str]:
    """Run ``app`` under uvicorn on a free loopback port; yield ``ws://127.0.0.1:<port>``.

    The listening socket is bound before the server starts, so clients can
    connect at once: the kernel queues them until uvicorn accepts.
    """
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = uvicorn_config(app, max_frame=MAX_FRAME, lifespan=lifespan)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)
        sock.close()
