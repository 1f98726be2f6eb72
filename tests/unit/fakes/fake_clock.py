"""A fake clock for code that schedules with ``call_later``: time moves only when a test says.

``advance(seconds)`` runs every timer that falls due, in due order (ties in
the order they were scheduled), with ``time()`` set to each timer's due time,
including timers scheduled by the callbacks themselves. No real sleeps.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

__all__ = ["FakeClock", "FakeTimer"]


class FakeTimer:
    """A scheduled call; ``cancel()`` stops it, as ``asyncio.TimerHandle``."""

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """Implements ``pyfritz.reconnect.Clock``: ``time()`` and ``call_later()``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._timers: list[tuple[float, int, FakeTimer]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], object], /) -> FakeTimer:
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        timer = FakeTimer(self.now + delay, callback)
        heapq.heappush(self._timers, (timer.when, next(self._order), timer))
        return timer

    @property
    def pending(self) -> list[float]:
        """The delays from now of the timers still to run, soonest first."""
        return sorted(t.when - self.now for _, _, t in self._timers if not t.cancelled)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, running the timers that fall due."""
        end = self.now + seconds
        while self._timers and self._timers[0][0] <= end:
            when, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self.now = when
            timer.callback()
        self.now = end

    def run_due(self) -> None:
        """Run the timers due now (those scheduled with delay 0), and no later ones."""
        self.advance(0.0)
