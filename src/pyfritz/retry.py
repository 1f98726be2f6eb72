"""When to reconnect: the :class:`Reconnect` policy and its :class:`Backoff` schedule.

Pure and clock-free: :class:`Backoff` only answers "retry?" and "after how
long?"; :class:`pyfritz.reconnect.ReconnectingSession` acts on the answers.

Why these rules (the usual ones of robust WebSocket clients):

* Exponential backoff with *full* jitter (``uniform(0, min(cap, initial *
  factor**attempt))``) spreads the reconnects of many clients after a server
  restart instead of having them stampede in lock-step.
* The retry counter resets only after a connection stayed up ``stable_after``
  seconds, so a server that accepts and then drops at once still backs off.
* A connection still connecting after ``connect_timeout`` is given up on,
  and an app-level heartbeat finds half-open connections, which TCP alone may
  not notice for minutes.

Errors: :class:`ReconnectFailed` (gave up after ``max_retries``); bad options
raise ``ValueError``/``TypeError``.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable
from typing import Literal

from ._record import Record, record
from .errors import ConnectionException
from .links import CloseLike

__all__ = ["DEFAULT_NO_RETRY_CODES", "Backoff", "Reconnect", "ReconnectFailed"]

#: Close codes after which retrying cannot help (RFC 6455 section 7.4.1): 1002
#: protocol error and 1003 unsupported data (this client speaks something the
#: server will refuse again), 1008 policy violation (authentication, a refused
#: ``Origin`` or a ban). A browser sees a handshake refused before ``accept``
#: (HTTP 403) as 1006, which is retried: the page cannot tell it from an outage.
DEFAULT_NO_RETRY_CODES: frozenset[int] = frozenset({1002, 1003, 1008})


def _number(name: str, value: object, minimum: float, *, strict: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"Reconnect.{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        raise ValueError(
            f"Reconnect.{name} must be {'>' if strict else '>='} {minimum}, got {value}"
        )


def _count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Reconnect.{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"Reconnect.{name} must be >= 0, got {value}")


# A frozen dataclass, written out (see pyfritz._record: a page defines it at start).
@record(frozen=True)
class Reconnect(Record):
    """How a :class:`ReconnectingSession` reconnects; immutable, validated on creation.

    Args:
        initial: the first retry waits up to this many seconds.
        factor: each further retry may wait this many times longer.
        cap: no retry waits longer than this.
        max_retries: give up after this many retries in a row; ``None`` never gives up.
        connect_timeout: a connection still connecting after this is given up on
            and counts as a failed attempt.
        stable_after: the retry counter resets only after a connection stayed
            open this long.
        no_retry_codes: close codes that end the session instead of a retry
            (a ``set`` or ``tuple`` is accepted too); see :data:`DEFAULT_NO_RETRY_CODES`.
        jitter: ``"full"`` waits a uniform random time up to the schedule's
            ceiling; ``"none"`` waits the ceiling itself (predictable, for tests
            and single clients).
        max_queued: how many frames sent while disconnected may wait for the
            connection; one more raises ``SendException``. ``0`` queues none.
        heartbeat: ``(interval, timeout)`` in seconds, or ``None`` for no
            heartbeat: every ``interval`` send ``{"op":"ping","t":...}`` and
            give the connection up (and reconnect) when nothing at all arrives
            within ``timeout``. Needs ``0 < timeout <= interval`` and a server
            that answers pings (the bundled sync server does, with ``pong``).

    Raises:
        ValueError: a value is out of range.
        TypeError: a value has the wrong type.

    Example::

        policy = Reconnect(max_retries=10, heartbeat=(20.0, 5.0))
    """

    initial: float
    factor: float
    cap: float
    max_retries: int | None
    connect_timeout: float
    stable_after: float
    no_retry_codes: frozenset[int]
    jitter: Literal["full", "none"]
    max_queued: int
    heartbeat: tuple[float, float] | None

    def __init__(
        self,
        initial: float = 0.25,
        factor: float = 2.0,
        cap: float = 10.0,
        max_retries: int | None = None,
        connect_timeout: float = 10.0,
        stable_after: float = 5.0,
        no_retry_codes: frozenset[int] = DEFAULT_NO_RETRY_CODES,
        jitter: Literal["full", "none"] = "full",
        max_queued: int = 1000,
        heartbeat: tuple[float, float] | None = None,
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "initial", initial)
        setattr_(self, "factor", factor)
        setattr_(self, "cap", cap)
        setattr_(self, "max_retries", max_retries)
        setattr_(self, "connect_timeout", connect_timeout)
        setattr_(self, "stable_after", stable_after)
        setattr_(self, "no_retry_codes", no_retry_codes)
        setattr_(self, "jitter", jitter)
        setattr_(self, "max_queued", max_queued)
        setattr_(self, "heartbeat", heartbeat)
        self.__post_init__()

    def __post_init__(self) -> None:
        _number("initial", self.initial, 0, strict=True)
        _number("factor", self.factor, 1)
        _number("cap", self.cap, self.initial)
        if self.max_retries is not None:
            _count("max_retries", self.max_retries)
        _number("connect_timeout", self.connect_timeout, 0, strict=True)
        _number("stable_after", self.stable_after, 0)
        codes: object = self.no_retry_codes
        if isinstance(codes, set | tuple | list):
            codes = frozenset(codes)
            object.__setattr__(self, "no_retry_codes", codes)
        if not isinstance(codes, frozenset):
            raise TypeError(f"Reconnect.no_retry_codes must be a frozenset, got {codes!r}")
        for code in codes:
            if isinstance(code, bool) or not isinstance(code, int) or not 1000 <= code <= 4999:
                raise ValueError(f"Reconnect.no_retry_codes: {code!r} is not a close code")
        if self.jitter not in ("full", "none"):
            raise ValueError(f"Reconnect.jitter must be 'full' or 'none', got {self.jitter!r}")
        _count("max_queued", self.max_queued)
        if self.heartbeat is not None:
            if not isinstance(self.heartbeat, tuple) or len(self.heartbeat) != 2:
                raise TypeError("Reconnect.heartbeat must be an (interval, timeout) tuple or None")
            interval, timeout = self.heartbeat
            _number("heartbeat interval", interval, 0, strict=True)
            _number("heartbeat timeout", timeout, 0, strict=True)
            if timeout > interval:
                raise ValueError(
                    f"Reconnect.heartbeat timeout ({timeout}) must not exceed its "
                    f"interval ({interval})"
                )


class Backoff:
    """The retry schedule of a :class:`Reconnect` policy, with its retry counter.

    Pure arithmetic; the randomness comes in as a ``random`` callable returning
    a float in ``[0, 1)`` (``random.random`` by default), so tests pin it.

    Example::

        backoff = Backoff(Reconnect(initial=1.0, cap=8.0))
        assert [backoff.ceiling(n) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
        delay = backoff.retry()    # 0 <= delay < 1.0, and backoff.attempt == 1
    """

    def __init__(self, policy: Reconnect | None = None) -> None:
        self._policy = policy if policy is not None else Reconnect()
        self._attempt = 0

    def __repr__(self) -> str:
        return f"<Backoff attempt={self._attempt}>"

    @property
    def policy(self) -> Reconnect:
        """The policy this schedule follows."""
        return self._policy

    @property
    def attempt(self) -> int:
        """How many retries were counted since the last :meth:`reset`."""
        return self._attempt

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt`` (0-based).

        That is ``min(cap, initial * factor**attempt)``.

        Raises:
            ValueError: ``attempt`` is negative.
        """
        if attempt < 0:
            raise ValueError(f"attempt must be >= 0, got {attempt}")
        policy = self._policy
        try:
            return min(policy.cap, policy.initial * policy.factor**attempt)
        except OverflowError:  # factor**attempt beyond float range: long past the cap
            return policy.cap

    def next_delay(self, attempt: int, random: Callable[[], float] = _random.random) -> float:
        """The wait before retry number ``attempt`` (0-based), jittered by the policy.

        With full jitter this is ``ceiling(attempt) * random()``, which is
        ``uniform(0, ceiling(attempt))``. Does not count anything.
        """
        ceiling = self.ceiling(attempt)
        return ceiling * random() if self._policy.jitter == "full" else ceiling

    def should_retry(self, close_code: int | None = None) -> bool:
        """Whether to retry after a close with ``close_code``: not a no-retry code, retries left."""
        policy = self._policy
        if close_code is not None and close_code in policy.no_retry_codes:
            return False
        return policy.max_retries is None or self._attempt < policy.max_retries

    def retry(self, random: Callable[[], float] = _random.random) -> float:
        """Count one more retry and return how long to wait before it."""
        delay = self.next_delay(self._attempt, random)
        self._attempt += 1
        return delay

    def reset(self) -> None:
        """Start the schedule over (the connection proved stable)."""
        self._attempt = 0


class ReconnectFailed(ConnectionException):
    """The session gave up: ``max_retries`` retries in a row failed.

    ``retries`` is how many were made; ``last_code`` the close code of the last
    connection (``None`` if it was given up on by a timeout).
    """

    def __init__(self, url: str, retries: int, last_close: CloseLike | None) -> None:
        detail = f"gave up after {retries} {'retry' if retries == 1 else 'retries'}"
        if last_close is not None:
            detail += f" (last close code {last_close.code})"
        super().__init__(url, detail)
        self.retries = retries
        self.last_code = None if last_close is None else last_close.code
