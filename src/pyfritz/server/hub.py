"""The transport-free sync hub: entities, revisions, followers and client ids.

A :class:`Hub` owns a :class:`~pyfritz.server.storage.Storage`. Each connection
gets a :class:`Session` from :meth:`Hub.connect`, with a ``deliver`` callback
that queues an outgoing text frame; the network adapter feeds the session the
frames it receives (:meth:`Session.receive`). Everything here is synchronous
and does no network I/O, so tests drive it with a list as the ``deliver``.

Semantics (DESIGN.md section 4):

* An entity's revision starts at 0 (no state) and grows by 1 with each
  accepted state; a ``join`` is answered with a ``snapshot`` at once.
* **Last writer in server order wins.** A ``put`` is accepted whatever its
  ``base``: the client protocol already keeps one put in flight per entity and
  converges on the last ``state``, and refusing stale bases would turn every
  concurrent edit into a refusal plus a retry without changing who wins.
  ``base`` is informational (it is logged at DEBUG).
* Each accepted state is saved (committed) before it is broadcast, encoded
  once, and the same frame string is handed to every follower, the sender too.
* A refused put (not joined, value too large or not JSON, storage failure)
  leaves the state unchanged and is answered with ``error`` to its sender only.
* ``leave`` of an entity not joined is a no-op: after a reconnect a client
  cannot know what the server still remembers, and leaving twice is harmless.
* :meth:`Hub.set` is the server's own put: it broadcasts with ``origin`` and
  ``seq`` null.

The hub is not thread-safe: use it from the event loop that serves the
connections (from another thread, ``loop.call_soon_threadsafe(hub.set, ...)``).
``deliver`` must not block and must not raise; the ASGI adapter's appends to a
bounded queue and disconnects the client when it overflows.

Example::

    frames: list[str] = []
    hub = Hub(MemoryStorage())
    session = hub.connect(frames.append)
    session.receive('{"op":"join","id":"p1","rev":null}')
    session.receive('{"op":"put","id":"p1","seq":1,"base":0,"value":{"name":"Ada"}}')
    hub.set("p1", {"name": "Grace"})   # every follower gets the new state
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from .errors import ProtocolError, StorageError
from .protocol import (
    MAX_FRAME,
    Join,
    Leave,
    Ping,
    Put,
    encode_value,
    error_frame,
    is_valid_id,
    parse_frame,
    pong_frame,
    snapshot_frame,
    state_frame,
)
from .storage import MemoryStorage, Record, Storage

__all__ = ["MAX_VALUE", "Deliver", "Hub", "Session"]

logger = logging.getLogger("pyfritz.server")

#: Default cap on an entity's value, in bytes of compact UTF-8 JSON.
MAX_VALUE = 512 * 1024

#: Hands one outgoing text frame to a connection; must neither block nor raise.
Deliver = Callable[[str], None]


class _Entity:
    """A followed entity: its current record (``None``: no state yet) and followers."""

    __slots__ = ("followers", "record")

    def __init__(self, record: Record | None) -> None:
        self.record = record
        # A dict keeps join order, so fan-out order is deterministic.
        self.followers: dict[Session, None] = {}


class Hub:
    """Entities, their revisions and followers, over a storage.

    Args:
        storage: where accepted states are committed; a fresh
            :class:`~pyfritz.server.storage.MemoryStorage` if omitted.
        max_value: the largest value accepted, in bytes of compact UTF-8 JSON.

    Example::

        hub = Hub(SqliteStorage("sync.db"))
        app = sync_app(hub)            # put it on the network
        hub.set("p1", {"name": "Ada", "age": 36})
    """

    def __init__(self, storage: Storage | None = None, *, max_value: int = MAX_VALUE) -> None:
        if max_value <= 0:
            raise ValueError(f"max_value must be positive, not {max_value}")
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.max_value = max_value
        # Only entities with followers are cached; the storage has the rest.
        self._entities: dict[str, _Entity] = {}
        self._sessions: dict[str, Session] = {}

    @property
    def session_count(self) -> int:
        """How many sessions are connected (for leak checks)."""
        return len(self._sessions)

    def follower_count(self, id: str) -> int:
        """How many sessions follow entity ``id``."""
        entity = self._entities.get(id)
        return 0 if entity is None else len(entity.followers)

    def connect(self, deliver: Deliver, *, max_frame: int = MAX_FRAME) -> Session:
        """Open a session for one connection; its frames go to ``deliver``.

        Args:
            deliver: called with each outgoing text frame, in order.
            max_frame: the largest incoming frame accepted, in bytes of UTF-8.
        """
        client = secrets.token_urlsafe(9)
        while client in self._sessions:  # pragma: no cover - 72 random bits
            client = secrets.token_urlsafe(9)
        session = Session(self, client, deliver, max_frame=max_frame)
        self._sessions[client] = session
        return session

    def get(self, id: str) -> tuple[int, Any]:
        """Entity ``id``'s revision and value; ``(0, None)`` if it has no state.

        Raises:
            StorageError: the storage could not be read.
        """
        entity = self._entities.get(id)
        record = entity.record if entity is not None else self.storage.load(id)
        return (0, None) if record is None else (record.rev, json.loads(record.value))

    def set(self, id: str, value: Any) -> int:
        """Set entity ``id``'s state from server code, and broadcast it.

        Followers get a ``state`` whose ``origin`` and ``seq`` are null.

        Returns:
            The new revision.

        Raises:
            ValueError: ``id`` is not a valid entity id, or ``value`` is null,
                not JSON or larger than ``max_value``.
            StorageError: the state could not be saved; nothing changed.

        Example::

            rev = hub.set("p1", {"name": "Ada", "age": 37})
        """
        if not is_valid_id(id):
            raise ValueError(f"not a valid entity id: {id!r}")
        if value is None:
            raise ValueError("value must not be None (null means 'no state')")
        rev = self._accept(id, value, None, None)
        logger.debug("set %s rev=%d by the server", id, rev)
        return rev

    def close(self) -> None:
        """Close the storage. Sessions still open should be closed first."""
        self.storage.close()

    def _accept(self, id: str, value: Any, origin: Session | None, seq: int | None) -> int:
        """Commit ``value`` as the next revision of ``id``, then broadcast it."""
        value_json, size = encode_value(value)
        if size > self.max_value:
            raise ValueError(f"value too large: {size} bytes > {self.max_value}")
        entity = self._entities.get(id)
        current = entity.record if entity is not None else self.storage.load(id)
        record = Record((0 if current is None else current.rev) + 1, value_json)
        # Commit first: a state a client has seen must survive a restart.
        self.storage.save(id, record)
        if entity is None:
            return record.rev
        entity.record = record
        client = None if origin is None else origin.client
        frame = state_frame(id, record.rev, value_json, client, seq)
        # A copy, so that a deliver that closes its session cannot break the loop.
        for follower in tuple(entity.followers):
            follower._deliver(frame)
        return record.rev

    def _follow(self, session: Session, id: str) -> Record | None:
        entity = self._entities.get(id)
        if entity is None:
            entity = _Entity(self.storage.load(id))
            self._entities[id] = entity
        entity.followers[session] = None
        return entity.record

    def _unfollow(self, session: Session, id: str) -> None:
        entity = self._entities.get(id)
        if entity is not None:
            entity.followers.pop(session, None)
            if not entity.followers:
                del self._entities[id]

    def _disconnect(self, session: Session) -> None:
        self._sessions.pop(session.client, None)


class Session:
    """One connection's view of the hub: its client id and the entities it follows.

    Made by :meth:`Hub.connect`. Frames go in through :meth:`receive` (or the
    typed :meth:`join`, :meth:`put`, :meth:`leave`); replies and broadcasts go
    out through the ``deliver`` callback given to :meth:`Hub.connect`.
    """

    def __init__(self, hub: Hub, client: str, deliver: Deliver, *, max_frame: int) -> None:
        self.client = client
        self._hub = hub
        self._deliver = deliver
        self._max_frame = max_frame
        self._joined: set[str] = set()
        self.closed = False

    @property
    def joined(self) -> frozenset[str]:
        """The ids of the entities this session follows."""
        return frozenset(self._joined)

    def receive(self, data: str | bytes) -> None:
        """Handle one incoming frame: act on it, or answer ``error`` if it is bad.

        A bad frame is logged and answered; the session stays usable.

        Raises:
            RuntimeError: the session is closed.
        """
        self._check_open()
        if not isinstance(data, str):
            self._refuse(ProtocolError("binary frames are not supported; send JSON text"))
            return
        try:
            op = parse_frame(data, max_frame=self._max_frame)
        except ProtocolError as exc:
            self._refuse(exc)
            return
        if isinstance(op, Put):
            self.put(op.id, op.seq, op.base, op.value)
        elif isinstance(op, Join):
            self.join(op.id, op.rev)
        elif isinstance(op, Ping):
            self._deliver(pong_frame(op.t))
        elif isinstance(op, Leave):
            self.leave(op.id)

    def join(self, id: str, rev: int | None = None) -> None:
        """Follow entity ``id`` and deliver its ``snapshot``; joining again re-sends it.

        ``rev`` (the last revision the client saw) is logged only: the
        snapshot always carries the whole value.
        """
        self._check_open()
        try:
            record = self._hub._follow(self, id)
        except StorageError as exc:
            logger.error("join %s by client %s failed: %s", id, self.client, exc)
            self._deliver(error_frame(id, None, "join: storage failed; try again"))
            return
        self._joined.add(id)
        logger.info("join %s by client %s (client rev %s)", id, self.client, rev)
        if record is None:
            self._deliver(snapshot_frame(id, 0, None, self.client))
        else:
            self._deliver(snapshot_frame(id, record.rev, record.value, self.client))

    def put(self, id: str, seq: int, base: int | None, value: Any) -> None:
        """Propose ``value`` for entity ``id``: broadcast ``state``, or answer ``error``."""
        self._check_open()
        if id not in self._joined:
            self._refuse(ProtocolError("put: not joined; send join first", id=id, seq=seq))
            return
        if value is None:
            self._refuse(ProtocolError("put: field 'value' must not be null", id=id, seq=seq))
            return
        try:
            rev = self._hub._accept(id, value, self, seq)
        except ValueError as exc:
            self._refuse(ProtocolError(f"put: {exc}", id=id, seq=seq))
            return
        except StorageError as exc:
            logger.error("put %s by client %s failed: %s", id, self.client, exc)
            self._deliver(error_frame(id, seq, "put: storage failed; state unchanged"))
            return
        logger.debug("put %s rev=%d by client %s seq=%d base=%s", id, rev, self.client, seq, base)

    def leave(self, id: str) -> None:
        """Stop following entity ``id``; nothing happens if it was not followed."""
        self._check_open()
        if id in self._joined:
            self._joined.discard(id)
            self._hub._unfollow(self, id)
            logger.debug("leave %s by client %s", id, self.client)

    def close(self) -> None:
        """Leave every entity and forget the session; calling it again does nothing."""
        if self.closed:
            return
        self.closed = True
        for id in self._joined:
            self._hub._unfollow(self, id)
        self._joined.clear()
        self._hub._disconnect(self)

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError(f"session {self.client} is closed")

    def _refuse(self, exc: ProtocolError) -> None:
        logger.info("refused a frame from client %s: %s", self.client, exc.reason)
        self._deliver(error_frame(exc.id, exc.seq, exc.reason))
