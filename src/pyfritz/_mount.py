"""Mount flows on the DOM: render, render_flow and the scopes that own them.

This is pyfritz's ``Mount.kt``: every dynamic part of a page rests on one
primitive, a *binding* that subscribes a DOM write to a flow on the push
path (the write runs synchronously inside the flow's emit, no asyncio hop).
:mod:`pyfritz.dom` builds elements on top of it and re-exports everything
public here; import from there. Keyed lists (``render_each``) are
:mod:`pyfritz._each`.

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
from collections.abc import Callable
from typing import Any, TypeVar

from . import _js, operators
from .flows import Flow, report
from .sinks import _PLAIN, _awaitable_slow

__all__ = [
    "Mount",
    "live_bindings",
    "live_scopes",
    "on_dispose",
    "render",
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
    """Stands in for a parent node while a render_each row is built: records its nodes.

    With a ``batch`` (a run of new rows), static row elements are recorded
    there (:mod:`pyfritz._batch`) and ``nodes`` holds their pending handles.
    """

    __slots__ = ("batch", "nodes")

    def __init__(self, batch: Any = None) -> None:
        self.nodes: list[Any] = []
        self.batch = batch

    def appendChild(self, node: Any) -> None:  # the DOM's name, so _Slot can stand in
        self.nodes.append(node)
        if self.batch is not None:
            self.batch.mixed = True  # a node made at once among recorded rows


# The node new elements are appended to (innermost ``with``), and the scope
# that owns what is built now. Only set while render functions run.
_parents: list[Any] = []
_scope: _Scope | None = None


_OUTSIDE_RENDER = "pyfritz.dom elements are built inside render(), render_flow() or render_each()"


def _context() -> tuple[Any, _Scope]:
    if not _parents or _scope is None:
        raise RuntimeError(_OUTSIDE_RENDER)
    return _parents[-1], _scope


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
    # A type once found not awaitable (a row's Element) skips the check (sinks._PLAIN).
    if type(result) not in _PLAIN:
        _check_result(fn, result)


def _check_result(fn: Callable[..., object], result: object) -> None:
    """Refuse what an async render function returns; a running task is fine."""
    if isinstance(result, asyncio.Future):
        # A lambda ending in `.handled_by(...)` or `.watch()` returns the
        # collector's task: it is already running, owned like any binding.
        return
    if _awaitable_slow(result):
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
                # A str as it is: no str() call per write.
                text = value if type(value) is str else "" if value is None else str(value)
                self._node.data = text
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
