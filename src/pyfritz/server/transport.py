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

It also offers the sync app a way to write frames without going through the
ASGI ``send`` coroutine: a :class:`DirectWriter` in the connection's scope, at
``scope["extensions"][DIRECT]``. Through ASGI, every frame a connection sends
is an ``await`` in a task of its own, so a state fanned out to 50 clients
costs 50 task wake-ups and 50 socket writes; through the writer, the app
writes a client's frames as it gets them, or all the frames of one event-loop
turn in one socket write, and a state is framed once for every uncompressed
connection (server frames are not masked, so its bytes are the same on
each). Any other ASGI server simply has no such extension, and the app uses
``send``.

The sync server's command line and :func:`uvicorn_config` use it; to use it
with uvicorn directly::

    uvicorn.run(app, ws="pyfritz.server.transport:WebSocketProtocol")
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

__all__ = ["DIRECT", "LINGER", "DirectWriter", "WebSocketProtocol", "text_frame", "uvicorn_config"]

#: Seconds a connection may linger after its app returned before it is aborted.
LINGER = 2.0
#: The scope extension holding a connection's :class:`DirectWriter`.
DIRECT = "pyfritz.direct"

# The last text framed, and its frame: a state is handed to every follower in
# turn, so one entry makes the framing once per state. A tuple, replaced
# whole, holding the text itself, so that identity means the same text.
_last_frame: tuple[str, bytes] = ("", b"\x81\x00")


def text_frame(text: str) -> bytes:
    """The bytes of an unmasked, uncompressed, unfragmented WebSocket text frame of ``text``.

    RFC 6455 section 5.2: FIN + opcode 1, then the payload length in 7, 7+16
    or 7+64 bits; a server never masks. Framing the same ``str`` object twice
    in a row returns the same bytes without framing it again.

    Example::

        assert text_frame("hi") == b"\x81\x02hi"
    """
    global _last_frame
    last = _last_frame
    if last[0] is text:
        return last[1]
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    frame = header + payload
    _last_frame = (text, frame)
    return frame


class DirectWriter:
    """Writes a connection's text frames at once, without the ASGI ``send`` coroutine.

    Made by :class:`WebSocketProtocol` for each accepted connection. The app
    turns each outgoing text into an item with :meth:`encode` (the frame's
    bytes, shared by every uncompressed connection, or the text itself where
    ``permessage-deflate`` was negotiated: the compressor's state is the
    connection's own), and writes items with :meth:`write`, as long as
    :attr:`writable` says the transport's buffer is below its high-water mark;
    :meth:`drain` waits until it is. :attr:`received` tells how many incoming
    messages are already there, so that the app can take them together.

    Example::

        writer = scope["extensions"][DIRECT]["writer"]
        if writer.writable:
            writer.write([writer.encode('{"op":"pong","t":1}')])
    """

    __slots__ = ("_compressed", "_protocol")

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol
        self._compressed = bool(protocol.conn.extensions)

    def encode(self, text: str) -> str | bytes:
        """What to queue for ``text``: its frame's bytes, or ``text`` on a compressed connection."""
        return text if self._compressed else text_frame(text)

    @property
    def received(self) -> int:
        """How many incoming messages the ASGI ``receive`` would return without waiting."""
        return self._protocol.queue.qsize()

    @property
    def writable(self) -> bool:
        """Whether the transport takes more now (its buffer is below the high-water mark)."""
        return self._protocol.writable.is_set()

    def write(self, items: Sequence[str | bytes]) -> bool:
        """Write ``items`` (from :meth:`encode`), in order, in one transport write.

        Returns:
            ``False`` if the connection is closing or gone: nothing was written.
        """
        protocol = self._protocol
        conn = protocol.conn
        if protocol.close_sent or conn.state is not State.OPEN or protocol.transport.is_closing():
            return False
        if self._compressed:
            for item in items:
                # A text (encode() gave it back): compressed here, in order.
                conn.send_text(item.encode() if isinstance(item, str) else item)
            data = b"".join(conn.data_to_send())
        elif len(items) == 1:
            data = items[0]  # type: ignore[assignment]
        else:
            data = b"".join(items)  # type: ignore[arg-type]
        protocol.transport.write(data)
        return True

    async def drain(self) -> None:
        """Wait until the transport takes more (or the connection is lost)."""
        await self._protocol.writable.wait()


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol; aborts a transport stuck after the app ended."""

    linger = LINGER

    def handle_connect(self, event: Request) -> None:
        """Start the app on a handshake, with a :class:`DirectWriter` in its scope."""
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None and self.response.status_code == 101:
            # The app's task has not run yet: it sees the extension from its start.
            scope["extensions"][DIRECT] = {"writer": DirectWriter(self)}

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
