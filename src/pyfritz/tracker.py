"""Busy states: a flow of "is something running?" for spinners and disabled buttons.

A :class:`Tracker` counts the operations running under it. Wrap the slow part
of an async handler in ``with tracker("saving"):`` (or ``async with``), bind
``tracker.data`` to a spinner or a button's ``disabled``, and the UI shows the
work while it lasts, however it ends (an exception leaves the block too).
Operations may overlap: ``data`` is ``True`` while at least one runs, and
``running`` names them.

This is fritz2's ``tracker()``/``track``, with a ``with`` block instead of a
lambda.

Example::

    saving = tracker()

    class TodoStore(RootStore[list[Todo]]):
        @handler
        async def save(self, todos: list[Todo]) -> list[Todo]:
            with saving("saving"):
                await api.save(todos)
            return todos

    button("Save", disabled=saving.data).clicks.handled_by(store.save)
    span("Saving…", classes={"hidden": saving.data.map(lambda busy: not busy)})
"""

from __future__ import annotations

from collections import Counter
from types import TracebackType

from .flows import MutableStateFlow, StateFlow

__all__ = ["Tracker", "tracker"]


class Tracker:
    """Counts running operations; made by :func:`tracker`."""

    def __init__(self) -> None:
        self._names: Counter[str] = Counter()
        self._busy = MutableStateFlow(False)
        self._running: MutableStateFlow[tuple[str, ...]] = MutableStateFlow(())

    @property
    def data(self) -> StateFlow[bool]:
        """``True`` while at least one operation runs."""
        return self._busy

    @property
    def running(self) -> StateFlow[tuple[str, ...]]:
        """The names of the running operations, sorted (a name once however often it runs)."""
        return self._running

    @property
    def current(self) -> bool:
        """Whether an operation runs now."""
        return self._busy.value

    def __call__(self, name: str = "") -> _Operation:
        """One operation named ``name``, for ``with`` or ``async with``."""
        return _Operation(self, name)

    def _start(self, name: str) -> None:
        self._names[name] += 1
        self._publish()

    def _end(self, name: str) -> None:
        self._names[name] -= 1
        if self._names[name] <= 0:
            del self._names[name]
        self._publish()

    def _publish(self) -> None:
        self._running.value = tuple(sorted(self._names))
        self._busy.value = bool(self._names)


class _Operation:
    """One tracked operation: ``with`` and ``async with`` both work."""

    __slots__ = ("_name", "_tracker")

    def __init__(self, tracker: Tracker, name: str) -> None:
        self._tracker = tracker
        self._name = name

    def __enter__(self) -> None:
        self._tracker._start(self._name)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tracker._end(self._name)

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)


def tracker() -> Tracker:
    """Make a :class:`Tracker` with nothing running.

    Example::

        loading = tracker()
        with loading("fetch"):
            ...
        loading.current   # False again
    """
    return Tracker()
