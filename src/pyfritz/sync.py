"""Keep a store in sync with a server over a WebSocket: ``store.sync_with(socket, resource)``.

Two wire formats:

* ``mode="revisions"`` (default) speaks the sync protocol of the bundled
  server (DESIGN.md section 4): ``join``/``snapshot``, ``put``/``state``,
  ``error``, many entities over one connection. Guarantees: at most one
  ``put`` in flight per entity (later local changes coalesce into the next
  one); while an own put is unanswered the store keeps its local value, and
  once none is in flight it takes the last ``state`` the server sent, so when
  the traffic stops every client shows the server's last accepted state. A
  refused put rolls the store back to the server's state (the refused change
  and any change made on top of it are dropped). Own echoes are recognised by
  ``origin`` (the ``client`` of the snapshot) and ``seq``; a value that came
  from the server is never sent back.
* ``mode="plain"`` speaks fritz2's format: the entity's JSON as a text frame,
  both ways, no envelope, for servers that know nothing else. Weaker: no
  acknowledgements (status is ``synced`` once the frame is handed to the
  socket), no revisions (two concurrent edits can leave two clients with
  different values until the next change), no refusals, nothing sent until
  the first local change (the server is expected to send the current value),
  and one connection per synced store.

Why the hot path looks like this: frames are handled synchronously inside
the socket's message event and the store's change event (push sinks on the
flows, DESIGN.md section 5), with no task and no await per message. So
``sync_with`` needs no running event loop either and may be called from a
store's ``__init__``.

Several stores syncing over one :class:`~pyfritz.websocket.Socket` (equal
sockets count as one) share one connection, multiplexed by entity id; the
connection is opened by the first ``sync_with`` and closed when the last one
stops.

Reconnecting (``reconnect=True``, the default): the connection is a
reconnecting session (:mod:`pyfritz.reconnect`, with a heartbeat in the
revisions mode, :data:`SYNC_RECONNECT`). Frames go out only while a connection
is open; sync never uses the session's queue for sends made while
disconnected, because a queued ``put`` would carry a stale value and a stale
``base``. Instead, while the connection is lost the status is
``reconnecting``, local changes only mark the entity changed, and an
unanswered put counts as such a change. On each reopen every followed entity
is joined again with its last ``rev``; once its snapshot is in, the store's
latest value is sent as one ``put`` if it changed and differs from the
snapshot's, otherwise the store takes the snapshot. ``offline`` means the
connection ended for good (stopped, ``max_retries`` exhausted, a do-not-retry
close code, or ``reconnect=False`` and the connection closed).

The module only talks to the WebSocket through the small
:class:`SyncSocket`/:class:`SyncSession` protocols, which the browser's
``pyfritz.websocket`` satisfies and tests fake.

Errors (on :attr:`Sync.errors`, also passed to :func:`~pyfritz.flows.report`):
:class:`PutRefused` (the server refused a put), :class:`BadFrame` (a frame
that is not JSON, not an object, has an unknown op or bad fields), and
:class:`~pyfritz.errors.DecodeError` (a value the resource cannot decode).
None of them stops the sync; the store keeps its value.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from .errors import DecodeError, SendException, SyncError
from .flows import Flow, MutableSharedFlow, MutableStateFlow, SharedFlow, StateFlow, report
from .reconnect import Reconnect
from .resource import Resource

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "SYNC_RECONNECT",
    "BadFrame",
    "PutRefused",
    "Sync",
    "SyncMode",
    "SyncSession",
    "SyncSocket",
    "SyncStatus",
    "sync_with",
]

T = TypeVar("T")
V = TypeVar("V")

#: What a sync is doing: waiting for the server's snapshot (``connecting``),
#: in step with the server (``synced``), with a local change not yet
#: acknowledged (``pending``), the connection lost and being re-established
#: (``reconnecting``), without a connection for good (``offline``), or the
#: last thing that happened was an error (``error``, until the next good frame
#: or local change).
SyncStatus = Literal["connecting", "synced", "pending", "reconnecting", "offline", "error"]

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
    """

    def __init__(self, fn: Callable[[V], object], context: str) -> None:
        self._fn = fn
        self._context = context

    def on_next(self, value: V) -> None:
        try:
            self._fn(value)
        except Exception as exc:
            report(exc, self._context)

    def on_error(self, exc: BaseException) -> None:
        """The flow failed (e.g. the connection closed abnormally): ``state`` says so."""

    def on_complete(self) -> None:
        """The flow ended: ``state`` says so."""


def _listen(source: Flow[V], fn: Callable[[V], object], context: str) -> Callable[[], None]:
    unsubscribe = source._subscribe(_Listener(fn, context))
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


def _dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _is_rev(value: object) -> bool:
    return type(value) is int and value >= 0


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

    def _write(self, value: T) -> None:
        """Put a server value into the store (through its queue, like any update)."""
        self._written = value
        self.store.update(value)

    def _is_own_write(self, value: T) -> bool:
        if value is self._written:
            self._written = _NONE
            return True
        return False


# --------------------------------------------------------------------------
# mode="revisions": one connection per socket, multiplexed by entity id.


class _Connection:
    """One session shared by every revisions sync over a socket; routes frames by id.

    ``open``: a connection is open and frames may go out. ``reconnecting``: it
    was lost (or the first one failed) and a reconnect is under way.
    ``offline``: it ended for good.
    """

    def __init__(self, socket: SyncSocket, policy: Reconnect | None) -> None:
        self.socket = socket
        self.policy = policy
        self.client: str | None = None  # our id on the server, from this connection's snapshot
        self.open = False
        self.reconnecting = False
        self.offline = False
        self._links: dict[str, list[_RevisionSync[Any]]] = {}
        self._users: list[_RevisionSync[Any]] = []
        self._seq = 0
        self.session = session = _connect(socket, policy)
        self._unsubscribe = [
            _listen(session.messages, self._on_message, "sync: handling a frame"),
            _listen(session.state, self._on_state, "sync: handling a state change"),
        ]

    def add(self, link: _RevisionSync[Any]) -> None:
        self._users.append(link)

    def remove(self, link: _RevisionSync[Any]) -> None:
        if link in self._users:
            self._users.remove(link)
        if not self._users:
            key = (self.socket, self.policy)
            if _connections.get(key) is self:
                del _connections[key]
            for unsubscribe in self._unsubscribe:
                unsubscribe()
            _close(self.session)

    def next_seq(self) -> int:
        # One counter per connection, so that links following the same entity
        # over it never mistake each other's echoes for their own.
        self._seq += 1
        return self._seq

    def send(self, frame: dict[str, Any]) -> None:
        """Send ``frame``; raises SendException when no connection is open."""
        self.send_text(_dumps(frame))

    def send_text(self, text: str) -> None:
        """Send an encoded frame; raises SendException when no connection is open.

        Never hands a frame to a session that is not open: a reconnecting
        session would queue it, and a queued put is stale by the time it goes.
        """
        if not self.open:
            raise SendException(str(self.session.state.value))
        self.session.send_nowait(text)

    def follow(self, link: _RevisionSync[Any], id: str) -> None:
        self._links.setdefault(id, []).append(link)

    def unfollow(self, link: _RevisionSync[Any], id: str) -> bool:
        """Forget ``link`` for ``id``; True if nobody else follows it."""
        links = self._links.get(id)
        if links is None or link not in links:
            return False
        links.remove(link)
        if links:
            return False
        del self._links[id]
        return True

    def _on_state(self, state: object) -> None:
        name = str(state)
        if self.offline:
            return
        if name == "open":
            if not self.open:
                # A new connection (the first, or after a reconnect): a new
                # client id comes with its snapshots; every link joins again.
                self.open, self.reconnecting, self.client = True, False, None
                for link in tuple(self._users):
                    link._on_open()
        elif name == "reconnecting":
            if self.open or not self.reconnecting:
                self.open, self.reconnecting, self.client = False, True, None
                for link in tuple(self._users):
                    link._on_lost()
        elif name in ("closing", "closed"):
            self.open, self.reconnecting, self.offline = False, False, True
            for link in tuple(self._users):
                link._on_lost()

    def _on_message(self, event: _Message) -> None:
        data = event.data
        if not isinstance(data, str):
            self._broadcast_bad(BadFrame("a binary frame; the sync protocol sends JSON text"))
            return
        try:
            frame = json.loads(data, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            self._broadcast_bad(BadFrame(f"not JSON ({exc})", data))
            return
        if not isinstance(frame, dict):
            self._broadcast_bad(BadFrame("not a JSON object", data))
            return
        op = frame.get("op")
        if op == "pong":
            return
        if op not in ("snapshot", "state", "error"):
            self._broadcast_bad(BadFrame(f"unknown op {op!r}", data))
            return
        id = frame.get("id")
        if op == "snapshot":
            client = frame.get("client")
            if isinstance(client, str):
                self.client = client
        if id is None and op == "error":
            # A refusal the server could not attribute to an entity.
            reason = frame.get("reason")
            self._broadcast_bad(BadFrame(f"the server says: {reason}", data))
            return
        if not isinstance(id, str):
            self._broadcast_bad(BadFrame(f"{op}: field 'id' must be a string", data))
            return
        for link in tuple(self._links.get(id, ())):  # an entity nobody follows any more: ignore
            link._on_frame(op, frame, data)

    def _broadcast_bad(self, exc: BadFrame) -> None:
        for link in tuple(self._users):
            link._fail(exc, "sync: a bad frame")


# Connections by socket and reconnect policy: equal sockets (same URL,
# protocols, capacity) with equal policies share one.
_connections: dict[tuple[SyncSocket, Reconnect | None], _Connection] = {}


class _RevisionSync(Sync[T]):
    """The client side of the sync protocol for one store (see the module docs)."""

    def __init__(
        self,
        store: Store[T],
        socket: SyncSocket,
        resource: Resource[T],
        policy: Reconnect | None,
    ) -> None:
        super().__init__(store, resource, "revisions")
        key = (socket, policy)
        connection = _connections.get(key)
        if connection is None or connection.offline:
            # A connection that ended for good stays so (its syncs stay
            # offline); a new sync over the same socket opens a new one.
            connection = _connections[key] = _Connection(socket, policy)
        self._connection = connection
        connection.add(self)
        self._id: str | None = None  # the entity followed (None: the id is invalid)
        self._joined = False  # its snapshot arrived
        self._rev: int | None = None  # the last revision seen of it
        self._server: Any = _NONE  # the last value the server sent of it
        self._base: Any = _NONE  # the value the store had when it began to follow the entity
        self._in_flight: int | None = None  # seq of our unanswered put
        self._dirty = False  # a local change not sent yet
        self._error = False  # the last event was an error
        # Writes of server values go through a handler that decides when it
        # runs, so a write queued behind an async handler never overrides a
        # local change made meanwhile.
        self._take = store.handle(self._take_server_value)
        self._stop_store = _listen(
            store.data.drop(1), self._on_local, f"sync of {store!r}: a local change"
        )
        self._follow(store.current)

    # -- local side -----------------------------------------------------------

    def _on_local(self, value: T) -> None:
        if self._stopped or self._is_own_write(value):
            return
        try:
            id = self.resource.id(value)
        except Exception as exc:
            self._fail(exc, f"sync of {self.store!r}: resource.id() failed")
            return
        if id != self._id:
            self._leave()
            self._follow(value)
            return
        self._error = False
        self._dirty = True
        self._flush()

    def _follow(self, value: T) -> None:
        """Follow the entity ``value`` is; its snapshot decides what the store shows."""
        self._id = self._rev = None
        self._joined = self._dirty = False
        self._in_flight = None
        self._server = _NONE
        self._base = value
        try:
            self._id = _check_id(self.resource.id(value))
        except Exception as exc:
            self._fail(exc, f"sync of {self.store!r}")
            return
        self._connection.follow(self, self._id)
        self._join()

    def _join(self) -> None:
        """Join the entity now if a connection is open; else the next open does."""
        assert self._id is not None
        if self._connection.open:
            # Closed under us: the state change that follows says so.
            with contextlib.suppress(SendException):
                self._connection.send({"op": "join", "id": self._id, "rev": self._rev})
        self._show()

    def _leave(self) -> None:
        id, self._id = self._id, None
        if id is not None and self._connection.unfollow(self, id):
            with contextlib.suppress(SendException):  # closed: the server forgets us anyway
                self._connection.send({"op": "leave", "id": id})

    def _flush(self) -> None:
        """Send the store's value if it changed and nothing is in flight."""
        if not (self._dirty and self._joined and self._in_flight is None):
            self._show()
            return
        if not self._connection.open:
            return  # unreachable while joined; kept for a close racing the flush
        assert self._id is not None
        value = self.store.current
        seq = self._connection.next_seq()  # a seq lost to a failed encode leaves a harmless gap
        try:
            # id and seq before value: the server reads them even in a frame too large to parse.
            text = _dumps(
                {
                    "op": "put",
                    "id": self._id,
                    "seq": seq,
                    "base": self._rev,
                    "value": self.resource.to_json_value(value),
                }
            )
        except Exception as exc:
            self._dirty = False
            self._fail(exc, f"sync of {self.store!r}: cannot encode {value!r}")
            self._settle()
            return
        try:
            self._connection.send_text(text)
        except SendException:
            self._show()  # the connection's state change that follows re-sends it
            return
        self._in_flight = seq
        self._dirty = False
        self._show()

    def _take_server_value(self, current: T) -> T:
        # Runs as a store handler: decides with the state of *this* moment.
        server = self._server
        if (
            self._stopped
            or server is _NONE
            or self._in_flight is not None
            or self._dirty
            or current is server
        ):
            return current
        self._written = server
        return server  # type: ignore[no-any-return]

    def _settle(self) -> None:
        """Once nothing of ours is in flight, the store takes the server's last value."""
        if self._in_flight is None and not self._dirty and self._server is not _NONE:
            self._take()
        self._show()

    def _show(self) -> None:
        if self._stopped:
            return
        status: SyncStatus
        if self._connection.offline:
            status = "offline"
        elif self._connection.reconnecting:
            status = "reconnecting"
        elif self._error:
            status = "error"
        elif not self._joined:
            status = "connecting"
        elif self._in_flight is not None or self._dirty:
            status = "pending"
        else:
            status = "synced"
        self._status.value = status

    def _fail(self, exc: Exception, context: str) -> None:
        self._error = True
        super()._fail(exc, context)
        self._show()

    # -- server side ----------------------------------------------------------

    def _on_frame(self, op: str, frame: dict[str, Any], text: str) -> None:
        if self._stopped:
            return
        if op == "error":
            self._on_error(frame, text)
            return
        rev = frame.get("rev")
        if not _is_rev(rev):
            self._fail(BadFrame(f"{op}: field 'rev' must be an integer >= 0", text), "sync")
            return
        raw = frame.get("value")
        if op == "state" and not self._joined:
            return  # the snapshot we are waiting for comes later, and is newer
        value: Any = _NONE
        if raw is not None:
            try:
                value = self.resource.from_json_value(raw)
                if self.resource.id(value) != self._id:
                    raise BadFrame(f"{op} of {self._id!r} holds another entity", text)
            except (DecodeError, SyncError) as exc:
                self._fail(exc, f"sync of {self.store!r}: a {op} the store cannot take")
                if op == "snapshot" and not self._joined:
                    self._joined = True  # joined all the same: local changes may go out
                    self._rev = rev
                    self._flush()
                return
        elif op == "state":
            self._fail(BadFrame("state: field 'value' must not be null", text), "sync")
            return
        self._error = False
        self._rev = rev
        if op == "snapshot":
            self._on_snapshot(value)
        else:
            self._on_state(value, frame.get("origin"), frame.get("seq"))

    def _on_snapshot(self, value: Any) -> None:
        self._joined = True
        if value is _NONE:
            # The server has no state: publish ours (unless a put already went).
            self._dirty = self._in_flight is None
            self._flush()
            return
        self._server = value
        if self._dirty and self.store.current == value:
            # Changed offline back to what the server has, or an unanswered
            # put that was applied before the connection went: nothing to send.
            self._dirty = False
        if self._dirty:
            self._flush()  # changed while joining (or offline): its latest value goes next
        else:
            self._settle()

    def _on_state(self, value: Any, origin: object, seq: object) -> None:
        self._server = value
        client = self._connection.client
        own = self._in_flight is not None and client is not None and origin == client
        if own and seq == self._in_flight:
            self._in_flight = None
            if self._dirty:
                self._flush()  # the changes coalesced meanwhile go next
                return
        self._settle()

    def _on_error(self, frame: dict[str, Any], text: str) -> None:
        seq = frame.get("seq")
        reason = str(frame.get("reason", ""))
        if seq is None:
            self._fail(SyncError(f"the server refused a frame for {self._id!r}: {reason}"), "sync")
            return
        if seq != self._in_flight or self._id is None:
            return  # another store's put of the same entity over this connection
        self._in_flight = None
        self._dirty = False  # changes made on top of the refused one go too
        self._fail(PutRefused(self._id, seq, reason), f"sync of {self.store!r}")
        if self._server is _NONE and self._base is not _NONE:
            # The server holds nothing of this entity, so there is no state to
            # return to: go back to the value the store began with and publish
            # that instead. Once only: if it is refused too, the store keeps it.
            self._server, self._base = self._base, _NONE
            self._settle()
            self._dirty = True
            self._flush()
            return
        self._settle()

    def _on_open(self) -> None:
        """A connection opened (the first or a new one): join again with the last rev."""
        if self._stopped:
            return
        self._joined = False
        if self._id is not None:
            self._join()
        else:
            self._show()

    def _on_lost(self) -> None:
        """The connection went (for now or for good): nothing is in flight any more."""
        if self._in_flight is not None:
            # Unanswered: it may or may not have been applied. Count it as a
            # local change; after the next snapshot the latest value goes out
            # if it still differs from the server's.
            self._in_flight = None
            self._dirty = True
        self._joined = False
        self._show()

    def _teardown(self) -> None:
        self._stop_store()
        self._leave()
        self._connection.remove(self)


# --------------------------------------------------------------------------
# mode="plain": fritz2's wire format.


class _PlainSync(Sync[T]):
    """The entity's JSON as a text frame, both ways, over a connection of its own."""

    def __init__(
        self,
        store: Store[T],
        socket: SyncSocket,
        resource: Resource[T],
        policy: Reconnect | None,
    ) -> None:
        super().__init__(store, resource, "plain")
        self._dirty = False  # a local change made while no connection was open
        self._session = _connect(socket, policy)
        self._unsubscribe = [
            _listen(self._session.messages, self._on_message, "sync (plain): a frame"),
            _listen(self._session.state, self._on_state, "sync (plain): a state change"),
            _listen(store.data.drop(1), self._on_local, "sync (plain): a local change"),
        ]

    def _on_state(self, state: object) -> None:
        name = str(state)
        if self._stopped:
            return
        if name == "open":
            self._status.value = "synced"
            if self._dirty:  # the latest local value, not every change made meanwhile
                self._dirty = False
                self._send(self.store.current)
        elif name == "reconnecting":
            self._status.value = "reconnecting"
        elif name in ("closing", "closed"):
            self._status.value = "offline"

    def _on_message(self, event: _Message) -> None:
        if self._stopped:
            return
        data = event.data
        if not isinstance(data, str):
            self._fail(BadFrame("a binary frame; expected JSON text"), "sync (plain)")
            return
        try:
            value = self.resource.decode(data)
        except DecodeError as exc:
            self._fail(exc, f"sync (plain) of {self.store!r}: a frame the store cannot take")
            return
        self._status.value = "synced"
        self._write(value)

    def _on_local(self, value: T) -> None:
        if self._stopped or self._is_own_write(value):
            return
        state = str(self._session.state.value)
        if state in ("closing", "closed"):
            self._status.value = "offline"
        elif state != "open":
            self._dirty = True  # sent when the connection opens
        else:
            self._send(value)

    def _send(self, value: T) -> None:
        try:
            text = self.resource.encode(value)
        except Exception as exc:
            self._fail(exc, f"sync (plain) of {self.store!r}: cannot encode {value!r}")
            return
        try:
            self._session.send_nowait(text)
        except SendException:
            self._dirty = True  # closed under us: the state change that follows says what next
            return
        self._status.value = "synced"

    def _teardown(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        _close(self._session)


def sync_with(
    store: Store[T],
    socket: SyncSocket,
    resource: Resource[T],
    *,
    mode: SyncMode = "revisions",
    reconnect: Reconnect | bool = True,
) -> Sync[T]:
    """Sync ``store`` with the server behind ``socket``, in both directions.

    Usually called as ``store.sync_with(socket, resource)``. The entity is
    ``resource.id(store.current)``; when the store's value changes to another
    id, the sync leaves the old entity and joins the new one. Needs no
    running event loop (callable from ``__init__``).

    Args:
        store: the store to keep in sync.
        socket: where the server is; stores syncing over equal sockets share
            one connection.
        resource: the entity's id, empty value and JSON codec.
        mode: ``"revisions"`` (the bundled server's protocol) or ``"plain"``
            (fritz2's wire format, weaker guarantees: see the module docs).
        reconnect: ``True`` (the default) reconnects by itself
            (:data:`SYNC_RECONNECT` in the revisions mode, ``Reconnect()`` in
            the plain one); a :class:`~pyfritz.reconnect.Reconnect` sets the
            policy; ``False`` stays offline once the connection closes.

    Returns:
        A :class:`Sync` with ``status``, ``errors`` and ``stop()``.

    Raises:
        ValueError: ``mode`` is unknown.
        TypeError: ``reconnect`` is neither a bool nor a ``Reconnect``.
        ConnectionException: the socket refused to connect (a bad URL).

    Example::

        socket = websocket("ws://127.0.0.1:8000/sync")
        sync = sync_with(store, socket, person_resource)
        sync.status.handled_by(badge.update)
    """
    if mode == "revisions":
        return _RevisionSync(store, socket, resource, _policy(reconnect, SYNC_RECONNECT))
    if mode == "plain":
        return _PlainSync(store, socket, resource, _policy(reconnect, Reconnect()))
    raise ValueError(f"mode must be 'revisions' or 'plain', not {mode!r}")
