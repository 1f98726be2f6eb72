"""``render_each``: a keyed list of rows, each built once and moved, not rebuilt.

Built on the scopes and bindings of :mod:`pyfritz._mount`; :mod:`pyfritz.dom`
re-exports :func:`render_each`. A change of the list is diffed only where
the old and new lists differ (:func:`pyfritz.keyed.changed_window`), the
fewest rows move (:func:`pyfritz.keyed.diff`), and new rows are inserted
with one DOM call per run.

Example::

    from pyfritz.dom import li, render, render_each, ul

    def app() -> None:
        with ul():
            render_each(todos, id=lambda t: t.id, item=lambda todo: li(todo.data.map(str)))

    render("#app", app)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from itertools import count
from typing import Any, TypeVar, overload

from . import _js, _mount
from ._batch import _Batch, _Pending, take_nodes
from ._element import Element
from ._mount import (
    _bind,
    _build,
    _check_result,
    _context,
    _doc,
    _outside_slot,
    _parents,
    _Scope,
    _Slot,
)
from .flows import Flow, report
from .keyed import Step, changed_window, diff
from .sinks import _PLAIN
from .store import Store, SubStore
from .views import ListView

__all__ = ["render_each"]

T = TypeVar("T")


def _focus_within(parent: Any) -> tuple[Any, Any, Any, Any] | None:
    """The focused element under ``parent`` and its selection, or ``None``."""
    active = _doc().activeElement
    if active is None or active == parent or not parent.contains(active):
        return None
    # Text fields have a selection; other elements (and some input types,
    # where it is null) have none to keep.
    start = getattr(active, "selectionStart", None)
    end = getattr(active, "selectionEnd", None)
    return active, start, end, getattr(active, "selectionDirection", None)


def _restore_focus(element: Any, start: Any, end: Any, direction: Any) -> None:
    """Focus ``element`` again and restore its selection, if a move blurred it."""
    if _doc().activeElement == element or not element.isConnected:
        return
    element.focus()
    if start is not None and end is not None:
        element.setSelectionRange(start, end, direction or "none")


class _Row(_Scope, _Pending):
    """One row: the scope of what its item function built, its node and its value.

    One object per row, not a scope and a record of it (a first render
    makes a thousand). Its list disposes it (:meth:`_Rows.dispose`), so it
    is no child of the list's scope. Its node is a :class:`_Pending`'s: the
    row takes over its element's recorded place (:meth:`adopt`), so the
    element object is garbage once the row is built unless the item
    function kept it: one object per row for the garbage collector, not
    two (issue 13: a first render's collections cost more than its rows).
    """

    __slots__ = ("_index", "_node", "value")

    def __init__(self, value: Any) -> None:
        # _Scope.__init__ without a parent, inlined (a first render makes a
        # thousand rows); whoever makes rows counts them in _mount._live_scopes.
        self._cleanups: list[Callable[[], object]] | None = None
        self._children: dict[_Scope, None] | None = None
        self._parent = None
        self.disposed = False
        self._node = None  # the node, or the _Chunk its element is recorded in
        self._index = 0
        self.value = value

    def adopt(self, root: Any) -> None:
        """Take ``root`` (the row's node, or its element) as the row's node."""
        if isinstance(root, _Pending):
            self._node = root._node
            self._index = root._index
        else:
            self._node = root


class _Rows:
    """The rows of one render_each: keyed nodes before an end marker."""

    def __init__(
        self,
        scope: _Scope,
        end: Any,
        id_fn: Callable[[Any], Hashable],
        item: Callable[[Any], object],
        store: Store[Any] | ListView[Any] | None,
    ) -> None:
        self._scope = scope
        self._end = end
        self._id = id_fn
        self._item = item
        self._store = store
        self._rows: dict[Hashable, _Row] = {}
        self._order: list[Hashable] = []
        self._items: list[Any] | tuple[Any, ...] = []

    def update(self, items: Any) -> None:
        if type(items) is not tuple:
            items = list(items)  # a copy: a list may be changed in place after
        old_items = self._items
        # Elements that are the same (the same objects, or equal) at the start
        # and at the end of both lists keep their rows as they are: only the
        # window between is diffed, so adding, removing or changing one row of
        # a long list costs one row (issue 13), not one Python step per row.
        # The lists are compared a run at a time, in C.
        head, old_end, new_end = changed_window(old_items, items)
        if head == old_end and head == new_end:
            return
        order = self._order
        old_keys = order[head:old_end]
        window = items[head:new_end]
        keys = [self._id(item) for item in window]
        rows = self._rows
        # The window ends before the first row after it (or the end marker).
        last = self._end if old_end == len(order) else rows[order[old_end]].node
        if not old_keys:  # only new rows (a first render, an add): no diff needed
            if len(set(keys)) != len(keys) or not rows.keys().isdisjoint(keys):
                raise ValueError(f"duplicate key in the new list: {_first_duplicate(keys, rows)!r}")
            self._new_rows(keys, window, head, last)
            order[head:old_end] = keys
            self._items = items
            return
        patch = diff(old_keys, keys)  # ValueError on duplicate ids: reported, no change
        leaving = set(patch.removed)
        for step in patch.steps:
            if step.action == "insert" and step.key in rows and step.key not in leaving:
                raise ValueError(f"duplicate key in the new list: {step.key!r}")
        for key in patch.removed:
            row = rows.pop(key)
            row.dispose()
            row.node.remove()
        by_key = dict(zip(keys, window, strict=True))
        if self._store is None:
            # Plain values: a kept row whose value changed is rebuilt in place.
            for key in old_keys:
                kept = rows.get(key)
                if kept is None:
                    continue
                new_value = by_key[key]
                if kept.value is not new_value and kept.value != new_value:
                    fresh = self._row(key, new_value)
                    kept.node.replaceWith(fresh.node)
                    kept.dispose()
                    rows[key] = fresh
        self._apply(patch.steps, by_key, last)
        order[head:old_end] = keys
        self._items = items

    def _apply(self, steps: list[Step[Hashable]], by_key: dict[Hashable, Any], last: Any) -> None:
        """Insert and move rows; a run of inserts before one node is one DOM call."""
        rows = self._rows
        parent = self._end.parentNode
        moves = any(step.action == "move" for step in steps)
        move = getattr(parent, "moveBefore", None) if moves else None
        if move is not None and not parent.isConnected:
            move = None
        # Without moveBefore (WebKit), insertBefore blurs a focused field in
        # a moved row: note the focus and caret here, put them back after.
        focus = _focus_within(parent) if moves and move is None else None
        if moves:
            # A reorder moves most rows: take the nodes of rows made in one
            # call (pyfritz._batch) all at once rather than one by one.
            take_nodes(rows.values())
            if all(step.action == "move" for step in steps):
                # Only moves (a sort, a reverse): all of them in one JS call.
                nodes = [rows[step.key]._node for step in steps]
                refs = [last if step.before is None else rows[step.before]._node for step in steps]
                mover = _mover or _movers()
                for start in range(0, len(nodes), _BATCH):
                    end = start + _BATCH
                    mover(parent, nodes[start:end], refs[start:end], move is not None)
                if focus is not None:
                    _restore_focus(*focus)
                return
        run: list[Any] = []  # new nodes, right to left, all going before run_ref
        run_ref = last
        run_key: Hashable = None  # the leftmost key of the run so far
        for step in steps:
            if step.action == "insert":
                node = self._new_row(step.key, by_key[step.key])
                if run and step.before is not None and step.before == run_key:
                    run.append(node)  # right before the run's leftmost node
                else:
                    _insert_all(run[::-1], run_ref)
                    run = [node]
                    run_ref = last if step.before is None else rows[step.before].node
                run_key = step.key
                continue
            ref = last if step.before is None else rows[step.before].node
            _insert_all(run[::-1], run_ref)
            run = []
            if move is not None:
                # moveBefore keeps focus, selection and running animations;
                # insertBefore would blur a focused input inside the row.
                move(rows[step.key].node, ref)
            else:
                parent.insertBefore(rows[step.key].node, ref)
        _insert_all(run[::-1], run_ref)
        if focus is not None:
            _restore_focus(*focus)

    def _new_rows(self, keys: list[Hashable], values: list[Any], head: int, ref: Any) -> None:
        """Build the rows of new keys (the ``head``-th element first); insert them before ``ref``.

        What :meth:`_row` does for one row, for many in one loop: a first
        render builds a thousand rows, and each step saved here is saved
        a thousand times (issue 13). Their static elements are recorded and
        made, and the rows inserted, in one JS call (:mod:`pyfritz._batch`).
        """
        item, store, id_fn = self._item, self._store, self._id
        element = store._element if isinstance(store, Store) else None
        rows = self._rows
        batch = _Batch()
        slot = _Slot(batch)
        nodes = slot.nodes  # each row's element (or its failure's comment), in order
        saved, depth = _mount._scope, len(_parents)
        _parents.append(slot)
        inner = depth + 1
        _mount._live_scopes += len(keys)  # the rows made below (_Row counts none)
        try:
            for index, key, value in zip(count(head), keys, values, strict=False):
                row = _mount._scope = _Row(value)
                made = index - head  # each row before this one left one node
                try:
                    if store is None:
                        result = item(value)
                    elif element is not None:
                        # Its element is at ``index``: its lens looks there first.
                        result = item(element(id_fn, key, index))
                    else:
                        result = item(store.sub_by_id(id_fn, key))
                    if len(_parents) != inner:
                        del _parents[inner:]  # a `with` left open (by a failure)
                    if type(result) not in _PLAIN:
                        _check_result(item, result)
                    if len(nodes) != made + 1:
                        raise ValueError(
                            "a render_each item must build exactly one element, "
                            f"got {len(nodes) - made}"
                        )
                    root = nodes[-1]
                    if type(root) is Element:
                        # The row takes the element's place; the element
                        # object is not kept (one object per row, not two).
                        row._node = root._node
                        row._index = root._index
                        nodes[-1] = row
                    else:
                        row.adopt(root)
                except Exception as exc:
                    del _parents[inner:]
                    del nodes[made:]
                    batch.mixed = True
                    row = self._failed(key, row, exc)
                    nodes.append(row._node)
                rows[key] = row
        finally:
            del _parents[depth:]
            _mount._scope = saved
        batch.insert(nodes, ref)

    def _failed(self, key: Hashable, row: _Row, exc: Exception) -> _Row:
        """A row that failed to build: reported, its scope gone; a comment stands in."""
        report(exc, f"pyfritz.dom: render_each item {key!r}")
        row.dispose()
        failed = _Row(row.value)
        _mount._live_scopes += 1
        failed._node = _doc().createComment(f"render_each: item {key!r} failed")
        return failed

    def dispose(self) -> None:
        """Dispose every row (the list's scope is going)."""
        rows, self._rows = self._rows, {}
        for row in rows.values():
            row.dispose()

    def _new_row(self, key: Hashable, value: Any, index: int | None = None) -> Any:
        """Build the row of a new key; return its node (not inserted yet)."""
        row = self._rows[key] = self._row(key, value, index)
        return row.node

    def _row(self, key: Hashable, value: Any, index: int | None = None) -> _Row:
        row = _Row(value)
        _mount._live_scopes += 1
        slot = _Slot()
        store = self._store
        arg: Any
        if store is None:
            arg = value
        elif isinstance(store, Store):
            # Its element is at ``index`` of the list: its lens looks there first.
            arg = store._element(self._id, key, index)
        else:
            arg = store.sub_by_id(self._id, key)
        try:
            _build(slot, row, self._item, arg)
            if len(slot.nodes) != 1:
                raise ValueError(
                    f"a render_each item must build exactly one element, got {len(slot.nodes)}"
                )
        except Exception as exc:
            return self._failed(key, row, exc)
        row.adopt(slot.nodes[0])
        return row


# How many nodes one ``before(...)`` call takes: engines cap a call's arguments.
_BATCH = 4096

_mover: Callable[[Any, list[Any], list[Any], bool], None] | None = None


def _movers() -> Callable[[Any, list[Any], list[Any], bool], None]:
    global _mover
    if _mover is None:
        _mover = _js.nodes_mover()
    return _mover


def _insert_all(nodes: list[Any], ref: Any) -> None:
    """Insert the nodes, in order, right before ``ref``: one DOM call per batch."""
    for start in range(0, len(nodes), _BATCH):
        ref.before(*nodes[start : start + _BATCH])


def _first_duplicate(keys: list[Hashable], rows: dict[Hashable, _Row]) -> Hashable:
    seen = set(rows)
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    return None


@overload
def render_each(
    source: Store[list[T]] | Store[tuple[T, ...]],
    /,
    *,
    id: Callable[[T], Hashable],
    item: Callable[[SubStore[T]], object],
) -> None: ...
@overload
def render_each(
    source: ListView[T],
    /,
    *,
    id: Callable[[T], Hashable],
    item: Callable[[SubStore[T]], object],
) -> None: ...
@overload
def render_each(
    source: Flow[list[T]] | Flow[tuple[T, ...]],
    /,
    *,
    id: Callable[[T], Hashable],
    item: Callable[[T], object],
) -> None: ...


def render_each(
    source: Store[Any] | ListView[Any] | Flow[Any],
    /,
    *,
    id: Callable[[Any], Hashable],
    item: Callable[[Any], object],
) -> None:
    """Render a list keyed by ``id``: on a change insert, remove and move only what changed.

    Each ``item`` call builds exactly one element (the row). When the list
    changes, rows of removed ids are disposed and removed, rows of new ids
    are built, and the fewest rows are moved to the new order (see
    :mod:`pyfritz.keyed`); every other row stays where it is, with its focus
    and input state.

    What ``item`` receives:

    * ``source`` is a store of a list: a sub-store of the row's element
      (``store.sub_by_id(id, key)``). The row is built once per id and
      follows its element through the sub-store's flows; use this for rows
      that edit their element.
    * ``source`` is a :func:`~pyfritz.views.view` of a list store (filtered,
      sorted): the same sub-store of the element in the whole list.
    * ``source`` is a flow of lists: the element itself. A kept row whose
      element changed (``!=``) is rebuilt in place.

    Raises:
        RuntimeError: called outside a render function.

    Example::

        with ul():
            render_each(todos, id=lambda t: t.id, item=lambda todo: li(
                todo.data.map(lambda t: t.text)))

        with ol():
            render_each(names_flow, id=str, item=lambda name: li(name))
    """
    parent, scope = _context()
    _outside_slot(parent, "render_each()")
    end = _doc().createComment("/render_each")
    parent.appendChild(end)
    rows = _Rows(scope, end, id, item, source if isinstance(source, (Store, ListView)) else None)
    scope.on_dispose(rows.dispose)  # after the binding's end: cleanups run in reverse
    _bind(scope, source.data if isinstance(source, (Store, ListView)) else source, rows.update)
