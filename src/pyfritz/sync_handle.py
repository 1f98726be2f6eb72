"""What every sync shares: the :class:`Sync` handle, the :class:`SyncSocket` /
:class:`SyncSession` protocols it talks to, its errors and its small helpers.

The wire formats build on this: :mod:`pyfritz.sync_revisions` (the bundled
server's protocol, over :mod:`pyfritz.sync_connection`) and
:mod:`pyfritz.sync_plain` (fritz2's). :func:`pyfritz.sync.sync_with` picks one.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ._generic import Generic, Protocol
from .errors import SyncError
from .hot import MutableSharedFlow, MutableStateFlow, SharedFlow, StateFlow
from .operators import Flow
from .reporting import report
from .resource import Resource
from .retry import Reconnect
from .sinks import Sink
from .store import Store

if TYPE_CHECKING:  # messages loads when a validator runs: most pages never define one
    from .messages import Message

__all__ = [
    "SYNC_RECONNECT",
    "BadFrame",
    "PutRefused",
    "Sync",
    "SyncMode",
    "SyncSession",
    "SyncSocket",
    "SyncStatus",
]

T = TypeVar("T")
V = TypeVar("V")

#: What a sync is doing: waiting for the server's snapshot (``connecting``),
#: in step with the server (``synced``), with a local change not yet
#: acknowledged (``pending``), the connection lost and being re-established
#: (``reconnecting``), without a connection for good (``offline``), the
#: last thing that happened was an error (``error``, until the next good frame
#: or local change), or the store holds a local change that its resource's
#: validator finds an error in, which is kept back until it is fixed
#: (``invalid``; :attr:`Sync.messages` says why).
SyncStatus = Literal[
    "connecting", "synced", "pending", "reconnecting", "offline", "error", "invalid"
]

#: The policy of ``reconnect=True`` in the revisions mode: the defaults of
#: :class:`~pyfritz.reconnect.Reconnect` plus a heartbeat (a ping every 15 s,
#: the connection given up when nothing arrives within 5 s), which the bundled
#: server answers. The plain mode uses ``Reconnect()``: a plain server may not
#: know pings.
SYNC_RECONNECT = Reconnect(heartbeat=(15.0, 5.0))

#: The wire format; see the module documentation.
SyncMode = Literal["revisions", "plain"]

# The server's limits on ids (pyfritz.server.protocol.MAX_ID).
_MAX_ID = 256
_EXCERPT = 200


class BadFrame(SyncError):
    """An incoming frame that could not be used; ``reason`` says why, ``frame`` shows its start."""

    def __init__(self, reason: str, frame: str = "") -> None:
        excerpt = frame if len(frame) <= _EXCERPT else frame[:_EXCERPT] + "..."
        super().__init__(f"bad frame from the server: {reason}" + (f": {excerpt}" if frame else ""))
        self.reason = reason
        self.frame = excerpt


class PutRefused(SyncError):
    """The server refused our change of entity ``id`` (put ``seq``); ``reason`` is its answer."""

    def __init__(self, id: str, seq: int, reason: str) -> None:
        super().__init__(f"the server refused the change of {id!r}: {reason}")
        self.id = id
        self.seq = seq
        self.reason = reason


if TYPE_CHECKING:  # annotations only: a Protocol costs a page ~100-200 calls to define (issue 13)

    class _Message(Protocol):
        @property
        def data(self) -> Any:
            """The frame: a ``str`` for a text frame."""
            ...


class SyncSession(Protocol):
    """What sync needs of a connection; :class:`pyfritz.websocket.Session` has it,
    and so has :class:`pyfritz.websocket.ReconnectingWebSocket`.

    ``state`` holds values whose ``str()`` is ``connecting``, ``open``,
    ``reconnecting`` (a reconnecting session only), ``closing`` or ``closed``
    (``websocket.State``, ``reconnect.ReconnectState``).
    """

    @property
    def messages(self) -> Flow[Any]:
        """Received frames: objects with a ``data`` attribute (``str`` for text)."""
        ...

    @property
    def state(self) -> StateFlow[Any]:
        """The connection's state."""
        ...

    def send_nowait(self, data: str) -> None:
        """Send a text frame; sync calls it only while ``state`` is ``open``.

        Raises SendException when the connection turned out to be closed.
        """
        ...

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close the connection."""
        ...


class SyncSocket(Protocol):
    """Where to connect; :class:`pyfritz.websocket.Socket` is one."""

    def connect(self, *, reconnect: Reconnect | None = None) -> SyncSession:
        """Open a new connection; one that reconnects by ``reconnect`` if given.

        Sync calls ``connect()`` without the keyword when it needs no reconnecting.
        """
        ...


def _connect(socket: SyncSocket, policy: Reconnect | None) -> SyncSession:
    return socket.connect() if policy is None else socket.connect(reconnect=policy)


def _policy(reconnect: Reconnect | bool, default: Reconnect) -> Reconnect | None:
    if reconnect is True:
        return default
    if reconnect is False:
        return None
    if isinstance(reconnect, Reconnect):
        return reconnect
    raise TypeError(f"reconnect must be a bool or a Reconnect, got {type(reconnect).__name__}")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<none>"


_NONE: Any = _Missing()


class _Listener(Generic[V]):
    """A push sink calling ``fn`` inside the emitter's call; failures are reported, not raised.

    (A sink that raises is unsubscribed by the flow: sync must survive its bugs.)
    The first ``skip`` values are ignored: ``drop(skip)`` without an operator
    sink of its own between the store and sync, on the path of every change.
    """

    __slots__ = ("_context", "_fn", "_skip")

    def __init__(self, fn: Callable[[V], object], context: str, skip: int = 0) -> None:
        self._fn = fn
        self._context = context
        self._skip = skip

    def on_next(self, value: V) -> None:
        if self._skip:
            self._skip -= 1
            return
        try:
            self._fn(value)
        except Exception as exc:
            report(exc, self._context)

    def on_error(self, exc: BaseException) -> None:
        """The flow failed (e.g. the connection closed abnormally): ``state`` says so."""

    def on_complete(self) -> None:
        """The flow ended: ``state`` says so."""


def _listen(
    source: Flow[V], fn: Callable[[V], object], context: str, *, skip: int = 0
) -> Callable[[], None]:
    return _attach(source, _Listener(fn, context, skip))


def _attach(source: Flow[V], sink: Sink[V]) -> Callable[[], None]:
    """Subscribe ``sink`` (one that never raises) to ``source``; return how to stop."""
    unsubscribe = source._subscribe(sink)
    if unsubscribe is None:
        raise TypeError(f"sync needs a hot flow to listen to, not {source!r}")
    return unsubscribe


def _event_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if sys.platform == "emscripten":  # Pyodide's WebLoop is always the current loop
        return asyncio.get_event_loop()
    return None


# Tasks closing connections, kept alive until done.
_closing: set[asyncio.Future[None]] = set()


def _close(session: SyncSession) -> None:
    """Close ``session`` in the background (stop() is synchronous)."""
    try:
        state = str(session.state.value)
        if state == "closed":
            return
        closing = session.close()
    except Exception as exc:
        report(exc, f"closing {session!r}")
        return
    loop = _event_loop()
    if loop is None:
        # Nothing can run it; the connection goes when the program ends.
        if asyncio.iscoroutine(closing):
            closing.close()
        return
    future = asyncio.ensure_future(closing, loop=loop)
    _closing.add(future)
    future.add_done_callback(_closed)


def _closed(future: asyncio.Future[None]) -> None:
    _closing.discard(future)
    exc = None if future.cancelled() else future.exception()
    if exc is not None:
        report(exc, "closing a sync connection")


def _check_id(id: object) -> str:
    if not isinstance(id, str) or not 0 < len(id) <= _MAX_ID:
        raise SyncError(
            f"resource.id() must give a non-empty str of at most {_MAX_ID} characters, got {id!r}"
        )
    return id


# --------------------------------------------------------------------------
# The handle.


class Sync(Generic[T]):
    """A running sync of one store; what :meth:`RootStore.sync_with` returns.

    Example::

        sync = store.sync_with(socket, person_resource)
        p(sync.status)                          # connecting, synced, pending, ...
        sync.errors.handled_by(lambda exc: banner.update(str(exc)))
        sync.stop()
    """

    def __init__(self, store: Store[T], resource: Resource[T], mode: SyncMode) -> None:
        self.store = store
        self.resource = resource
        self.mode: SyncMode = mode
        self._status: MutableStateFlow[SyncStatus] = MutableStateFlow("connecting")
        self._errors: MutableSharedFlow[Exception] = MutableSharedFlow()
        self._stopped = False
        # The messages of the resource's validator about the value last checked.
        self._checked: Any = _NONE
        self._messages: MutableStateFlow[tuple[Message, ...]] = MutableStateFlow(())
        # The value sync itself last wrote into the store: its change event
        # is the server's, not a local edit (compared by identity).
        self._written: Any = _NONE

    @property
    def status(self) -> StateFlow[SyncStatus]:
        """What the sync is doing now; see :data:`SyncStatus`."""
        return self._status

    @property
    def errors(self) -> SharedFlow[Exception]:
        """Refused changes, bad frames and undecodable values; the sync goes on."""
        return self._errors

    @property
    def messages(self) -> StateFlow[tuple[Message, ...]]:
        """What the resource's validator says about the last local change (or
        the server's messages about a refused one); empty without a validator.

        Example::

            p(sync.messages.map(lambda ms: "; ".join(m.text for m in ms)))
        """
        return self._messages

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopped

    def stop(self) -> None:
        """Stop syncing: no more sends, no more writes into the store. Idempotent.

        The connection is closed once no other store syncs over it.
        """
        if self._stopped:
            return
        self._stopped = True
        self._teardown()
        self._status.value = "offline"
        self._errors.close()

    def __repr__(self) -> str:
        return f"<Sync {self.mode} {self.store!r} {self._status.value}>"

    def _teardown(self) -> None:
        raise NotImplementedError

    def _fail(self, exc: Exception, context: str) -> None:
        report(exc, context)
        self._errors.emit_nowait(exc)
        self._status.value = "error"

    def _invalid(self, value: T) -> bool:
        """Validate a local value about to be sent; whether it has an error.

        Cached by identity: a value is checked once however often it is flushed.
        """
        if self.resource.validator is None:
            return False
        if value is not self._checked:
            self._checked = value
            self._messages.value = self.resource.validate(value)
        from .messages import has_errors

        return has_errors(self._messages.value)

    def _write(self, value: T) -> None:
        """Put a server value into the store (through its queue, like any update)."""
        self._written = value
        self.store.update(value)

    def _is_own_write(self, value: T) -> bool:
        if value is self._written:
            self._written = _NONE
            return True
        return False
