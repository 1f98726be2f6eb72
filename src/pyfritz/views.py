"""Filtered and sorted views of a list store whose rows stay sub-stores of the store.

``render_each`` over a store gives each row a sub-store of its element, so a
row edits its element in place. Over ``store.data.map(filter)`` it would only
get plain values. A :class:`ListView` keeps both: :func:`view` shows some of a
list store's elements, in some order, and ``render_each(view(...), ...)``
still hands every row ``store.sub_by_id(id, key)`` of the *whole* list, so an
edit in a row lands in the right element however the view is filtered or
sorted (and a row that stops matching the filter leaves the view).

The filter may be a flow of predicates (e.g. derived from the router), so the
view follows both the list and the filter.

Example::

    shown = view(
        items,
        filter=nav.data.map(lambda route: PREDICATES[route.path]),
        sort=lambda todo: todo.done,
    )
    with ul():
        render_each(shown, id=lambda t: t.id, item=row)   # row gets SubStore[Todo]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from ._generic import Generic
from .operators import Flow, combine
from .store import Store, SubStore

__all__ = ["ListView", "view"]

T = TypeVar("T")

Predicate = Callable[[T], object]


class ListView(Generic[T]):
    """Some of a list store's elements, in some order; made by :func:`view`.

    Read-only as a whole (``data``); its rows are written through
    :meth:`sub_by_id`, i.e. through the underlying store.
    """

    def __init__(
        self,
        store: Store[list[T]] | Store[tuple[T, ...]],
        *,
        filter: Predicate[T] | Flow[Predicate[T]] | None,
        sort: Callable[[T], Any] | None,
        reverse: bool,
    ) -> None:
        if not isinstance(store, Store):
            raise TypeError(f"view() takes a store of a list, not {type(store).__name__}")
        if filter is not None and not (callable(filter) or isinstance(filter, Flow)):
            raise TypeError("filter must be a function or a flow of functions")
        self.store: Store[Any] = store
        self._filter = filter
        self._sort = sort
        self._reverse = reverse

    @property
    def data(self) -> Flow[list[T]]:
        """The shown elements, on every change of the list (or of the filter)."""
        if isinstance(self._filter, Flow):
            return combine(self.store.data, self._filter).map(lambda pair: self._apply(*pair))
        predicate = self._filter
        return self.store.data.map(lambda items: self._apply(items, predicate))

    def sub_by_id(self, id_fn: Callable[[T], Hashable], id_value: Hashable) -> SubStore[T]:
        """A sub-store of the element with that id, in the whole list (see ``Store.sub_by_id``)."""
        row: SubStore[T] = self.store.sub_by_id(id_fn, id_value)
        return row

    def _apply(self, items: Sequence[T], predicate: Predicate[T] | None) -> list[T]:
        shown = [item for item in items if predicate(item)] if predicate else list(items)
        if self._sort is not None:
            shown.sort(key=self._sort, reverse=self._reverse)
        elif self._reverse:
            shown.reverse()
        return shown

    def __repr__(self) -> str:
        return f"<ListView of {self.store!r}>"


def view(
    store: Store[list[T]] | Store[tuple[T, ...]],
    *,
    filter: Predicate[T] | Flow[Predicate[T]] | None = None,
    sort: Callable[[T], Any] | None = None,
    reverse: bool = False,
) -> ListView[T]:
    """A filtered and/or sorted view of a list store, for ``render_each``.

    Args:
        store: a store (root or sub-store) of a list or tuple.
        filter: which elements to show: a predicate, or a flow of predicates.
        sort: a key function to order the shown elements (a stable sort).
        reverse: reverse the order.

    Raises:
        TypeError: ``store`` is not a store, or ``filter`` is neither a
            function nor a flow.

    Example::

        open_first = view(items, sort=lambda todo: todo.done)
        render_each(open_first, id=lambda t: t.id, item=row)
    """
    return ListView(store, filter=filter, sort=sort, reverse=reverse)
