"""One connection's view of the hub: its client id, the entities it follows, its checks.

A :class:`Session` is made by :meth:`Hub.connect <pyfritz.server.hub.Hub.connect>`
for each connection. The network adapter feeds it the frames it receives
(``await`` :meth:`Session.receive`); it parses them, checks them against the
connection's limits and access, asks the hub to follow or accept, and answers
through the connection's ``deliver`` callback. Broadcast states come from the
hub through the same callback.

Semantics (DESIGN.md section 4; the hub's own are in :mod:`~pyfritz.server.hub`):

* A refused put (not joined, value too large or not JSON, storage failure)
  leaves the state unchanged and is answered with ``error`` to its sender only.
* Access (:mod:`~pyfritz.server.access`): a session may carry a principal and
  an ``authorize`` hook, asked before every ``join`` and ``put``; a refusal is
  an ``error`` with code ``forbidden``, given before the storage is read, so
  it is the same for an entity that exists and one that does not.
* Limits (:mod:`~pyfritz.server.limits`): entities joined per session and
  puts per second per session (a token bucket); past the stored-bytes cap a
  put is answered with ``error`` code ``quota``.
* ``leave`` of an entity not joined is a no-op: after a reconnect a client
  cannot know what the server still remembers, and leaving twice is harmless.

Example::

    frames: list[str] = []
    session = hub.connect(frames.append)
    await session.receive('{"op":"join","id":"p1","rev":null}')
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .access import Action, Authorize
from .errors import ProtocolError, StorageError, StorageFull, StorageUnavailable
from .limits import Limits, TokenBucket
from .protocol import (
    ClientOp,
    Join,
    Leave,
    Ping,
    Put,
    error_frame,
    parse_frame,
    pong_frame,
    snapshot_frame,
)
from .validate import refusal

if TYPE_CHECKING:
    from .hub import Hub

__all__ = ["DEFAULT_LIMITS", "Deliver", "Session"]

logger = logging.getLogger("pyfritz.server")

#: The limits of a session made without any.
DEFAULT_LIMITS = Limits()

#: Hands one outgoing text frame to a connection; must neither block nor raise.
Deliver = Callable[[str], None]


class Session:
    """One connection's view of the hub: its client id and the entities it follows.

    Made by :meth:`Hub.connect`. Frames go in through :meth:`receive` (or the
    typed :meth:`join`, :meth:`put`, :meth:`leave`); replies and broadcasts go
    out through the ``deliver`` callback given to :meth:`Hub.connect`.
    """

    def __init__(
        self,
        hub: Hub,
        client: str,
        deliver: Deliver,
        *,
        limits: Limits = DEFAULT_LIMITS,
        principal: Any = None,
        authorize: Authorize | None = None,
    ) -> None:
        self.client = client
        #: Who is connected (what the ``authenticate`` hook returned).
        self.principal = principal
        self._hub = hub
        self._deliver = deliver
        self._limits = limits
        self._authorize = authorize
        self._puts = TokenBucket(limits.put_rate, limits.put_burst)
        self._joined: set[str] = set()
        self.closed = False

    @property
    def joined(self) -> frozenset[str]:
        """The ids of the entities this session follows."""
        return frozenset(self._joined)

    async def receive(self, data: str | bytes) -> None:
        """Handle one incoming frame: act on it, or answer ``error`` if it is bad.

        A bad frame is logged and answered; the session stays usable.

        Raises:
            RuntimeError: the session is closed.
            StorageUnavailable: a join or put cannot be served now (the
                database is unreachable); nothing was applied or answered,
                and the connection should be closed ("try again later").
        """
        self._check_open()
        op = self._parse(data)
        if isinstance(op, ProtocolError):
            self._refuse(op)
        else:
            await self._act(op)

    async def receive_many(self, frames: Sequence[str | bytes]) -> None:
        """Handle frames that arrived together, in order, as :meth:`receive` would one by one.

        Consecutive puts among them are handed to the hub together, so that a
        storage that writes in batches (PostgreSQL) commits them in one round
        trip; each is still checked, committed in its order and answered in
        its order, and the frame after them is handled once they are done.

        Raises:
            RuntimeError: the session is closed.
            StorageUnavailable: as :meth:`receive`; the frames after the
                put that raised it are not handled.

        Example::

            await session.receive_many([put_1, put_2, '{"op":"ping","t":1}'])
        """
        self._check_open()
        puts: list[Put] = []
        for data in frames:
            op = self._parse(data)
            if isinstance(op, Put):
                puts.append(op)
                continue
            await self._put_all(puts)
            puts = []
            if isinstance(op, ProtocolError):
                self._refuse(op)
            else:
                await self._act(op)
        await self._put_all(puts)

    def _parse(self, data: str | bytes) -> ClientOp | ProtocolError:
        if not isinstance(data, str):
            return ProtocolError("binary frames are not supported; send JSON text")
        try:
            return parse_frame(data, max_frame=self._limits.max_frame)
        except ProtocolError as exc:
            return exc

    async def _act(self, op: ClientOp) -> None:
        if isinstance(op, Put):
            await self.put(op.id, op.seq, op.base, op.value)
        elif isinstance(op, Join):
            await self.join(op.id, op.rev)
        elif isinstance(op, Ping):
            self._deliver(pong_frame(op.t))
        elif isinstance(op, Leave):
            self.leave(op.id)

    async def _put_all(self, puts: list[Put]) -> None:
        if len(puts) == 1:
            await self.put(puts[0].id, puts[0].seq, puts[0].base, puts[0].value)
        elif puts:
            # Tasks start in order and each asks the storage to commit in its
            # first step, so the storage gets them in order, in one turn.
            outcomes = await asyncio.gather(
                *(self.put(op.id, op.seq, op.base, op.value) for op in puts),
                return_exceptions=True,
            )
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome

    async def join(self, id: str, rev: int | None = None) -> None:
        """Follow entity ``id`` and deliver its ``snapshot``; joining again re-sends it.

        ``rev`` (the last revision the client saw) is logged only: the
        snapshot always carries the whole value.

        Raises:
            StorageUnavailable: see :meth:`receive`.
        """
        self._check_open()
        if not self._allows(id, "join"):
            # Asked before the storage is read: no hint whether the entity exists.
            self._refuse(ProtocolError("join: forbidden", id=id), "forbidden")
            return
        if id not in self._joined and len(self._joined) >= self._limits.max_joined:
            reason = f"join: at most {self._limits.max_joined} entities per connection; leave one"
            self._refuse(ProtocolError(reason, id=id), "limit")
            return
        try:
            record = await self._hub._follow(self, id)
        except StorageUnavailable:
            raise
        except StorageError as exc:
            logger.error("join %r by client %s failed: %s", id, self.client, exc)
            self._deliver(error_frame(id, None, "join: storage failed; try again"))
            return
        if self.closed:  # closed while the storage was read
            self._hub._unfollow(self, id)
            return
        self._joined.add(id)
        logger.info("join %r by client %s (client rev %s)", id, self.client, rev)
        if record is None:
            self._deliver(snapshot_frame(id, 0, None, self.client))
        else:
            self._deliver(snapshot_frame(id, record.rev, record.value, self.client))

    async def put(self, id: str, seq: int, base: int | None, value: Any) -> None:
        """Propose ``value`` for entity ``id``: broadcast ``state``, or answer ``error``.

        Raises:
            StorageUnavailable: see :meth:`receive`.
        """
        self._check_open()
        if not self._puts.take():
            limits = self._limits
            reason = f"put: too fast (at most {limits.put_rate:g}/s, burst {limits.put_burst})"
            reason += "; state unchanged"
            self._refuse(ProtocolError(reason, id=id, seq=seq), "rate_limited")
            return
        if not self._allows(id, "put"):
            reason = "put: forbidden; state unchanged"
            self._refuse(ProtocolError(reason, id=id, seq=seq), "forbidden")
            return
        if id not in self._joined:
            self._refuse(ProtocolError("put: not joined; send join first", id=id, seq=seq))
            return
        if value is None:
            self._refuse(ProtocolError("put: field 'value' must not be null", id=id, seq=seq))
            return
        if self._hub.validators:
            refused = refusal(self._hub.validators.check(id, value))
            if refused is not None:
                reason, messages = refused
                logger.info("refused a put of %r by client %s: invalid", id, self.client)
                self._deliver(error_frame(id, seq, reason, messages=messages))
                return
        try:
            rev = await self._hub._accept(id, value, self, seq)
        except StorageFull as exc:
            self._refuse(ProtocolError(f"put: {exc}", id=id, seq=seq), "quota")
            return
        except ValueError as exc:
            self._refuse(ProtocolError(f"put: {exc}", id=id, seq=seq))
            return
        except StorageUnavailable:
            logger.warning("put %r by client %s not applied: database unavailable", id, self.client)
            raise
        except StorageError as exc:
            logger.error("put %r by client %s failed: %s", id, self.client, exc)
            self._deliver(error_frame(id, seq, "put: storage failed; state unchanged"))
            return
        logger.debug("put %r rev=%d by client %s seq=%d base=%s", id, rev, self.client, seq, base)

    def leave(self, id: str) -> None:
        """Stop following entity ``id``; nothing happens if it was not followed."""
        self._check_open()
        if id in self._joined:
            self._joined.discard(id)
            self._hub._unfollow(self, id)
            logger.debug("leave %r by client %s", id, self.client)

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

    def _allows(self, id: str, action: Action) -> bool:
        if self._authorize is None:
            return True
        try:
            return self._authorize(self.principal, id, action) is True
        except Exception:
            # A failing hook refuses: access must never be granted by accident.
            logger.exception("authorize(%r, %r, %r) failed", self.principal, id, action)
            return False

    def _refuse(self, exc: ProtocolError, code: str | None = None) -> None:
        # repr: the reason may quote client input, which must not forge log lines.
        logger.info("refused a frame from client %s: %r", self.client, exc.reason)
        self._deliver(error_frame(exc.id, exc.seq, exc.reason, code))
