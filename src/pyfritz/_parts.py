"""A sub-store's ``data``: one shared subscription to the part of its parent.

Private to :mod:`pyfritz.store`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .hot import StateFlow
from .operators import Flow
from .sinks import _COMPLETE, _ERROR, _NEXT

__all__ = ["MISSING", "PartFlow"]


class PartFlow(StateFlow[Any]):
    """A sub-store's ``data``: one subscription upstream, shared by all its collectors.

    Why shared: every row of a keyed list collects its sub-store's data, often
    more than once; a chain per collector would run the lens once per
    collector on every change of the parent. Shared, a change costs one lens
    read per sub-store, and a change elsewhere in the root stops at the first
    sub-store whose part did not change (issue 13: flat with rows on the page).
    Connects with its first collector and lets go with its last (Svelte's
    derived stores); a part that is gone (a removed row) is not emitted, and
    a new collector then gets nothing until it is back.
    """

    def __init__(self, source: Flow[Any], part: Callable[[Any], object]) -> None:
        super().__init__(MISSING, on_start=self._connect, on_stop=self._disconnect)
        self._source = source
        self._part = part
        self._upstream: Callable[[], None] | None = None
        self._connecting = False

    def __repr__(self) -> str:
        return f"<sub-store data {self._value!r}>"

    def _connect(self) -> None:
        self._connecting = True  # the first value is the greeting's, not a push
        try:
            self._upstream = self._source._subscribe(self)
        finally:
            self._connecting = False
        if self._upstream is None:
            raise TypeError(f"a sub-store needs a hot source, not {self._source!r}")

    def _disconnect(self) -> None:
        upstream, self._upstream = self._upstream, None
        self._value = MISSING  # read afresh when a collector comes again
        if upstream is not None:
            upstream()

    def _greet(self, sink: Any) -> None:
        if self._value is not MISSING:
            self._send(sink, self._value)

    # The sink of the upstream subscription.
    def on_next(self, value: Any) -> None:
        part = self._part(value)
        if part is MISSING:
            self._value = MISSING
            return
        old = self._value
        try:
            if old is part or (old is not MISSING and bool(old == part)):
                return
        except Exception:  # uncomparable parts count as changed
            pass
        self._value = part
        if self._sinks and not self._connecting:
            self._push(_NEXT, part)

    def on_error(self, exc: BaseException) -> None:
        self._push(_ERROR, exc)

    def on_complete(self) -> None:
        self._push(_COMPLETE, None)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()
