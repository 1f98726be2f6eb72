"""The client side of the sync protocol for one store (``mode="revisions"``).

One :class:`_RevisionSync` follows the entity its store holds over a shared
:class:`~pyfritz.sync_connection._Connection`: ``join``/``snapshot``, at most one
``put`` in flight (later local changes coalesce), own echoes recognised by
``origin`` and ``seq``, the server's last ``state`` taken once nothing of its
own is in flight, rejoin with the last ``rev`` after a reconnect. The rules
and why they converge: :mod:`pyfritz.sync`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import DecodeError, SendException, SyncError
from .json_codec import _dumps
from .reporting import report
from .resource import Resource
from .retry import Reconnect
from .store import RootStore, Store
from .sync_connection import _Connection, _connections
from .sync_handle import (
    _NONE,
    BadFrame,
    PutRefused,
    Sync,
    SyncSocket,
    SyncStatus,
    _attach,
    _check_id,
)

if TYPE_CHECKING:  # messages loads when the server refuses a put with messages
    from .messages import Message

__all__: list[str] = []

T = TypeVar("T")


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
        # (No lookup while there is no connection, a page's first sync: the
        # key hashes two records field by field.)
        connection = _connections.get(key) if _connections else None
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
        # local change made meanwhile. (A root store with nothing running or
        # queued takes the value at once, see _settle: the same decision, now.)
        self._take = store.handle(self._take_server_value)
        self._root: RootStore[T] | None = store if isinstance(store, RootStore) else None
        self._stop_store = _attach(store.data, _LocalChanges(self))
        self._follow(store.current)

    # -- local side -----------------------------------------------------------

    def _on_local(self, value: T) -> None:
        # (Sync's own writes of server values were recognised by _LocalChanges.)
        if self._stopped:
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
        root = self._root
        value = self.store.current if root is None else root._state._value
        if self.resource.validator is not None and self._invalid(value):
            self._show()  # kept back, still dirty: the fix is the next local change
            return
        connection = self._connection
        # next_seq(), inlined (a seq lost to a failed encode leaves a harmless gap)
        seq = connection._seq = connection._seq + 1
        try:
            # id and seq before value: the server reads them even in a frame too large to parse.
            text = _dumps(
                {
                    "op": "put",
                    "id": self._id,
                    "seq": seq,
                    "base": self._rev,
                    "value": self.resource._to_json(value),
                }
            )
        except Exception as exc:
            self._dirty = False
            self._fail(exc, f"sync of {self.store!r}: cannot encode {value!r}")
            self._settle()
            return
        try:
            connection.session.send_nowait(text)  # open: checked above (send_text, inlined)
        except SendException:
            self._show()  # the connection's state change that follows re-sends it
            return
        self._in_flight = seq
        self._dirty = False
        # _show decides: a put in flight is "pending" unless something that
        # ranks above it holds (an error just reported, as when the base value is
        # re-published after a refusal).
        self._show()

    def _take_server_value(self, current: T, _action: None) -> T:
        # Runs as a store handler: decides with the state of *this* moment.
        # (It takes the unused action: a one-argument handler is wrapped in one more call.)
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

    def _settle(self, was: SyncStatus | None = None) -> None:
        """Once nothing of ours is in flight, the store takes the server's last value.

        ``was``: the status before the state frame that led here; when it was
        ``"synced"`` and nothing that decides the status changed, the status is
        not worked out again (whatever changed it meanwhile called ``_show``).
        """
        if self._in_flight is None and not self._dirty and self._server is not _NONE:
            root = self._root
            if root is None or root._running or root._queue:
                self._take()  # decided when it runs, after the updates before it
            elif not self._stopped:
                # _take_server_value on an idle root, without the handler's calls:
                # every frame that changes the store comes this way.
                server = self._server
                if root._state._value is not server:
                    self._written = server
                    root._set_now(server)
            if was == "synced" and self._in_flight is None and not self._dirty:
                return
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
        elif self._dirty and self._in_flight is None and self._invalid(self.store.current):
            status = "invalid"
        elif self._in_flight is not None or self._dirty:
            status = "pending"
        else:
            status = "synced"
        if status != self._status._value:  # (mostly unchanged: no setter call)
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
        if type(rev) is not int or rev < 0:
            self._fail(BadFrame(f"{op}: field 'rev' must be an integer >= 0", text), "sync")
            return
        raw = frame.get("value")
        if op == "state" and not self._joined:
            return  # the snapshot we are waiting for comes later, and is newer
        value: Any = _NONE
        if raw is not None:
            try:
                value = self.resource._from_json(raw)
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
        was = self._status._value
        self._error = False
        self._rev = rev
        if op == "snapshot":
            self._on_snapshot(value)
            return
        # A state: every change another client makes (and every ack) comes
        # this way, so the state's handling is inlined here.
        self._server = value
        in_flight = self._in_flight
        if in_flight is not None:
            client = self._connection.client
            own = client is not None and frame.get("origin") == client
            if own and frame.get("seq") == in_flight:
                self._in_flight = None  # our own put, answered
                if self._dirty:
                    self._flush()  # the changes coalesced meanwhile go next
                    return
        self._settle(was)

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
        messages = _messages_of(frame.get("messages"))
        if messages:
            self._messages.value = messages  # the server's validator said why
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


class _LocalChanges:
    """The sink of the store's changes: each goes to ``_on_local`` but the current
    value at subscription (a new collector's greeting) and sync's own writes of
    server values, recognised here by identity with no call (every frame that
    changes the store passes here). Failures are reported, never raised.
    """

    __slots__ = ("_context", "_greeted", "_sync")

    def __init__(self, sync: _RevisionSync[Any]) -> None:
        self._sync = sync
        self._greeted = False
        self._context = f"sync of {sync.store!r}: a local change"

    def on_next(self, value: Any) -> None:
        sync = self._sync
        if value is sync._written:  # the server's value, written by sync itself
            sync._written = _NONE
            return
        if not self._greeted:
            self._greeted = True
            return
        try:
            sync._on_local(value)
        except Exception as exc:
            report(exc, self._context)

    def on_error(self, exc: BaseException) -> None:
        """A store's data never fails."""

    def on_complete(self) -> None:
        """A store's data never ends."""


def _messages_of(raw: object) -> tuple[Message, ...]:
    """The validation messages of a refusal (the server's, in its ``messages`` field)."""
    if not isinstance(raw, list):
        return ()
    from .messages import Message

    messages: list[Message] = []
    for item in raw[:100]:  # bounded: a refusal is not a place for megabytes
        try:
            messages.append(Message.from_json(item))
        except (TypeError, ValueError):
            continue  # one malformed message does not hide the others
    return tuple(messages)
