"""One browser WebSocket connection as a :class:`Session`: sending, closing, the JS handlers.

Made by :meth:`pyfritz.websocket.Socket.connect`; :mod:`pyfritz.websocket`
re-exports :class:`Session` and :func:`live_proxies`. Design notes are in
:mod:`pyfritz.websocket`'s docstring: one proxy per handler per session,
``event.data`` only crosses, every message pushed synchronously in order.

Example::

    async with websocket("/ws").connect() as session:
        await session.send("ping")
        print(await session.messages.body.first())
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import _js, _wakeup
from ._generic import Protocol
from .errors import ConnectionClosed, ConnectionException, SendException, WebSocketError
from .flows import Flow, MutableSharedFlow, MutableStateFlow, SharedFlow, StateFlow, report
from .links import _check_close
from .sinks import _NEXT, _UNSET
from .urls import websocket_url
from .websocket_events import (
    CloseEvent,
    MessageEvent,
    Messages,
    OpenEvent,
    State,
    _MessageSource,
    _new_event,
    _set_data,
)

__all__ = ["Session", "live_proxies"]

# Close codes that end ``async for`` quietly although the server chose them
# (RFC 6455 7.4.1: normal closure, going away, no status received).
_NORMAL_CODES = frozenset({1000, 1001, 1005})


if TYPE_CHECKING:  # annotations only: a Protocol costs a page ~100-200 calls to define (issue 13)

    class _Endpoint(Protocol):
        """What a :class:`Session` needs of its endpoint (a :class:`~pyfritz.websocket.Socket`)."""

        @property
        def url(self) -> str:
            """The URL as given (shown in errors and ``repr``)."""

        @property
        def protocols(self) -> Sequence[str]:
            """Sub-protocols to offer."""

        @property
        def capacity(self) -> int:
            """Bound of each message collector's buffer."""

        def connect_url(self) -> str:
            """The URL a new connection opens (with a token, if any)."""


def _encode(data: object) -> Any:
    if isinstance(data, str):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        return _js.to_uint8array(data)
    if _js.binary_kind(data) is not None:
        return data
    raise TypeError(
        f"cannot send {type(data).__name__}: expected str, bytes, bytearray, memoryview, "
        "or a JS Blob, ArrayBuffer or typed array"
    )


def _absolute(url: str) -> str:
    # "/sync" or an http(s) URL: resolved against the page (pyfritz.urls).
    return url if url.startswith(("ws://", "wss://")) else websocket_url(url, _js.page_url())


def _destroy_all(proxies: tuple[Any, ...]) -> None:
    for proxy in proxies:
        _js.destroy_proxy(proxy)


def live_proxies() -> int:
    """How many JS proxies pyfritz's browser edge holds right now (for leak checks).

    Example::

        await session.close()
        assert live_proxies() == 0
    """
    return _js.live_proxies()


class Session:
    """One browser WebSocket connection; made by :meth:`~pyfritz.websocket.Socket.connect`.

    Example::

        async with websocket("/ws").connect() as session:
            await session.send("ping")
            print(await session.messages.body.first())
    """

    def __init__(self, socket: _Endpoint) -> None:
        self._url = socket.url
        self._state = MutableStateFlow(State.CONNECTING)
        self._messages = _MessageSource(capacity=socket.capacity)
        self._opens: MutableSharedFlow[OpenEvent] = MutableSharedFlow()
        self._closes: MutableSharedFlow[CloseEvent] = MutableSharedFlow()
        self._errors: MutableSharedFlow[WebSocketError] = MutableSharedFlow()
        # is_connecting / is_open / is_closed: made on first use (most pages
        # never read them; six operators less to make at start, issue 13).
        self._is_connecting: Flow[bool] | None = None
        self._is_open: Flow[bool] | None = None
        self._is_closed: Flow[bool] | None = None
        self._protocol = ""
        self._close_event: CloseEvent | None = None
        self._closed_by_client = False
        # Sends made while connecting, sent in order by the open event.
        self._outbox: deque[tuple[Any, asyncio.Future[None] | None]] = deque()
        self._open_waiters: list[asyncio.Future[bool]] = []
        self._close_waiters: list[asyncio.Future[CloseEvent]] = []
        # Whether something was sent and no message has arrived since; close() lingers then.
        self._unanswered = False
        self._reply_waiter: asyncio.Future[None] | None = None
        try:
            ws = _js.new_websocket(_absolute(socket.connect_url()), socket.protocols)
        except Exception as exc:
            raise ConnectionException(socket.url, str(exc)) from exc
        ws.binaryType = "arraybuffer"
        self._ws = ws
        # The bound method, looked up once: each lookup on a JS object from
        # Python makes a new proxy of it (a send per message is the hot path).
        self._ws_send = ws.send
        self._proxies: tuple[Any, ...] = (
            _js.create_proxy(self._on_open),
            _js.create_proxy(self._on_message),
            _js.create_proxy(self._on_close),
            _js.create_proxy(self._on_error),
        )
        on_open, on_message, on_close, on_error = self._proxies
        ws.onopen = on_open
        self._unhold = _js.hold_messages(ws, on_message, on_close, on_error)

    def __repr__(self) -> str:
        return f"<Session {self._url!r} {self._state.value}>"

    # -- what users read --------------------------------------------------
    @property
    def url(self) -> str:
        """The URL this session connected to."""
        return self._url

    @property
    def protocol(self) -> str:
        """The sub-protocol the server chose; ``""`` before open or if none."""
        return self._protocol

    @property
    def messages(self) -> Messages:
        """Received messages; see :class:`Messages`."""
        return self._messages

    @property
    def state(self) -> StateFlow[State]:
        """The session's :class:`State`; ``state.value`` is the current one."""
        return self._state

    @property
    def is_connecting(self) -> Flow[bool]:
        """Whether the session is still connecting."""
        flow = self._is_connecting
        if flow is None:
            flow = self._is_connecting = self._state.map(lambda s: s is State.CONNECTING).distinct()
        return flow

    @property
    def is_open(self) -> Flow[bool]:
        """Whether the session is open."""
        flow = self._is_open
        if flow is None:
            flow = self._is_open = self._state.map(lambda s: s is State.OPEN).distinct()
        return flow

    @property
    def is_closed(self) -> Flow[bool]:
        """Whether the session is closed."""
        flow = self._is_closed
        if flow is None:
            flow = self._is_closed = self._state.map(lambda s: s is State.CLOSED).distinct()
        return flow

    @property
    def opens(self) -> SharedFlow[OpenEvent]:
        """Emits once when the session opens; completes when it closes."""
        return self._opens

    @property
    def closes(self) -> SharedFlow[CloseEvent]:
        """Emits the :class:`CloseEvent` once, then completes."""
        return self._closes

    @property
    def errors(self) -> SharedFlow[WebSocketError]:
        """Errors the browser reported (a failed open is a ``ConnectionException``)."""
        return self._errors

    @property
    def close_event(self) -> CloseEvent | None:
        """How the session closed, or ``None`` while it has not."""
        return self._close_event

    # -- sending and closing ----------------------------------------------
    def send_nowait(self, data: object) -> None:
        """Send ``data`` now; while connecting, queue it to go out on open (in order).

        Usable from a sync collector or a JS callback.

        Raises:
            TypeError: ``data`` is not str, bytes-like, or a JS Blob/ArrayBuffer/typed array.
            SendException: the session is closing or closed.
        """
        payload = data if type(data) is str else _encode(data)  # text: the hot path
        state = self._state._value  # (not the property: one frame less per send)
        if state is State.OPEN:
            self._ws_send(payload)
            self._unanswered = True
        elif state is State.CONNECTING:
            self._outbox.append((payload, None))
        else:
            raise SendException(state.value)

    async def send(self, data: object) -> None:
        """Send ``data`` (``str``, bytes-like, or a JS ``Blob``/``ArrayBuffer``/typed array).

        While connecting, wait for the open event (no polling).

        Raises:
            TypeError: ``data`` is not one of the types above.
            SendException: the session is closing or closed, or failed to open.

        Example::

            await session.send("Hello")
            await session.send(b"\\x00\\x01")
        """
        payload = data if type(data) is str else _encode(data)  # text: the hot path
        state = self._state._value  # (not the property: one frame less per send)
        if state is State.OPEN:
            self._ws_send(payload)
            self._unanswered = True
        elif state is State.CONNECTING:
            sent: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._outbox.append((payload, sent))
            await sent
        else:
            raise SendException(state.value)

    async def close(self, code: int = 1000, reason: str = "", *, linger: float = 0.1) -> None:
        """Close the session and wait until the close completes.

        While connecting, waits for the open first (closing a connecting
        WebSocket is an error in the browser's console). Closing a closed
        session does nothing.

        The browser drops every message that arrives once ``close()`` has
        begun (WHATWG WebSockets: a message is delivered only while the
        socket is OPEN), so ``send("Hello")`` right before ``close()`` would
        never show the reply. Hence, when something was sent and no message
        has arrived since, ``close()`` first waits up to ``linger`` seconds
        for the next message. ``linger=0`` closes at once.

        Args:
            code: 1000 or 3000-4999.
            reason: at most 123 UTF-8 bytes.
            linger: how long to wait for a reply to the last send (seconds).

        Raises:
            ValueError: ``code`` is not 1000 or in 3000-4999, or ``reason``
                is longer than 123 UTF-8 bytes (as the browser's ``close()``).

        Example::

            await session.send("Hello")
            await session.close(reason="finished")   # the reply is still shown
        """
        _check_close(code, reason)
        if self._state.value is State.CONNECTING:
            await self._wait_open()
        if self._state.value is State.OPEN and self._unanswered and linger > 0:
            await self._wait_reply(linger)
        if self._state.value is State.OPEN:
            self._closed_by_client = True
            self._state.value = State.CLOSING
            self._ws.close(code, reason)
        await self.wait_closed()

    async def wait_closed(self) -> CloseEvent:
        """Wait until the session is closed and return how it closed."""
        if self._close_event is not None:
            return self._close_event
        waiter: asyncio.Future[CloseEvent] = asyncio.get_running_loop().create_future()
        self._close_waiters.append(waiter)
        return await waiter

    async def _wait_reply(self, linger: float) -> None:
        """Wait until a message arrives or the session closes, at most ``linger`` s."""
        waiter = self._reply_waiter
        if waiter is None or waiter.done():
            waiter = self._reply_waiter = asyncio.get_running_loop().create_future()
        # shield: a timeout must not cancel the future other closers share.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), linger)

    async def _wait_open(self) -> bool:
        state = self._state.value
        if state is not State.CONNECTING:
            return state is State.OPEN
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._open_waiters.append(waiter)
        return await waiter

    async def __aenter__(self) -> Session:
        """Wait for the open; raise ``ConnectionException`` if it fails."""
        if not await self._wait_open():
            event = self._close_event
            detail = f"closed with code {event.code}" if event else f"session is {self._state}"
            raise ConnectionException(self._url, detail)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- JS event handlers: must never raise into the browser --------------
    def _on_message(self, data: Any, batch: bool = False) -> None:
        # ``event.data`` only (see _js.hold_messages): one message alone (a
        # round trip takes this path), or, with ``batch``, the messages held
        # while a drain task was posted, in order, as one JS array (a burst:
        # one crossing, then the push path once per message). Tasks the messages wake
        # (``async for``, a future a collector completed) resume at the end
        # of this call (_wakeup.end_call), not in a second entry from JS.
        # The hot path of a round trip: _wakeup.begin_call()/end_call() and
        # the message source's _receive() are inlined (three Python calls
        # less per message, each dear after the idle wait for a reply). When
        # every collector is a projection (``.body``, ``.data``), no
        # MessageEvent is made (_MessageSource._push_data).
        _wakeup._calls += 1  # begin_call()
        try:
            self._unanswered = False
            if self._reply_waiter is not None:
                self._wake_reply_waiter()
            messages = self._messages
            if batch:
                messages._receive_all(_js.items(data))
            elif messages._backlog is None and messages._end is _UNSET:
                sinks = messages._sinks
                if sinks is messages._data_sinks and messages._pending is None:
                    messages._push_data(data)  # every collector takes the data: no event
                elif sinks:
                    event = _new_event(MessageEvent)
                    _set_data(event, data)
                    messages._push(_NEXT, event)
            else:
                messages._receive(data)  # kept until the first collector, or closed
        except Exception as exc:
            report(exc, f"{self!r} onmessage")
        finally:
            if _wakeup._calls == 1 and not _wakeup._pending and not _wakeup._first:
                _wakeup._calls = 0  # end_call() with nothing woken
            else:
                _wakeup.end_call()

    def _on_open(self, _event: Any) -> None:
        _wakeup.begin_call()  # whoever awaits the open resumes at the end of this call
        try:
            self._protocol = str(self._ws.protocol or "")
            # Flush before the state says OPEN: a collector of ``state`` that
            # sends must not overtake the sends queued while connecting.
            outbox = self._outbox
            while outbox:
                payload, sent = outbox.popleft()
                if sent is not None and sent.done():  # the sender was cancelled
                    continue
                self._ws_send(payload)
                self._unanswered = True
                if sent is not None:
                    sent.set_result(None)
            self._state.value = State.OPEN
            self._resolve(self._open_waiters, True)
            self._opens.emit_nowait(OpenEvent(self._protocol))
        except Exception as exc:
            report(exc, f"{self!r} onopen")
        finally:
            _wakeup.end_call()

    def _on_error(self, _event: Any) -> None:
        # The browser tells nothing more; the close event that follows has the code.
        try:
            error: WebSocketError
            if self._state.value is State.CONNECTING:
                error = ConnectionException(self._url, "the connection could not be opened")
            else:
                error = WebSocketError(f"the WebSocket to {self._url!r} reported an error")
            self._errors.emit_nowait(error)
        except Exception as exc:
            report(exc, f"{self!r} onerror")

    def _on_close(self, event: Any) -> None:
        try:
            self._closed(CloseEvent(int(event.code), str(event.reason), bool(event.wasClean)))
        except Exception as exc:
            report(exc, f"{self!r} onclose")

    def _closed(self, close: CloseEvent) -> None:
        opened = self._state.value is not State.CONNECTING
        self._close_event = close
        self._detach()
        self._state.value = State.CLOSED
        self._closes.emit_nowait(close)
        for side in (self._opens, self._closes, self._errors):
            side.close()
        normal = close.was_clean and (close.code in _NORMAL_CODES or self._closed_by_client)
        self._messages.close(
            None
            if normal
            else ConnectionClosed(close.code, close.reason, was_clean=close.was_clean)
        )
        detail = f"code {close.code}" + (f": {close.reason}" if close.reason else "")
        if not opened:
            detail = f"the connection could not be opened ({detail})"
        outbox, self._outbox = self._outbox, deque()
        for _, sent in outbox:
            if sent is not None and not sent.done():
                sent.set_exception(SendException(State.CLOSED.value, detail))
        self._resolve(self._open_waiters, False)
        self._resolve(self._close_waiters, close)
        self._wake_reply_waiter()

    def _wake_reply_waiter(self) -> None:
        waiter, self._reply_waiter = self._reply_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _detach(self) -> None:
        self._ws.onopen = None
        self._unhold()
        proxies, self._proxies = self._proxies, ()
        # We are inside the onclose proxy's call: destroying a Pyodide proxy
        # while JS is still calling it is unsafe, so destroy them right after,
        # before whoever awaits the close resumes (``live_proxies()`` is 0 then).
        _wakeup.after_this_call(lambda: _destroy_all(proxies))

    @staticmethod
    def _resolve(waiters: list[asyncio.Future[Any]], result: Any) -> None:
        pending = list(waiters)
        waiters.clear()
        for waiter in pending:
            if not waiter.done():
                waiter.set_result(result)
