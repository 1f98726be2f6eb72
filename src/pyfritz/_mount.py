"""Mount flows on the DOM: render, render_flow, render_each and the scopes that own them.

This is pyfritz's ``Mount.kt``: every dynamic part of a page rests on one
primitive, a *binding* that subscribes a DOM write to a flow on the push
path (the write runs synchronously inside the flow's emit, no asyncio hop).
:mod:`pyfritz.dom` builds elements on top of it and re-exports everything
public here; import from there.

Lifecycle: :func:`render`, every :func:`render_flow` content and every
:func:`render_each` row is a *scope* that owns the bindings, listeners (and
their proxies) and inner scopes made while it was built. Replacing or
removing it disposes all of them. :func:`on_dispose` adds your own clean-up;
:func:`live_bindings` and :func:`live_scopes` count what is alive.

Example::

    from pyfritz.dom import li, p, render, render_each, render_flow, ul

    def app() -> None:
        render_flow(store.data.map(lambda s: s.ready), lambda ready: p("ready" if ready else "..."))
        with ul():
            render_each(todos, id=lambda t: t.id, item=lambda todo: li(todo.data.map(str)))

    mount = render("#app", app)
    mount.unmount()   # disposes every binding, listener and proxy of the tree
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Hashable
from itertools import count
from typing import Any, TypeVar, overload

from . import _js, operators
from .flows import Flow, report
from .keyed import Step, changed_window, diff
from .store import Store, SubStore
from .views import ListView

__all__ = [
    "Mount",
    "live_bindings",
    "live_scopes",
    "on_dispose",
    "render",
    "render_each",
    "render_flow",
]

T = TypeVar("T")

_live_bindings = 0
_live_scopes = 0
_document: Any = None


def _doc() -> Any:
    global _document
    if _document is None:
        _document = _js.document()
    return _document


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


def live_bindings() -> int:
    """How many flow bindings (text, attribute, property, render_flow, render_each) are live."""
    return _live_bindings


def live_scopes() -> int:
    """How many scopes (mounts, render_flow contents, render_each rows) are live."""
    return _live_scopes


# --------------------------------------------------------------------------
# Scopes and the build context.


class _Scope:
    """Owns the clean-ups of one mounted subtree and its inner scopes."""

    __slots__ = ("_children", "_cleanups", "_parent", "disposed")

    def __init__(self, parent: _Scope | None) -> None:
        global _live_scopes
        # Made on first use: most rows of a keyed list own a binding or two
        # and no inner scope, and a row is built a thousand times at once.
        self._cleanups: list[Callable[[], object]] | None = None
        self._children: dict[_Scope, None] | None = None
        self._parent = parent
        self.disposed = False
        if parent is not None:
            if parent._children is None:
                parent._children = {self: None}
            else:
                parent._children[self] = None
        _live_scopes += 1

    def on_dispose(self, cleanup: Callable[[], object]) -> None:
        if self.disposed:
            cleanup()
        elif self._cleanups is None:
            self._cleanups = [cleanup]
        else:
            self._cleanups.append(cleanup)

    def dispose(self) -> None:
        global _live_scopes
        if self.disposed:
            return
        self.disposed = True
        _live_scopes -= 1
        children, self._children = self._children, None
        if children:
            for child in list(children):
                child._parent = None  # no need to leave a parent that is going too
                child.dispose()
        cleanups, self._cleanups = self._cleanups, None
        if cleanups:
            for cleanup in reversed(cleanups):
                try:
                    cleanup()
                except Exception as exc:  # one failing clean-up must not stop the others
                    report(exc, "pyfritz.dom: a clean-up failed while unmounting")
        parent = self._parent
        if parent is not None and parent._children is not None:
            parent._children.pop(self, None)


class _Slot:
    """Stands in for a parent node while a render_each row is built: records its nodes."""

    __slots__ = ("nodes",)

    def __init__(self) -> None:
        self.nodes: list[Any] = []

    def appendChild(self, node: Any) -> None:  # the DOM's name, so _Slot can stand in
        self.nodes.append(node)


# The node new elements are appended to (innermost ``with``), and the scope
# that owns what is built now. Only set while render functions run.
_parents: list[Any] = []
_scope: _Scope | None = None


def _context() -> tuple[Any, _Scope]:
    if not _parents or _scope is None:
        raise RuntimeError(
            "pyfritz.dom elements are built inside render(), render_flow() or render_each()"
        )
    return _parents[-1], _scope


# Types a render function commonly returns that are never awaitable (dom adds
# its Element): checked first, as inspect.isawaitable costs per row.
_NOT_AWAITABLE: set[type] = {str, int, float, bool, tuple, list, dict}


def _build(parent: Any, scope: _Scope, fn: Callable[..., object], *args: Any) -> None:
    """Run ``fn(*args)`` with ``parent`` as the current parent and ``scope`` as owner."""
    global _scope
    saved, depth = _scope, len(_parents)
    _parents.append(parent)
    _scope = scope
    try:
        result = fn(*args)
    finally:
        del _parents[depth:]
        _scope = saved
    if result is not None and type(result) not in _NOT_AWAITABLE:
        _check_result(fn, result)


def _check_result(fn: Callable[..., object], result: object) -> None:
    """Refuse what an async render function returns; a running task is fine."""
    if isinstance(result, asyncio.Future):
        # A lambda ending in `.handled_by(...)` or `.watch()` returns the
        # collector's task: it is already running, owned like any binding.
        return
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()  # or Python warns it was never awaited
            raise TypeError(
                f"render functions must be synchronous: {_name(fn)} is an async function. "
                "Do the async work in an async handler of a store and render the store's data."
            )
        raise TypeError(
            f"render functions must be synchronous: {_name(fn)} returned "
            f"{type(result).__name__}, an awaitable; return nothing instead"
        )


def _name(fn: Callable[..., object]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def on_dispose(cleanup: Callable[[], object]) -> None:
    """Call ``cleanup`` when the subtree being built now is replaced or removed.

    Raises:
        RuntimeError: called outside a render function.

    Example::

        def row(todo):
            task = todo.data.on_each(log).watch()
            on_dispose(task.cancel)
            li(todo.data.map(lambda t: t.text))
    """
    _context()[1].on_dispose(cleanup)


# --------------------------------------------------------------------------
# Bindings: a flow's pushed values written straight into the DOM.


class _Binding:
    """A sink writing each value into the DOM; owned by a scope."""

    __slots__ = ("_active", "_unsub", "_write")

    def __init__(self, write: Callable[[Any], object]) -> None:
        self._write = write
        self._active = True
        self._unsub: Callable[[], object] | None = None

    def on_next(self, value: Any) -> None:
        # A binding disposed while its source is still delivering this value
        # (an outer render_flow replaced it) must not touch anything.
        if self._active:
            try:
                self._write(value)
            except Exception as exc:
                report(exc, f"pyfritz.dom: while showing {value!r}")

    def on_error(self, exc: BaseException) -> None:
        if self._active:
            report(exc, "pyfritz.dom: a bound flow failed")

    def on_complete(self) -> None:
        """The node keeps showing the last value."""

    def stop(self) -> None:
        global _live_bindings
        if self._active:
            self._active = False
            _live_bindings -= 1
            unsub, self._unsub = self._unsub, None
            if unsub is not None:
                unsub()


class _TextBinding(_Binding):
    """The hot path (a flow shown as text), with the write inlined."""

    __slots__ = ("_node",)

    def __init__(self, node: Any) -> None:
        super().__init__(str)
        self._node = node

    def on_next(self, value: Any) -> None:
        if self._active:
            try:
                self._node.data = "" if value is None else str(value)
            except Exception as exc:
                report(exc, f"pyfritz.dom: while showing {value!r}")


def _bind(scope: _Scope, source: Flow[Any], write: Callable[[Any], object] | _Binding) -> None:
    """Subscribe ``write`` to ``source`` on the push path; ``scope`` ends it."""
    global _live_bindings
    binding = write if isinstance(write, _Binding) else _Binding(write)
    _live_bindings += 1
    scope.on_dispose(binding.stop)
    unsub: Callable[[], object] | None = source._subscribe(binding)  # a state flow writes now
    if unsub is None:  # a pull-only (cold) flow: collect it in a task
        unsub = source.on_each(binding.on_next).watch().cancel
    if binding._active:
        binding._unsub = unsub
    else:
        unsub()


# --------------------------------------------------------------------------
# render, render_flow, render_each.


class Mount:
    """A tree mounted by :func:`render`; ``unmount()`` disposes and removes it."""

    __slots__ = ("_scope", "_target")

    def __init__(self, target: Any, scope: _Scope) -> None:
        self._target = target
        self._scope = scope

    def unmount(self) -> None:
        """Dispose every binding, listener and scope of the tree, then empty the target."""
        if not self._scope.disposed:
            self._scope.dispose()
            self._target.replaceChildren()


def render(selector: str, content: Callable[[], object]) -> Mount:
    """Replace the children of the element matching ``selector`` with what ``content`` builds.

    ``content`` runs once, synchronously; the flows bound in it keep the
    tree up to date afterwards.

    Raises:
        ValueError: no element matches ``selector``.
        TypeError: ``content`` is async.

    Example::

        def app() -> None:
            with div(classes="card"):
                p(store.data.map(str))

        mount = render("#app", app)
        ...
        mount.unmount()
    """
    target = _doc().querySelector(selector)
    if target is None:
        raise ValueError(f"render(): nothing matches {selector!r}")
    target.replaceChildren()
    scope = _Scope(None)
    try:
        _build(target, scope, content)
    except BaseException:
        scope.dispose()
        target.replaceChildren()
        raise
    return Mount(target, scope)


def _outside_slot(parent: Any, what: str) -> None:
    if isinstance(parent, _Slot):
        raise ValueError(f"{what} inside a render_each item needs an enclosing element")


def render_flow(source: Flow[T], content: Callable[[T], object]) -> None:
    """Re-build a part of the current element from each value of ``source``.

    On each value the previous content is disposed (bindings, listeners,
    inner scopes) and removed, and ``content(value)`` builds the new one at
    the same place, between two comment markers. Nothing outside changes.
    This is fritz2's ``flow.render { }``.

    Raises:
        RuntimeError: called outside a render function.

    Example::

        with div():
            render_flow(store.data.map(lambda p: p.age >= 18), lambda adult: (
                p("Welcome") if adult else button("Ask a parent")
            ))
    """
    parent, scope = _context()
    _outside_slot(parent, "render_flow()")
    document = _doc()
    start = document.createComment("render_flow")
    end = document.createComment("/render_flow")
    parent.appendChild(start)
    parent.appendChild(end)
    current: list[_Scope] = []

    def show(value: T) -> None:
        if current:
            current.pop().dispose()
            gone = document.createRange()
            gone.setStartAfter(start)
            gone.setEndBefore(end)
            gone.deleteContents()
        inner = _Scope(scope)
        current.append(inner)
        fragment = document.createDocumentFragment()
        try:
            _build(fragment, inner, content, value)
        finally:
            end.parentNode.insertBefore(fragment, end)

    _bind(scope, source, show)


# Flow.render delegates here (the core cannot import the DOM layer).
operators._render_flow = render_flow


class _Row:
    __slots__ = ("node", "scope", "value")

    def __init__(self, node: Any, scope: _Scope, value: Any) -> None:
        self.node = node
        self.scope = scope
        self.value = value


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
        # Elements that are the very same objects at the start and at the end
        # of both lists keep their rows as they are: only the window between
        # is diffed, so adding, removing or changing one row of a long list
        # costs one row (issue 13), not one Python step per row. The scans
        # run in C (map/compress), a few ns per element.
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
            _insert_all(self._new_rows(keys, window, head), last)
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
            row.scope.dispose()
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
                    kept.scope.dispose()
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

    def _new_rows(self, keys: list[Hashable], values: list[Any], head: int) -> list[Any]:
        """Build the rows of new keys, the ``head``-th element of the list first.

        What :meth:`_row` does for one row, for many in one loop: a first
        render builds a thousand rows, and each step saved here is saved
        a thousand times (issue 13).
        """
        global _scope
        item, owner, store, id_fn = self._item, self._scope, self._store, self._id
        element = store._element if isinstance(store, Store) else None
        rows = self._rows
        slot = _Slot()
        saved, depth = _scope, len(_parents)
        _parents.append(slot)
        built: list[Any] = []
        try:
            for index, key, value in zip(count(head), keys, values, strict=False):
                scope = _scope = _Scope(owner)
                nodes = slot.nodes = []
                try:
                    if store is None:
                        result = item(value)
                    elif element is not None:
                        # Its element is at ``index``: its lens looks there first.
                        result = item(element(id_fn, key, index))
                    else:
                        result = item(store.sub_by_id(id_fn, key))
                    del _parents[depth + 1 :]  # a `with` left open by a failure
                    if result is not None and type(result) not in _NOT_AWAITABLE:
                        _check_result(item, result)
                    if len(nodes) != 1:
                        raise ValueError(
                            f"a render_each item must build exactly one element, got {len(nodes)}"
                        )
                    node = nodes[0]
                except Exception as exc:
                    del _parents[depth + 1 :]
                    node, scope = self._failed(key, scope, exc)
                rows[key] = _Row(node, scope, value)
                built.append(node)
        finally:
            del _parents[depth:]
            _scope = saved
        return built

    def _failed(self, key: Hashable, scope: _Scope, exc: Exception) -> tuple[Any, _Scope]:
        """A row that failed to build: reported, shown as a comment, its scope gone."""
        report(exc, f"pyfritz.dom: render_each item {key!r}")
        scope.dispose()
        return _doc().createComment(f"render_each: item {key!r} failed"), _Scope(self._scope)

    def _new_row(self, key: Hashable, value: Any, index: int | None = None) -> Any:
        """Build the row of a new key; return its node (not inserted yet)."""
        row = self._rows[key] = self._row(key, value, index)
        return row.node

    def _row(self, key: Hashable, value: Any, index: int | None = None) -> _Row:
        scope = _Scope(self._scope)
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
            _build(slot, scope, self._item, arg)
            if len(slot.nodes) != 1:
                raise ValueError(
                    f"a render_each item must build exactly one element, got {len(slot.nodes)}"
                )
        except Exception as exc:
            node, scope = self._failed(key, scope, exc)
            return _Row(node, scope, value)
        return _Row(slot.nodes[0], scope, value)


# How many nodes one ``before(...)`` call takes: engines cap a call's arguments.
_BATCH = 4096


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
    if isinstance(source, (Store, ListView)):
        rows = _Rows(scope, end, id, item, source)
        _bind(scope, source.data, rows.update)
    else:
        _bind(scope, source, _Rows(scope, end, id, item, None).update)
