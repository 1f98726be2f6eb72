"""The transport-free sync hub: entities, revisions, followers and client ids.

A :class:`Hub` owns a :class:`~pyfritz.server.storage.Storage`. Each
connection gets a :class:`~pyfritz.server.session.Session` from
:meth:`Hub.connect`, with a ``deliver`` callback that queues an outgoing text
frame; the network adapter feeds the session the frames it receives
(``await`` :meth:`Session.receive <pyfritz.server.session.Session.receive>`).
Nothing here does network I/O, so tests drive it with a list as the
``deliver``.

Semantics (DESIGN.md sections 4 and 7):

* **The storage is the truth, the hub a cache.** The storage assigns each
  accepted state its revision (0 = no state, then 1, 2, ... per entity) in
  the same commit that writes the value, and then reports the committed
  :class:`~pyfritz.server.storage.Change` to the hub
  (:meth:`Hub.changed`). The hub broadcasts *only* what the storage reports,
  in the order it reports it, so a state is committed before any client sees
  it, and a hub over a shared database (PostgreSQL) broadcasts the puts of
  every node, its own included, through one ordered path.
* **Last writer in server order wins.** A ``put`` is accepted whatever its
  ``base``: the client protocol already keeps one put in flight per entity and
  converges on the last ``state``, and refusing stale bases would turn every
  concurrent edit into a refusal plus a retry without changing who wins.
  ``base`` is informational (it is logged at DEBUG).
* Each state is encoded once, and the same frame string is handed to every
  follower, the sender too.
* What one connection may do, and how its frames are checked and answered,
  is :class:`~pyfritz.server.session.Session`'s (:mod:`~pyfritz.server.session`).
* Limits (:mod:`~pyfritz.server.limits`): entities joined per session, puts per
  second per session (a token bucket), and the total size of the stored values
  (``max_stored``, counted and enforced by the storage in the commit itself,
  so that it holds across restarts and across nodes; server code's
  :meth:`Hub.set` is not held to it, but counted).
* **Storage unavailable** (a database connection lost): a ``join`` or ``put``
  raises :class:`~pyfritz.server.errors.StorageUnavailable` out of
  :meth:`Session.receive <pyfritz.server.session.Session.receive>`, and the
  adapter closes that connection with "try again later". An ``error``
  answer would make the browser drop the edit (a refused put rolls back); a
  closed connection makes it keep the edit pending and send it again once it
  is back (through a load balancer, maybe to another node). Nothing
  unconfirmed is acknowledged: a put whose commit failed or may have failed
  gets no ``state``.
* After the storage lost its change feed (:meth:`Hub.lost`), the hub serves
  nothing from its cache until it is back (:meth:`Hub.resumed`): it then
  re-reads every entity it serves and sends followers what they missed.
* :meth:`Hub.set` is the server's own put: it broadcasts with ``origin`` and
  ``seq`` null.

The hub is not thread-safe: use it from the event loop that serves the
connections (from another thread,
``asyncio.run_coroutine_threadsafe(hub.set(...), loop)``). ``deliver`` must
not block and must not raise; the ASGI adapter's appends to a bounded queue
and disconnects the client when it overflows.

Example::

    frames: list[str] = []
    hub = Hub(MemoryStorage())
    session = hub.connect(frames.append)
    await session.receive('{"op":"join","id":"p1","rev":null}')
    await session.receive('{"op":"put","id":"p1","seq":1,"base":0,"value":{"name":"Ada"}}')
    await hub.set("p1", {"name": "Grace"})   # every follower gets the new state
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .access import Authorize
from .errors import StorageError, StorageUnavailable
from .limits import Limits
from .protocol import encode_value, is_valid_id, state_frame
from .session import DEFAULT_LIMITS, Deliver, Session
from .storage import Change, MemoryStorage, Record, Storage
from .validate import Validators

if TYPE_CHECKING:
    from pyfritz.resource import Resource

__all__ = ["MAX_STORED", "MAX_VALUE", "Hub"]

logger = logging.getLogger("pyfritz.server")

#: Default cap on an entity's value, in bytes of compact UTF-8 JSON.
MAX_VALUE = 512 * 1024
#: Default cap on all stored values together, in bytes of compact UTF-8 JSON.
MAX_STORED = 256 * 1024 * 1024


class _Entity:
    """A followed entity: its current record (``None``: no state yet) and followers."""

    __slots__ = ("followers", "loading", "record")

    def __init__(self) -> None:
        self.record: Record | None = None
        # While the record is read from the storage: set when that is done.
        # Changes reported meanwhile are kept (the newer of the two wins).
        self.loading: asyncio.Event | None = None
        # A dict keeps join order, so fan-out order is deterministic.
        self.followers: dict[Session, None] = {}

    @property
    def rev(self) -> int:
        return 0 if self.record is None else self.record.rev


class Hub:
    """Entities, their revisions and followers, over a storage.

    Args:
        storage: where accepted states are committed; a fresh
            :class:`~pyfritz.server.storage.MemoryStorage` if omitted.
        max_value: the largest value accepted, in bytes of compact UTF-8 JSON.
        resources: id pattern (``fnmatch``) → :class:`~pyfritz.resource.Resource`
            whose validator checks every put of a matching entity (see
            :mod:`pyfritz.server.validate`); :meth:`set` is not checked.
        max_stored: the most all stored values may hold together, in bytes of
            compact UTF-8 JSON; a client's put past it is refused (code
            ``quota``). The storage counts and enforces it in the commit
            (:meth:`Storage.commit <pyfritz.server.storage.Storage.commit>`),
            over everything stored, by every node.

    The storage is opened by :meth:`open`, or by the first join, put, get or
    set; :meth:`close` closes it.

    Example::

        hub = Hub(SqliteStorage("sync.db"))
        app = sync_app(hub)            # put it on the network
        await hub.set("p1", {"name": "Ada", "age": 36})
    """

    def __init__(
        self,
        storage: Storage | None = None,
        *,
        max_value: int = MAX_VALUE,
        resources: Mapping[str, Resource[Any]] | None = None,
        max_stored: int = MAX_STORED,
    ) -> None:
        if max_value <= 0 or max_stored <= 0:
            raise ValueError("max_value and max_stored must be positive")
        self.validators = Validators(resources or {})
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.max_value = max_value
        self.max_stored = max_stored
        # Only entities with followers are cached; the storage has the rest.
        self._entities: dict[str, _Entity] = {}
        self._sessions: dict[str, Session] = {}
        self._open = False
        self._opening: asyncio.Event | None = None
        # While the storage's change feed is down (lost() .. resumed() and the
        # re-read after it), changes are held here and nothing is served.
        self._held: list[Change] | None = None
        self._serving = asyncio.Event()
        self._serving.set()
        self._resync: asyncio.Task[None] | None = None
        # Own puts committed but not yet broadcast (their change not reported
        # yet): (id, rev) -> (session, seq), so that a re-read after a lost
        # change feed still acknowledges them.
        self._unacked: dict[tuple[str, int], tuple[Session, int]] = {}

    @property
    def session_count(self) -> int:
        """How many sessions are connected (for leak checks)."""
        return len(self._sessions)

    @property
    def available(self) -> bool:
        """Whether the hub serves joins and puts (its storage's change feed is up)."""
        return self._held is None

    async def wait_available(self) -> None:
        """Return once the hub serves again (at once if it does).

        Example::

            await hub.wait_available()   # e.g. before a health check answers "ready"
        """
        await self._serving.wait()

    def follower_count(self, id: str) -> int:
        """How many sessions follow entity ``id``."""
        entity = self._entities.get(id)
        return 0 if entity is None else len(entity.followers)

    async def open(self) -> None:
        """Open the storage (connect, create the schema, start its change feed).

        Calling it again, or concurrently, opens it once.

        Raises:
            StorageError: the storage cannot be opened.
        """
        # Events, not futures: a hub over a memory storage runs without a loop in tests.
        while not self._open:
            if self._opening is not None:
                await self._opening.wait()  # someone else opens it; retry if they failed
                continue
            opening = self._opening = asyncio.Event()
            try:
                await self.storage.open(self)
                self._open = True
            finally:
                self._opening = None
                opening.set()

    def connect(
        self,
        deliver: Deliver,
        *,
        limits: Limits = DEFAULT_LIMITS,
        principal: Any = None,
        authorize: Authorize | None = None,
    ) -> Session:
        """Open a session for one connection; its frames go to ``deliver``.

        Args:
            deliver: called with each outgoing text frame, in order.
            limits: the session's limits (``max_frame``, ``max_joined``,
                ``put_rate``, ``put_burst``).
            principal: who is connected, as the ``authenticate`` hook said.
            authorize: asked before each join and put; everything is allowed
                if ``None``.
        """
        client = secrets.token_urlsafe(9)
        while client in self._sessions:  # pragma: no cover - 72 random bits
            client = secrets.token_urlsafe(9)
        session = Session(
            self, client, deliver, limits=limits, principal=principal, authorize=authorize
        )
        self._sessions[client] = session
        return session

    async def get(self, id: str) -> tuple[int, Any]:
        """Entity ``id``'s revision and value; ``(0, None)`` if it has no state.

        Raises:
            StorageError: the storage could not be read.

        Example::

            rev, value = await hub.get("p1")
        """
        await self.open()
        entity = self._entities.get(id)
        if entity is not None and entity.loading is None and self.available:
            record = entity.record
        else:
            record = await self.storage.load(id)
        return (0, None) if record is None else (record.rev, json.loads(record.value))

    async def set(self, id: str, value: Any) -> int:
        """Set entity ``id``'s state from server code; every follower gets it.

        Followers (on every node over the same database) get a ``state`` whose
        ``origin`` and ``seq`` are null.

        Returns:
            The new revision.

        Raises:
            ValueError: ``id`` is not a valid entity id, or ``value`` is null,
                not JSON or larger than ``max_value``.
            StorageError: the state could not be saved; nothing changed
                (:class:`~pyfritz.server.errors.StorageUnavailable`: the
                database could not be reached, and whether it was saved is
                unknown if the connection broke during the commit).

        Example::

            rev = await hub.set("p1", {"name": "Ada", "age": 37})
        """
        if not is_valid_id(id):
            raise ValueError(f"not a valid entity id: {id!r}")
        if value is None:
            raise ValueError("value must not be None (null means 'no state')")
        rev = await self._accept(id, value, None, None)
        logger.debug("set %r rev=%d by the server", id, rev)
        return rev

    async def close(self) -> None:
        """Close the storage. Sessions still open should be closed first."""
        if self._resync is not None:
            self._resync.cancel()
        self._open = False
        await self.storage.close()

    # -- what the storage reports (the Listener protocol) ----------------------

    def changed(self, change: Change) -> None:
        """A state was committed (by this node or another): broadcast it.

        Called by the storage, in commit order; a change not newer than the
        cached revision (already served) is skipped.
        """
        if self._held is not None:
            self._held.append(change)
            return
        entity = self._entities.get(change.id)
        if entity is None or change.rev <= entity.rev:
            return
        entity.record = Record(change.rev, change.value)
        self._unacked.pop((change.id, change.rev), None)
        if entity.loading is not None or not entity.followers:
            return
        frame = state_frame(change.id, change.rev, change.value, change.origin, change.seq)
        # A copy, so that a deliver that closes its session cannot break the loop.
        for follower in tuple(entity.followers):
            follower._deliver(frame)

    def lost(self) -> None:
        """The storage's change feed broke: changes may be missed until :meth:`resumed`."""
        if self._resync is not None:
            self._resync.cancel()
            self._resync = None
        if self._held is None:
            logger.warning("storage change feed lost: joins and puts refused until it is back")
            self._held = []
            self._serving.clear()

    def resumed(self) -> None:
        """The change feed is back: re-read every served entity, then serve again."""
        if self._held is None:
            return
        if self._resync is None or self._resync.done():
            self._resync = asyncio.get_running_loop().create_task(self._catch_up())

    async def _catch_up(self) -> None:
        """Re-read the served entities, send followers what they missed, release held changes."""
        delay = 0.05
        while True:
            ids = [id for id, entity in self._entities.items() if entity.loading is None]
            try:
                records = await self.storage.load_many(ids)
                break
            except StorageError as exc:
                # Until it works the hub stays unavailable; lost() cancels this.
                logger.warning("re-reading %d entities failed: %s", len(ids), exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        held, self._held = self._held or [], None
        caught = 0
        for id in ids:
            entity = self._entities.get(id)
            record = records.get(id)
            if entity is None or record is None or record.rev <= entity.rev:
                continue
            caught += 1
            self._send_missed(id, entity, record)
        for change in held:
            self.changed(change)
        self._serving.set()
        logger.warning("storage change feed back: %d of %d entities caught up", caught, len(ids))

    def _send_missed(self, id: str, entity: _Entity, record: Record) -> None:
        """Bring ``entity``'s followers from its cached revision to ``record``.

        Own puts committed in between are acknowledged first, in revision
        order, each with the newest value (so no client goes back to an older
        value); then the newest state itself, unless the last of them was it.
        """
        acks = sorted(
            (rev, session, seq)
            for (key, rev), (session, seq) in self._unacked.items()
            if key == id and entity.rev < rev <= record.rev
        )
        entity.record = record
        frames = []
        for rev, session, seq in acks:
            del self._unacked[id, rev]
            frames.append(state_frame(id, rev, record.value, session.client, seq))
        if not acks or acks[-1][0] != record.rev:
            frames.append(state_frame(id, record.rev, record.value, None, None))
        for frame in frames:
            for follower in tuple(entity.followers):
                follower._deliver(frame)

    # -- what sessions call -----------------------------------------------------

    def _check_available(self) -> None:
        if self._held is not None:
            raise StorageUnavailable("the database is unavailable; try again later")

    async def _accept(self, id: str, value: Any, origin: Session | None, seq: int | None) -> int:
        """Commit ``value`` as the next revision of ``id``; the storage reports it."""
        value_json, size = encode_value(value)
        if size > self.max_value:
            raise ValueError(f"value too large: {size} bytes > {self.max_value}")
        await self.open()
        self._check_available()
        client = None if origin is None else origin.client
        # Server code's own writes are counted by the storage, not capped.
        max_stored = None if origin is None else self.max_stored
        rev = await self.storage.commit(
            id, value_json, origin=client, seq=seq, max_stored=max_stored
        )
        entity = self._entities.get(id)
        if origin is not None and seq is not None and entity is not None and entity.rev < rev:
            # Committed, not yet broadcast (the change feed is behind the
            # commit): remember whose it was, in case the feed breaks first.
            self._unacked[id, rev] = (origin, seq)
        return rev

    async def _follow(self, session: Session, id: str) -> Record | None:
        await self.open()
        self._check_available()
        entity = self._entities.get(id)
        while entity is not None and entity.loading is not None:
            await entity.loading.wait()  # another join reads it; it may have failed
            entity = self._entities.get(id)
        if entity is None:
            entity = _Entity()
            self._entities[id] = entity
            loading = entity.loading = asyncio.Event()
            try:
                record = await self.storage.load(id)
            except BaseException:
                entity.loading = None
                self._forget_if_unfollowed(id, entity)
                raise
            finally:
                loading.set()
            if record is not None and record.rev > entity.rev:
                entity.record = record
            entity.loading = None
        if not self.available:
            # Read before the change feed broke: it may be stale already.
            self._forget_if_unfollowed(id, entity)
            self._check_available()
        entity.followers[session] = None
        return entity.record

    def _forget_if_unfollowed(self, id: str, entity: _Entity) -> None:
        if not entity.followers and entity.loading is None and self._entities.get(id) is entity:
            del self._entities[id]

    def _unfollow(self, session: Session, id: str) -> None:
        entity = self._entities.get(id)
        if entity is not None:
            entity.followers.pop(session, None)
            self._forget_if_unfollowed(id, entity)

    def _disconnect(self, session: Session) -> None:
        self._sessions.pop(session.client, None)
        for key in [key for key, (owner, _) in self._unacked.items() if owner is session]:
            del self._unacked[key]
