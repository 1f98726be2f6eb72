"""Undo and redo for a store: the values it had, as fritz2's ``history``.

:func:`history` follows a store's ``data`` and remembers each value the store
leaves behind (up to ``limit``). :meth:`History.back` writes the previous value
into the store through its ``update`` handler, :meth:`History.forward` the one
undone last. ``can_back`` and ``can_forward`` are state flows for enabling
buttons.

Semantics:

* Every change of the store counts, wherever it comes from: a handler, a
  sub-store, or the server through ``sync_with``. An undo is an ordinary new
  change: with ``sync_with`` it is sent to the server like any edit, and other
  clients see the older value come back (there is no shared undo stack).
* A new change that is not an undo or redo clears the redo list, as in every
  editor.
* Values are recognised by identity: the value :meth:`back` wrote is known
  when it arrives, even if the store applies it later (after an async handler
  still running). A change from elsewhere applied before it is remembered as
  a value the store had (one more ``back()`` reaches it).

Example::

    store = RootStore("")
    edits = history(store, limit=50)
    store.update("a")
    store.update("ab")
    edits.back()                # store.current == "a"
    edits.forward()             # store.current == "ab"
    button("Undo", disabled=edits.can_back.map(lambda ok: not ok)).clicks.handled_by(
        lambda _: edits.back()
    )
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, TypeVar

from ._generic import Generic
from .flows import MutableStateFlow, StateFlow
from .store import Store

__all__ = ["History", "history"]

T = TypeVar("T")

_NOTHING: Any = object()


class History(Generic[T]):
    """The past (and undone) values of one store; made by :func:`history`."""

    def __init__(self, store: Store[T], *, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self._store = store
        self._past: deque[T] = deque(maxlen=limit)
        self._future: list[T] = []
        self._current: T = _NOTHING
        # Values written by back()/forward() and not yet seen on data.
        self._expected: list[T] = []
        self._can_back = MutableStateFlow(False)
        self._can_forward = MutableStateFlow(False)
        self._stopped = False
        self._task: asyncio.Task[None] | None = store.data.on_each(self._seen).watch()

    @property
    def can_back(self) -> StateFlow[bool]:
        """Whether :meth:`back` has a value to go back to."""
        return self._can_back

    @property
    def can_forward(self) -> StateFlow[bool]:
        """Whether :meth:`forward` has an undone value to redo."""
        return self._can_forward

    @property
    def past(self) -> list[T]:
        """The remembered values, oldest first (not including the current one)."""
        return list(self._past)

    def back(self) -> None:
        """Write the previous value into the store (undo); nothing if there is none."""
        if not self._past:
            return
        value = self._past.pop()
        if self._current is not _NOTHING:
            self._future.append(self._current)
        self._write(value)

    def forward(self) -> None:
        """Write the value undone last into the store (redo); nothing if there is none."""
        if not self._future:
            return
        value = self._future.pop()
        if self._current is not _NOTHING:
            self._past.append(self._current)
        self._write(value)

    def clear(self) -> None:
        """Forget every remembered value (the store keeps its value)."""
        self._past.clear()
        self._future.clear()
        self._refresh()

    def stop(self) -> None:
        """Stop following the store."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _write(self, value: T) -> None:
        self._current = value
        self._expected.append(value)
        self._refresh()
        self._store.update(value)

    def _seen(self, value: T) -> None:
        if self._stopped:
            return
        for index, expected in enumerate(self._expected):
            if expected is value:
                # Our own undo/redo arriving (perhaps after other changes).
                del self._expected[: index + 1]
                self._current = value
                return
        if self._expected:
            # A change from elsewhere applied before our pending undo/redo:
            # a value the store had, so it is remembered, and the redo list
            # no longer applies.
            self._past.append(value)
            self._future.clear()
        elif self._current is _NOTHING:
            self._current = value
        elif value is not self._current and value != self._current:
            self._past.append(self._current)
            self._future.clear()
            self._current = value
        self._refresh()

    def _refresh(self) -> None:
        self._can_back.value = bool(self._past)
        self._can_forward.value = bool(self._future)


def history(store: Store[T], *, limit: int = 100) -> History[T]:
    """Follow ``store`` and remember up to ``limit`` of its past values.

    Needs a running event loop (it starts following at once).

    Args:
        store: the store (a root or a sub-store) whose changes are recorded.
        limit: how many past values are kept; older ones are forgotten.

    Raises:
        ValueError: ``limit`` is less than 1.

    Example::

        edits = history(person_store, limit=20)
        edits.back()
    """
    return History(store, limit=limit)
