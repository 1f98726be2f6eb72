"""A sub-store's ``data``: one shared subscription to the part of its parent.

:class:`PartFlow` is the ``data`` of every sub-store. A sub-store of a list
element (``sub_by_id``, the rows of ``render_each``) does not subscribe to the
list itself but to the list's :class:`Routes`, which tells it about a change
of the list only when its element changed (issue 13: adding a row to a list
of 300 costs what adding a row to a list of 10 costs).

Private to :mod:`pyfritz.store`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from ._generic import Protocol
from .hot import StateFlow
from .reporting import report
from .sinks import _COMPLETE, _ERROR, _NEXT, Sink, Unsubscribe, _ended

__all__ = ["MISSING", "PartFlow", "Routes"]


class Upstream(Protocol):
    """What a :class:`PartFlow` follows: a hot flow, or one element's route."""

    def _subscribe(self, sink: Sink[Any]) -> Unsubscribe | None: ...


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

    def __init__(self, source: Upstream, part: Callable[[Any], object]) -> None:
        super().__init__(MISSING)  # _on_start and _on_stop are methods here
        self._source = source
        self._part = part
        self._upstream: Callable[[], None] | None = None
        self._connecting = False

    def __repr__(self) -> str:
        return f"<sub-store data {self._value!r}>"

    def _on_start(self) -> None:
        self._connecting = True  # the first value is the greeting's, not a push
        try:
            self._upstream = self._source._subscribe(self)
        finally:
            self._connecting = False
        if self._upstream is None:
            raise TypeError(f"a sub-store needs a hot source, not {self._source!r}")

    def _on_stop(self) -> None:
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


class _Unroute:
    """Ends one sub-store's route: one object, not a closure and its cells."""

    __slots__ = ("_key", "_routes", "_sink")

    def __init__(self, routes: Routes, key: Hashable, sink: Sink[Any]) -> None:
        self._routes = routes
        self._key = key
        self._sink = sink

    def __call__(self) -> None:
        self._routes._unsubscribe(self._key, self._sink)


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


class Routes:
    """The changes of one list, routed to the sub-stores of its elements by id.

    Every sub-store made by ``sub_by_id(id_fn, key)`` on one store (the rows
    of a ``render_each``) subscribes here under its ``key`` instead of to the
    list. On a change, the elements outside :func:`~pyfritz.keyed.changed_window`
    are the same (or equal) objects as before, so only the sub-stores of the ids
    inside it (old and new) hear of it; an id that cannot be read or hashed
    sends the change to all of them, as if there were no routes. Connects to
    the list with its first subscriber, lets go with its last, then calls
    ``on_idle`` (the store forgets it).
    """

    def __init__(
        self,
        source: StateFlow[Any],
        id_fn: Callable[[Any], object],
        on_idle: Callable[[], object],
    ) -> None:
        self._source = source
        self._id = id_fn
        self._on_idle = on_idle
        self._sinks: dict[Hashable, tuple[Sink[Any], ...]] = {}
        self._count = 0
        self._items: Any = MISSING
        self._upstream: Unsubscribe | None = None

    def __repr__(self) -> str:
        return f"<routes of {self._source!r} to {self._count} sub-stores>"

    def subscribe(self, key: Hashable, sink: Sink[Any]) -> Unsubscribe:
        """Send ``sink`` the list now (if any), then each change of ``key``'s element."""
        if self._upstream is None:
            self._upstream = self._source._subscribe(self)  # greets: sets _items
            if self._upstream is None:
                raise TypeError(f"a sub-store needs a hot source, not {self._source!r}")
        self._sinks[key] = (*self._sinks.get(key, ()), sink)
        self._count += 1
        # The list as it is now, also while the list is being delivered and
        # these routes have not had it yet (a row built by render_each).
        current = self._source._value
        if current is not MISSING:
            sink.on_next(current)
        return _Unroute(self, key, sink)

    def _unsubscribe(self, key: Hashable, sink: Sink[Any]) -> None:
        sinks = self._sinks.get(key, ())
        kept = tuple(s for s in sinks if s is not sink)
        if len(kept) == len(sinks):
            return
        if kept:
            self._sinks[key] = kept
        else:
            del self._sinks[key]
        self._count -= 1
        if not self._count:
            upstream, self._upstream = self._upstream, None
            self._items = MISSING
            if upstream is not None:
                upstream()
            self._on_idle()

    # The sink of the list's subscription.
    def on_next(self, items: Any) -> None:
        old, self._items = self._items, items
        if not self._sinks:
            return
        try:
            keys = self._changed_keys(old, items)
        except Exception:  # an id that cannot be read or hashed: tell every row
            keys = None
        sinks = self._sinks
        if keys is None:
            targets = [sink for group in sinks.values() for sink in group]
        else:
            targets = [sink for key in keys if key in sinks for sink in sinks[key]]
        for sink in targets:
            try:
                sink.on_next(items)
            except Exception as exc:  # a broken sink must not break the others
                self._unsubscribe_anywhere(sink)
                report(exc, f"a subscriber of {self!r} failed")

    def _changed_keys(self, old: Any, new: Any) -> set[Hashable] | None:
        """The ids of the elements that changed, or ``None``: every one may have."""
        if not isinstance(old, (list, tuple)) or not isinstance(new, (list, tuple)):
            return None
        # Imported here, once per list change: a page without keyed lists
        # never loads pyfritz.keyed (start-up, issue 13).
        from .keyed import changed_window

        head, old_end, new_end = changed_window(old, new)
        id_fn = self._id
        keys: set[Hashable] = {id_fn(element) for element in old[head:old_end]}
        keys.update(id_fn(element) for element in new[head:new_end])
        return keys

    def _unsubscribe_anywhere(self, sink: Sink[Any]) -> None:
        for key, group in list(self._sinks.items()):
            if sink in group:
                self._unsubscribe(key, sink)
                return

    def on_error(self, exc: BaseException) -> None:
        self._end(exc)

    def on_complete(self) -> None:
        self._end(None)

    def _end(self, exc: BaseException | None) -> None:
        sinks, self._sinks = self._sinks, {}
        self._count = 0
        self._upstream = None
        self._on_idle()
        for group in sinks.values():
            for sink in group:
                _ended(sink, exc)
