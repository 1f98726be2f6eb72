"""What one client, and all of them together, may cost the server: limits, sans I/O.

Every limit has a default a small deployment can live with, and a flag of the
same name on the command line (``--max-joined 100``). Sizes are counted in
bytes, never in frames: a frame may be ten bytes or a megabyte.

=========================  ==========  ===========================================
limit                      default     when it is hit
=========================  ==========  ===========================================
``max_frame``              1 MiB       the frame is answered with ``error``
``max_joined``             1,000       the ``join`` is answered with ``error``
                                       (code ``limit``); leave an entity first
``max_connections``        1,000       the handshake is answered with HTTP 503
``max_connections_per_``   100         the handshake is answered with HTTP 429
``address``                            (behind a proxy every client has the
                                       proxy's address: raise it there)
``queue_bytes``            1 MiB       per connection: the client is cut off with
                                       close code 1013 (one larger frame alone
                                       is still allowed)
``total_queue_bytes``      64 MiB      all connections, each frame counted once
                                       however many queues hold it: the client
                                       that has gone longest without taking a
                                       frame is cut off with 1013 (see
                                       :class:`QueueMemory`)
``write_timeout``          30 s        a client that has not taken a frame for
                                       this long is cut off with 1013
``close_timeout``          5 s         how long its close frame may take
``put_rate`` /             20/s,       the ``put`` is answered with ``error``
``put_burst``              burst 50    (code ``rate_limited``); state unchanged
``max_stored`` (of the    256 MiB     a ``put`` that would grow the stored
:class:`Hub`)                          values past it is answered with ``error``
                                       (code ``quota``); counted by the storage
                                       over all it holds (every node's writes,
                                       on PostgreSQL), decided in the commit
=========================  ==========  ===========================================

A client cut off is sent close code 1013 ("try again later") when its
connection can still take it; either way its transport is closed, and its
memory freed, within ``close_timeout`` seconds (with uvicorn, through
:class:`~pyfritz.server.transport.WebSocketProtocol`).

Example::

    app = sync_app(hub, limits=Limits(max_joined=50, put_rate=5.0))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Protocol, TypeVar

from .protocol import MAX_FRAME

__all__ = [
    "ConnectionCounter",
    "Limits",
    "OutgoingQueue",
    "QueueMemory",
    "TokenBucket",
    "longest_stalled",
]

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits of one sync endpoint; see the module docstring for what each does.

    Raises:
        ValueError: a limit is not positive.

    Example::

        Limits(queue_bytes=256 * 1024, write_timeout=10.0)
    """

    max_frame: int = MAX_FRAME
    max_joined: int = 1000
    max_connections: int = 1000
    max_connections_per_address: int = 100
    queue_bytes: int = _MIB
    total_queue_bytes: int = 64 * _MIB
    write_timeout: float = 30.0
    close_timeout: float = 5.0
    put_rate: float = 20.0
    put_burst: int = 50

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{field.name} must be a positive number, not {value!r}")


class TokenBucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up.

    Example::

        bucket = TokenBucket(rate=20.0, burst=50)
        if not bucket.take():
            ...  # refuse: too fast
    """

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self) -> bool:
        """Take one token if there is one; ``False`` means over the rate."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class ConnectionCounter:
    """Open connections, in total and per client address.

    Example::

        counter = ConnectionCounter(total=1000, per_address=100)
        refusal = counter.open("203.0.113.7")
        if refusal is None:
            try: ...
            finally: counter.close("203.0.113.7")
    """

    def __init__(self, *, total: int, per_address: int) -> None:
        self.total = total
        self.per_address = per_address
        self._open: dict[str, int] = {}
        self._count = 0

    @property
    def count(self) -> int:
        """How many connections are open."""
        return self._count

    def open(self, address: str) -> tuple[int, str] | None:
        """Count a new connection from ``address``; or refuse it as ``(status, reason)``."""
        if self._count >= self.total:
            return 503, f"too many connections ({self.total}); try again later"
        if self._open.get(address, 0) >= self.per_address:
            return 429, f"too many connections from one address ({self.per_address})"
        self._open[address] = self._open.get(address, 0) + 1
        self._count += 1
        return None

    def close(self, address: str) -> None:
        """Forget one connection from ``address`` (one :meth:`open` that succeeded)."""
        left = self._open.get(address, 0) - 1
        if left > 0:
            self._open[address] = left
        else:
            self._open.pop(address, None)
        self._count -= 1


class _Held:
    __slots__ = ("item", "queues", "size")

    def __init__(self, item: object, size: int) -> None:
        self.item = item
        self.queues = 1
        self.size = size


class QueueMemory:
    """The memory every connection's outgoing queue holds together, and its bound.

    A state is encoded once and the same frame object is queued for every
    follower, so it costs its bytes once, however many queues hold it: this
    counts each queued object once (by identity), until the last queue lets
    go of it. Counting it once per queue would count a state fanned out to
    200 clients 200 times, and call a server full that holds a few MiB.
    (Each connection's own bound, ``queue_bytes``, does count every frame it
    holds in full: once the others have sent it, a stuck client holds it alone.)

    Example::

        memory = QueueMemory(limit=64 * 1024 * 1024)
        if memory.fits(frame, size):
            memory.hold(frame, size)      # queued for one more connection
        ...
        memory.release(frame)             # sent or dropped by that connection
    """

    __slots__ = ("_held", "limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        #: Bytes held by the queued objects, each counted once.
        self.used = 0
        # id(object) -> the object (kept, so that its id cannot be reused while
        # it is counted), how many queues hold it, and its size.
        self._held: dict[int, _Held] = {}

    def fits(self, item: object, size: int) -> bool:
        """Whether queueing ``item`` (``size`` bytes) once more stays within the bound."""
        return id(item) in self._held or self.used + size <= self.limit

    def hold(self, item: object, size: int) -> None:
        """Count ``item`` as queued once more."""
        entry = self._held.get(id(item))
        if entry is None:
            self._held[id(item)] = _Held(item, size)
            self.used += size
        else:
            entry.queues += 1

    def release(self, item: object) -> None:
        """One queue let go of ``item`` (sent or dropped); its bytes go when the last does."""
        key = id(item)
        entry = self._held[key]
        entry.queues -= 1
        if entry.queues == 0:
            del self._held[key]
            self.used -= entry.size


class OutgoingQueue(Protocol):
    """What :func:`longest_stalled` asks of a connection's outgoing queue."""

    @property
    def queued(self) -> int:
        """Bytes queued for the connection."""
        ...

    def stalled_for(self, now: float) -> float:
        """How long the connection's current write has waited to be taken (0: none waits)."""
        ...


Q = TypeVar("Q", bound=OutgoingQueue)


def longest_stalled(queues: Iterable[Q], now: float) -> Q | None:
    """The queue to cut off when the total is over: the client that reads least.

    That is the connection whose write has waited longest for the client to
    take it, and among equals (none waiting) the longest queue; ``None`` if
    nothing is queued. A client that reads, even slowly, takes a frame every
    so often, while one that has stopped reading waits for ever: the reader
    wins, whoever has the longer queue at that moment (after a pause of the
    machine every reading client has a long queue, and the longest is just
    the one with the most followed entities).

    Example::

        victim = longest_stalled(outboxes, loop.time())
    """
    best: Q | None = None
    best_key = (0.0, 0)
    for queue in queues:
        if queue.queued <= 0:
            continue
        key = (queue.stalled_for(now), queue.queued)
        if best is None or key > best_key:
            best, best_key = queue, key
    return best
