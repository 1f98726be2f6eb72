"""The browser's WebSocket as flows: ``websocket(url).connect()`` gives a :class:`Session`.

Example::

    socket = websocket("/ws", "proto-a")
    session = socket.connect()
    session.messages.body.on_each(lambda text: print("Server said:", text)).watch()
    await session.send("Hello")
    await session.close(reason="finished")

``socket.connect(reconnect=True)`` (or a :class:`~pyfritz.reconnect.Reconnect`
policy) gives a :class:`ReconnectingWebSocket` instead: one session that
survives the network (:mod:`pyfritz.reconnect`), retried at once when the
browser comes back online or the tab becomes visible again.

Design notes (DESIGN.md section 5):

* One ``create_proxy`` per handler per session (``onopen``, ``onmessage``,
  ``onclose``, ``onerror``), never per message; all are detached and
  destroyed when the session closes. :func:`live_proxies` counts the ones
  alive.
* ``onmessage`` is a small JS function (:func:`pyfritz._js.hold_messages`)
  that passes ``event.data`` only (no event object crosses): a message at
  once unless a drain task is posted (the ``DIRECT_MESSAGES``-th one since
  the last drain posts it, or the first one after a drain that carried a
  batch), the messages that arrive before that task as one batch, so a
  burst enters Python once per batch, not per message. Each is pushed
  synchronously into :attr:`Session.messages`, in order, so sync collectors
  run inside that call; tasks the call woke (``async for``, a future a
  collector completed) resume at its end (:func:`pyfritz._wakeup.end_call`).
* ``binaryType`` is ``"arraybuffer"``: a binary frame arrives as a JS
  ``ArrayBuffer`` and is converted only when a projection asks for it.

The parts live in :mod:`pyfritz.websocket_events` (states, events, the
message flow) and :mod:`pyfritz.websocket_session` (:class:`Session`); this
module adds :class:`Socket`, reconnecting sessions and :func:`websocket`.

Errors: :class:`~pyfritz.errors.ConnectionException` (bad URL, failed open),
:class:`~pyfritz.errors.SendException` (send when closing or closed),
:class:`~pyfritz.errors.ConnectionClosed` (``async for`` over the messages of a
session that closed abnormally). Misuse raises ``TypeError``/``ValueError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload
from urllib.parse import quote

from . import _js
from . import sync as _sync  # noqa: F401  # a socket is for syncing: installs RootStore.sync_with
from ._record import Record, record
from .events import DomEvents, Listeners
from .flows import Flow
from .reconnect import Clock, Reconnect, ReconnectingSession
from .websocket_events import (
    _MESSAGE_CAPACITY,
    CloseEvent,
    MessageEvent,
    Messages,
    OpenEvent,
    State,
    _MessageSource,
)
from .websocket_session import Session, live_proxies

__all__ = [
    "CloseEvent",
    "MessageEvent",
    "Messages",
    "OpenEvent",
    "ReconnectingWebSocket",
    "Session",
    "Socket",
    "State",
    "live_proxies",
    "websocket",
]


# A frozen dataclass, written out (see pyfritz._record: a page defines it at start).
@record(frozen=True)
class Socket(Record):
    """Where and how to connect; immutable, no connection until :meth:`connect`.

    Make one with :func:`websocket`.
    """

    url: str
    protocols: tuple[str, ...]
    capacity: int
    #: Asked at every connect (each reconnect too) for the token to send, if any.
    token: Callable[[], str | None] | None

    def __init__(
        self,
        url: str,
        protocols: tuple[str, ...] = (),
        capacity: int = _MESSAGE_CAPACITY,
        token: Callable[[], str | None] | None = None,
    ) -> None:
        object.__setattr__(self, "url", url)
        object.__setattr__(self, "protocols", protocols)
        object.__setattr__(self, "capacity", capacity)
        object.__setattr__(self, "token", token)

    def connect_url(self) -> str:
        """The URL a new connection opens: :attr:`url` plus the current ``token``, if any.

        The token goes as the ``token`` query parameter (a browser cannot set
        headers on a WebSocket handshake); the server's ``authenticate`` hook
        reads it from ``connection.query_params``.
        """
        token = None if self.token is None else self.token()
        if not token:
            return self.url
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}token={quote(token, safe='')}"

    @overload
    def connect(self, *, reconnect: Literal[False] | None = None) -> Session: ...

    @overload
    def connect(self, *, reconnect: Reconnect | Literal[True]) -> ReconnectingWebSocket: ...

    @overload
    def connect(
        self, *, reconnect: Reconnect | bool | None = None
    ) -> Session | ReconnectingWebSocket: ...

    def connect(
        self, *, reconnect: Reconnect | bool | None = None
    ) -> Session | ReconnectingWebSocket:
        """Open a new browser WebSocket and return its :class:`Session`.

        Args:
            reconnect: ``None``/``False`` (the default): a plain :class:`Session`
                that stays closed once closed. ``True`` or a
                :class:`~pyfritz.reconnect.Reconnect` policy: a
                :class:`ReconnectingWebSocket` that reconnects by itself
                (``True`` means ``Reconnect()``, no heartbeat).

        Raises:
            ConnectionException: the browser refused the URL (not ws/wss/http(s),
                has a fragment, bad sub-protocols, ...).
            TypeError: ``reconnect`` is neither a bool, ``None`` nor a ``Reconnect``.

        Example::

            session = websocket("/ws").connect()
            lasting = websocket("/sync").connect(reconnect=True)
        """
        if reconnect is None or reconnect is False:
            return Session(self)
        if reconnect is True:
            return ReconnectingWebSocket(self, Reconnect())
        if isinstance(reconnect, Reconnect):
            return ReconnectingWebSocket(self, reconnect)
        raise TypeError(
            f"reconnect must be a bool, None or a Reconnect, got {type(reconnect).__name__}"
        )


def _wakeups() -> tuple[Flow[Any], ...]:
    """The browser's hints that a retry may now succeed: back online, tab visible again."""
    document = _js.document()
    # A hidden tab's timers are throttled (to once a minute in Chromium), so a
    # backoff delay may run long; on return, retry at once (Page Visibility API).
    visible = DomEvents(Listeners(document), "visibilitychange").filter(
        lambda _: str(document.visibilityState) == "visible"
    )
    return (DomEvents(Listeners(_js.window()), "online"), visible)


class ReconnectingWebSocket(ReconnectingSession[MessageEvent, OpenEvent, CloseEvent]):
    """A browser WebSocket session that reconnects by itself; made by ``connect(reconnect=...)``.

    A :class:`~pyfritz.reconnect.ReconnectingSession` over :class:`Session` s:
    ``messages`` (a :class:`Messages`, with its projections) continues across
    reconnects and keeps what arrives before the first collector, ``state`` is
    a :class:`~pyfritz.reconnect.ReconnectState`, sends while disconnected are
    queued. The browser's ``online`` event and the tab becoming visible retry
    at once; their listeners go when the session ends.

    Example::

        session = websocket("/ws").connect(reconnect=Reconnect(max_retries=5))
        session.state.map(str).on_each(print).watch()   # connecting, open, reconnecting, ...
        session.messages.body.on_each(show).watch()
        session.send_nowait("hello")                    # sent now or after the reconnect
        await session.close()                           # no reconnect after this
    """

    def __init__(self, socket: Socket, policy: Reconnect, *, clock: Clock | None = None) -> None:
        """Connect to ``socket`` now, reconnecting by ``policy``; ``clock`` is for tests."""
        # Keeps the backlog-before-first-collector rule of a plain Session.
        self._source = _MessageSource(capacity=socket.capacity)
        super().__init__(
            lambda: Session(socket),
            policy,
            clock=clock,
            messages=self._source,
            wakeups=_wakeups(),
        )

    @property
    def messages(self) -> Messages:
        """Messages of every connection, in order; see :class:`Messages`."""
        return self._source


def websocket(
    url: str,
    *protocols: str,
    capacity: int = _MESSAGE_CAPACITY,
    token: Callable[[], str | None] | None = None,
) -> Socket:
    """Describe a WebSocket endpoint with optional sub-protocols; connect later.

    Args:
        url: a ``ws://`` or ``wss://`` URL, or one relative to the page
            (``"/sync"``): it is resolved against the page's URL on connect,
            ``http`` → ``ws``, ``https`` → ``wss`` (see :func:`pyfritz.sync_url`).
        protocols: sub-protocols to offer; the chosen one is ``Session.protocol``.
        capacity: how many messages (65,536 by default) each collector (and
            the backlog before the first collector) may hold before it is
            ended with an overflow error.
        token: a token source: called at every connect, reconnects included,
            its answer (unless ``None`` or empty) is sent as the ``token``
            query parameter, so a renewed token is used from the next
            connection on (docs/security.md).

    Raises:
        TypeError: ``url`` or a protocol is not a ``str``.

    Example::

        socket = websocket("/ws", "proto-a")
        session = socket.connect()
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, got {type(url).__name__}")
    for protocol in protocols:
        if not isinstance(protocol, str):
            raise TypeError(f"protocols must be str, got {type(protocol).__name__}")
    if capacity < 1:
        raise ValueError(f"capacity must be >= 1, got {capacity}")
    if token is not None and not callable(token):
        raise TypeError(f"token must be a function returning the token, got {token!r}")
    return Socket(url, tuple(protocols), capacity, token)
