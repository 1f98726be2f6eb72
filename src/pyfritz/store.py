"""Stores: a state flow plus a queue of update functions (fritz2's ``Store``).

A :class:`RootStore` holds the current value in a state flow (``data``) and
changes it only through handlers: functions from the current value (and an
optional action) to the next one, sync or async. Handlers are applied one at
a time, in the order they were called; a handler that raises is reported
(``store.errors``, the console, ``pyfritz.flows.errors``) and leaves the value
as it was.

Why the fast path: in the browser an asyncio hop costs 46-110 µs but a plain
call 5 µs, so a sync handler called while nothing is queued is applied right
away, synchronously, with no task. Only an async handler (and whatever
arrives while it runs) goes through the queue, drained by one task.

A :class:`SubStore` focuses on a part of its root through a
:class:`~pyfritz.lenses.Lens`; it has the same API, its ``data`` emits only
when its part changes, and its writes go through the root's queue, so a write
through any sub-store is atomic with respect to every other update.

Example::

    @dataclass(frozen=True)
    class Person:
        name: str
        age: int

    class PersonStore(RootStore[Person]):
        @handler
        def birthday(self, person: Person) -> Person:
            return replace(person, age=person.age + 1)

    store = PersonStore(Person("Ann", 3))
    store.birthday()            # applied at once: store.current.age == 4
    name = store.sub("name")
    name.update("Bo")           # store.current == Person("Bo", 4)
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, Union, cast, overload

from .errors import LensError
from .hot import MutableSharedFlow, MutableStateFlow, SharedFlow, StateFlow
from .lenses import Lens, by_id, field_lens
from .messages import Message
from .operators import Flow
from .reporting import report
from .sinks import _COMPLETE, _ERROR, _NEXT, _PLAIN

if TYPE_CHECKING:  # resource does not import store: no cycle, and no import cost here
    from .resource import Resource

__all__ = ["Handler", "HandlerMethod", "RootStore", "Store", "SubStore", "SyncHandle", "handler"]

T = TypeVar("T")
P = TypeVar("P")
E = TypeVar("E")
Action = TypeVar("Action")
Action_contra = TypeVar("Action_contra", contravariant=True)
StoreT = TypeVar("StoreT", bound="Store[Any]")

# What a handler function returns: the next value, or an awaitable of it.
Result = Union[T, Awaitable[T]]  # noqa: UP007 -- generic alias; runtime object on 3.11
# A handler function normalised to two arguments: (current value, action).
UpdateFn = Callable[[T, Any], Result[T]]
# A queued update: the function on the root's value, its action, an optional
# future for Handler.apply, and the handler (to name it in error reports).
_Job = tuple[UpdateFn[Any], Any, "asyncio.Future[Any] | None", "Handler[Any, Any]"]


class Store(Generic[T]):
    """What every store offers: ``data``, ``current``, ``update``, handlers and sub-stores.

    Not made directly: see :class:`RootStore` and :class:`SubStore`. Functions
    that work with any store (bindings, ``sync_with``) take a ``Store[T]``.
    """

    # The root whose queue applies this store's updates, and the lens from the
    # root's value to this store's value (None on the root itself).
    _root: RootStore[Any]
    _lens: Lens[Any, T] | None

    @property
    def data(self) -> Flow[T]:
        """The value as a flow: the current value at once, then every change."""
        raise NotImplementedError

    @property
    def current(self) -> T:
        """The value now.

        Raises:
            LensError: (sub-stores) the part no longer exists, e.g. its list
                element was removed.
        """
        raise NotImplementedError

    @property
    def update(self) -> Handler[T, T]:
        """The handler that replaces the value with its action.

        Example::

            store.update(Person("Bo", 4))
            input_.changes.values().handled_by(name_store.update)
        """
        raise NotImplementedError

    @property
    def errors(self) -> SharedFlow[Exception]:
        """The exceptions raised by the handlers of this store's root and its sub-stores.

        Each is also passed to :func:`pyfritz.flows.report` (console and
        ``flows.errors``).

        Example::

            store.errors.handled_by(lambda exc: banner.update(str(exc)))
        """
        return self._root._errors

    @overload
    def handle(self, fn: Callable[[T], Awaitable[T]], /) -> Handler[T, object]: ...
    @overload
    def handle(self, fn: Callable[[T], T], /) -> Handler[T, object]: ...
    @overload
    def handle(self, fn: Callable[[T, Action], Awaitable[T]], /) -> Handler[T, Action]: ...
    @overload
    def handle(self, fn: Callable[[T, Action], T], /) -> Handler[T, Action]: ...

    def handle(self, fn: Callable[..., Result[T]], /) -> Handler[T, Any]:
        """Make an ad-hoc handler from ``fn(value)`` or ``fn(value, action)``.

        ``fn`` returns the next value, or is async and returns it when done.

        Example::

            clear = store.handle(lambda person: replace(person, name=""))
            rename = store.handle(lambda person, name: replace(person, name=name))
            button.clicks.handled_by(clear)
            rename("Bo")
        """
        if _takes_action(fn):
            return Handler(self, fn, name=_name_of(fn))
        one_arg = cast("Callable[[T], Result[T]]", fn)
        return Handler(self, lambda value, _action: one_arg(value), name=_name_of(fn))

    @overload
    def sub(self, part: str, /) -> SubStore[Any]: ...
    @overload
    def sub(self, part: Lens[T, P], /) -> SubStore[P]: ...

    def sub(self, part: str | Lens[T, Any], /) -> SubStore[Any]:
        """Return a store for a part of this one: a field name or a :class:`Lens`.

        A name works on dataclasses (frozen or not) and dicts. Sub-stores
        compose: ``store.sub("address").sub("city")``.

        Raises:
            LensError: ``part`` names a field the current dataclass value
                does not have (caught here rather than on first use).

        Example::

            city = store.sub("address").sub("city")
            city.update("Rome")   # store.current.address.city == "Rome"
        """
        if isinstance(part, str):
            lens: Lens[Any, Any] = field_lens(part)
            try:
                value: object = self.current
            except LensError:
                value = None
            if dataclasses.is_dataclass(value):
                lens.get(value)  # a typo fails now, not at the first update
        else:
            lens = part
        if self._lens is None:
            return SubStore(self._root, lens)
        return SubStore(self._root, self._lens.then(lens), parent=self, part=lens)

    @overload
    def sub_by_id(
        self: Store[list[E]], id_fn: Callable[[E], object], id_value: object, /
    ) -> SubStore[E]: ...
    @overload
    def sub_by_id(
        self: Store[tuple[E, ...]], id_fn: Callable[[E], object], id_value: object, /
    ) -> SubStore[E]: ...

    def sub_by_id(self, id_fn: Callable[[Any], object], id_value: object, /) -> SubStore[Any]:
        """Return a store for the list element whose ``id_fn(element) == id_value``.

        It follows the element when the list is reordered. Once the element
        is removed, its ``data`` stops emitting, ``current`` raises
        :class:`~pyfritz.errors.LensError`, and a write through it is a
        reported handler error that changes nothing.

        Example::

            todo = todos_store.sub_by_id(lambda t: t.id, "t1")
            todo.sub("done").update(True)
        """
        return self.sub(cast("Lens[T, Any]", by_id(id_fn, id_value)))

    async def settled(self) -> T:
        """Wait until the root has no update queued or running, then return the value.

        For tests and for code that must see the effect of async handlers.

        Example::

            store.slow_handler()
            store.update(3)
            assert await store.settled() == 3
        """
        root = self._root
        while root._task is not None:
            await asyncio.wait((root._task,))
        return self.current

    # -- internals used by Handler ------------------------------------------

    def _lift(self, fn: UpdateFn[T]) -> UpdateFn[Any]:
        """Return ``fn`` as a function on the root's value."""
        raise NotImplementedError

    def _focus(self, root_value: Any) -> T:
        """Return this store's part of a root value."""
        raise NotImplementedError


class Handler(Generic[T, Action_contra]):
    """An update function bound to a store; call it to enqueue an update.

    Calling it (with an action, or with none) returns ``None`` at once: the
    update is applied now if the store is idle and the function is sync,
    otherwise in order after the updates before it. Pass it to
    ``flow.handled_by(...)`` to apply it to every value of a flow.
    ``await handler.apply(action)`` waits until the update is applied.

    Handlers are made by :func:`handler`, :meth:`Store.handle` and
    ``store.update``; not directly.
    """

    __slots__ = ("_fn", "_root", "_store", "name")

    def __init__(self, store: Store[T], fn: UpdateFn[T], *, name: str = "") -> None:
        self._store = store
        self._root = store._root
        self._fn = store._lift(fn)  # lifted once here, not on every call
        self.name = name

    @overload
    def __call__(self: Handler[T, None]) -> None: ...
    @overload
    def __call__(self, action: Action_contra, /) -> None: ...

    def __call__(self, action: Any = None) -> None:
        """Enqueue this update; apply it now if the store is idle and it is sync."""
        root = self._root
        if root._running or root._queue:
            root._submit((self._fn, action, None, self))
        else:
            root._apply_now(self._fn, action, self)

    @overload
    async def apply(self: Handler[T, None]) -> T: ...
    @overload
    async def apply(self, action: Action_contra, /) -> T: ...

    async def apply(self, action: Any = None) -> T:
        """Enqueue this update and return the store's value once it is applied.

        Raises:
            Exception: whatever the handler raised (it is reported as well).

        Example::

            person = await store.birthday.apply()
        """
        root_value = await self._root._submit_and_wait(self._fn, action, self)
        return self._store._focus(root_value)

    def __repr__(self) -> str:
        return f"<Handler {self.name or '?'} of {self._store!r}>"


class HandlerMethod(Generic[StoreT, T, Action_contra]):
    """What :func:`handler` makes of a method: a descriptor giving a bound :class:`Handler`.

    The bound handler is made once per store instance and then cached on it,
    so ``store.birthday is store.birthday``.
    """

    def __init__(self, fn: Callable[..., Result[T]]) -> None:
        self._fn = fn
        self._takes_action = _takes_action(fn, skip=1)
        self._name = fn.__name__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(
        self, obj: None, owner: type | None = None
    ) -> HandlerMethod[StoreT, T, Action_contra]: ...
    @overload
    def __get__(self, obj: StoreT, owner: type | None = None) -> Handler[T, Action_contra]: ...

    def __get__(
        self, obj: StoreT | None, owner: type | None = None
    ) -> HandlerMethod[StoreT, T, Action_contra] | Handler[T, Action_contra]:
        if obj is None:
            return self
        if not isinstance(obj, Store):
            raise TypeError(
                f"@handler {self._name!r} works on methods of RootStore subclasses, "
                f"not on {type(obj).__name__}"
            )
        fn = self._fn
        update: UpdateFn[T]
        if self._takes_action:

            def update(value: T, action: Any) -> Result[T]:
                return fn(obj, value, action)
        else:

            def update(value: T, action: Any) -> Result[T]:
                return fn(obj, value)

        bound: Handler[T, Action_contra] = Handler(obj, update, name=self._name)
        # A non-data descriptor: the instance attribute wins on the next lookup.
        vars(obj)[self._name] = bound
        return bound


@overload
def handler(fn: Callable[[StoreT, T], Awaitable[T]], /) -> HandlerMethod[StoreT, T, object]: ...
@overload
def handler(fn: Callable[[StoreT, T], T], /) -> HandlerMethod[StoreT, T, object]: ...
@overload
def handler(
    fn: Callable[[StoreT, T, Action], Awaitable[T]], /
) -> HandlerMethod[StoreT, T, Action]: ...
@overload
def handler(fn: Callable[[StoreT, T, Action], T], /) -> HandlerMethod[StoreT, T, Action]: ...


def handler(fn: Callable[..., Any], /) -> HandlerMethod[Any, Any, Any]:
    """Turn a method of a :class:`RootStore` subclass into a :class:`Handler`.

    The method takes ``(self, value)`` or ``(self, value, action)`` and
    returns the next value; it may be async. ``store.method`` is then a
    handler: call it, ``await store.method.apply(...)`` it, or pass it to
    ``flow.handled_by``.

    Example::

        class Counter(RootStore[int]):
            @handler
            def add(self, count: int, amount: int) -> int:
                return count + amount

            @handler
            async def reset(self, count: int) -> int:
                await save(0)
                return 0

        counter = Counter(0)
        counter.add(2)        # counter.current == 2
        button.clicks.handled_by(counter.reset)
    """
    return HandlerMethod(fn)


class SyncHandle(Protocol):
    """A running sync as the store knows it; :class:`pyfritz.sync.Sync` is one.

    The store depends on this protocol only, never on :mod:`pyfritz.sync`:
    sync builds on stores, and installs the implementation of
    :meth:`RootStore.sync_with` when it is imported (``import pyfritz`` does).
    """

    @property
    def status(self) -> StateFlow[Any]:
        """What the sync is doing now (``connecting``, ``synced``, ...)."""
        ...

    @property
    def errors(self) -> SharedFlow[Exception]:
        """Refused changes, bad frames and undecodable values."""
        ...

    @property
    def messages(self) -> StateFlow[tuple[Message, ...]]:
        """What the resource's validator (or the server) says about the last change."""
        ...

    @property
    def stopped(self) -> bool:
        """Whether ``stop()`` was called."""
        ...

    def stop(self) -> None:
        """Stop syncing."""
        ...


#: What ``RootStore.sync_with`` calls: ``pyfritz.sync.sync_with``, set by that
#: module when it is imported (see :class:`SyncHandle`).
_sync_with: Callable[..., SyncHandle] | None = None


class RootStore(Store[T]):
    """A store that owns its value: a state flow and the queue that updates it.

    Args:
        initial: the first value.

    Example::

        class Counter(RootStore[int]):
            @handler
            def increment(self, count: int) -> int:
                return count + 1

        counter = Counter(0)
        counter.increment()
        counter.current   # 1
        counter.update(10)
        await counter.settled()
    """

    def __init__(self, initial: T) -> None:
        self._root = self
        self._lens = None
        self._state = MutableStateFlow(initial)
        self._errors: MutableSharedFlow[Exception] = MutableSharedFlow()
        self._queue: deque[_Job] = deque()
        # True while a job runs, synchronously or in the drain task: jobs
        # submitted meanwhile (also re-entrantly, from a collector) queue up.
        self._running = False
        self._task: asyncio.Task[None] | None = None
        self._update: Handler[T, T] = Handler(self, _replace, name="update")

    @property
    def data(self) -> StateFlow[T]:
        """The value as a state flow: the current value at once, then every change."""
        return self._state

    @property
    def current(self) -> T:
        """The value now."""
        return self._state.value

    @property
    def update(self) -> Handler[T, T]:
        """The handler that replaces the value with its action."""
        return self._update

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state.value!r}>"

    def sync_with(
        self,
        socket: Any,
        resource: Resource[T],
        *,
        mode: Literal["revisions", "plain"] = "revisions",
        reconnect: object = True,
    ) -> SyncHandle:
        """Keep this store in sync with the server behind ``socket``; see :mod:`pyfritz.sync`.

        Needs no running event loop, so it may be called from ``__init__``.
        Reconnects by itself unless ``reconnect=False`` (a
        :class:`~pyfritz.reconnect.Reconnect` sets the policy).
        Returns the :class:`~pyfritz.sync.Sync`: ``status``, ``errors``, ``stop()``.
        ``socket`` is a :class:`~pyfritz.sync.SyncSocket` (a ``websocket(url)``);
        the arguments are checked by :func:`pyfritz.sync.sync_with`.

        Raises:
            RuntimeError: :mod:`pyfritz.sync` was never imported (``import
                pyfritz`` imports it).

        Example::

            class PersonStore(RootStore[Person]):
                def __init__(self) -> None:
                    super().__init__(person_resource.empty)
                    self.sync = self.sync_with(socket, person_resource)
        """
        if _sync_with is None:
            raise RuntimeError(
                "sync_with needs pyfritz.sync: import pyfritz (or pyfritz.sync) first"
            )
        return _sync_with(self, socket, resource, mode=mode, reconnect=reconnect)

    # -- the queue ------------------------------------------------------------

    def _lift(self, fn: UpdateFn[T]) -> UpdateFn[Any]:
        return fn

    def _focus(self, root_value: Any) -> T:
        return cast("T", root_value)

    def _submit(self, job: _Job) -> None:
        self._queue.append(job)
        if not self._running:
            self._run_queue()

    def _apply_now(self, fn: UpdateFn[Any], action: Any, source: Handler[Any, Any]) -> None:
        """The hot path of an idle store: apply one update at once, with no job queued.

        What ``_submit`` then ``_run_queue`` would do for a lone job, minus
        the queue; updates that it causes meanwhile are queued and run after.
        """
        self._running = True
        handed_off = False
        try:
            try:
                result = fn(self._state._value, action)
            except Exception as exc:
                self._fail(exc, (fn, action, None, source))
            else:
                if type(result) not in _PLAIN and inspect.isawaitable(result):
                    handed_off = self._hand_off(result, (fn, action, None, source))
                else:
                    self._state.value = cast("T", result)
        finally:
            if not handed_off:
                self._running = False
        if self._queue and not self._running:
            self._run_queue()

    async def _submit_and_wait(
        self, fn: UpdateFn[Any], action: Any, source: Handler[Any, Any]
    ) -> Any:
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._submit((fn, action, waiter, source))
        return await waiter

    def _run_queue(self) -> None:
        """Apply queued jobs synchronously until the queue is empty or one is async."""
        self._running = True
        handed_off = False
        try:
            while self._queue:
                job = self._queue.popleft()
                fn, action, waiter, _ = job
                try:
                    result = fn(self._state.value, action)
                except Exception as exc:
                    self._fail(exc, job)
                    continue
                if inspect.isawaitable(result):
                    handed_off = self._hand_off(result, job)
                    if handed_off:
                        return
                    continue
                self._commit(result, waiter)
        finally:
            if not handed_off:
                self._running = False

    def _hand_off(self, pending: Awaitable[Any], job: _Job) -> bool:
        """Start the drain task with an async job in progress; False if impossible."""
        loop = _event_loop()
        if loop is None:
            if inspect.iscoroutine(pending):
                pending.close()  # or Python warns that it was never awaited
            self._fail(RuntimeError("an async handler needs a running event loop"), job)
            return False
        self._task = loop.create_task(self._drain(pending, job))
        return True

    async def _drain(self, pending: Awaitable[Any] | None, job: _Job) -> None:
        """Finish an async job, then apply the queue in order, awaiting async jobs."""
        try:
            while True:
                if pending is not None:
                    try:
                        result = await pending
                    except Exception as exc:
                        self._fail(exc, job)
                    else:
                        self._commit(result, job[2])
                    pending = None
                if not self._queue:
                    return
                job = self._queue.popleft()
                fn, action, waiter, _ = job
                try:
                    result = fn(self._state.value, action)
                except Exception as exc:
                    self._fail(exc, job)
                    continue
                if inspect.isawaitable(result):
                    pending = result
                else:
                    self._commit(result, waiter)
        finally:
            self._running = False
            self._task = None
            # Only a cancelled drain (the loop shutting down) leaves jobs behind.
            while self._queue:
                left = self._queue.popleft()[2]
                if left is not None:
                    left.cancel()

    def _commit(self, value: Any, waiter: asyncio.Future[Any] | None) -> None:
        self._state.value = value
        if waiter is not None and not waiter.done():
            waiter.set_result(value)

    def _fail(self, exc: Exception, job: _Job) -> None:
        report(exc, context=repr(job[3]))
        self._errors.emit_nowait(exc)
        waiter = job[2]
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)


class SubStore(Store[T]):
    """A store for a part of a root store's value, seen through a lens.

    Made by :meth:`Store.sub` and :meth:`Store.sub_by_id`. Its ``data`` emits
    only when its part changes; its handlers run on the root's queue and
    write the whole root value at once.

    Example::

        city = store.sub("address").sub("city")
        city.data.on_each(print).watch()
        city.update("Rome")
    """

    def __init__(
        self,
        root: RootStore[Any],
        lens: Lens[Any, T],
        *,
        parent: Store[Any] | None = None,
        part: Lens[Any, T] | None = None,
    ) -> None:
        """``lens`` goes from the root's value to the part; a sub-store of a
        sub-store also gives its ``parent`` and the ``part`` lens from the
        parent's value, so that its ``data`` follows the parent's: a change
        elsewhere in the root (another field, another row) never reaches it.
        """
        self._root = root
        self._lens = self._part = lens
        self.path = lens.path
        source: Flow[Any]
        if parent is None or part is None:
            self._local, source = lens, root.data
        else:
            self._local, source = part, parent.data
        self._data = cast("Flow[T]", _PartFlow(source, self._part_or_missing))
        self._update: Handler[T, T] = Handler(self, _replace, name="update")

    @property
    def data(self) -> Flow[T]:
        """The part as a flow: the current part at once, then every change of it."""
        return self._data

    @property
    def current(self) -> T:
        """The part now (raises LensError if it no longer exists)."""
        return self._part.get(self._root.current)

    @property
    def update(self) -> Handler[T, T]:
        """The handler that replaces the part with its action."""
        return self._update

    def __repr__(self) -> str:
        return f"<SubStore {self.path!r} of {self._root!r}>"

    def _part_or_missing(self, value: Any) -> object:
        # ``value`` is what ``data`` follows: the root's, or the parent's part.
        try:
            return self._local.get(value)
        except LensError:
            return _MISSING  # e.g. a list element that was removed: skip, don't fail

    def _lift(self, fn: UpdateFn[T]) -> UpdateFn[Any]:
        lens = self._part

        def on_root(root_value: Any, action: Any) -> Result[Any]:
            part = lens.get(root_value)
            result = fn(part, action)
            if inspect.isawaitable(result):
                return _set_when_done(lens, root_value, result)
            if result is part:
                return root_value  # nothing changed: don't rebuild the parents
            return lens.set(root_value, result)

        return on_root

    def _focus(self, root_value: Any) -> T:
        return self._part.get(root_value)


async def _set_when_done(lens: Lens[Any, T], root_value: Any, pending: Awaitable[T]) -> Any:
    # Nothing else is applied while this job awaits, so root_value is still current.
    return lens.set(root_value, await pending)


class _PartFlow(StateFlow[Any]):
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
        super().__init__(_MISSING, on_start=self._connect, on_stop=self._disconnect)
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
        self._value = _MISSING  # read afresh when a collector comes again
        if upstream is not None:
            upstream()

    def _greet(self, sink: Any) -> None:
        if self._value is not _MISSING:
            self._send(sink, self._value)

    # The sink of the upstream subscription.
    def on_next(self, value: Any) -> None:
        part = self._part(value)
        if part is _MISSING:
            self._value = _MISSING
            return
        old = self._value
        try:
            if old is part or (old is not _MISSING and bool(old == part)):
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


_MISSING = _Missing()


def _is_present(value: object) -> bool:
    return value is not _MISSING


def _replace(_value: Any, action: Any) -> Any:
    return action


def _event_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if sys.platform == "emscripten":
        # Pyodide's WebLoop is the current loop even inside a sync JS event
        # callback, where get_running_loop() may say that none is running.
        return asyncio.get_event_loop()
    return None


def _takes_action(fn: Callable[..., Any], *, skip: int = 0) -> bool:
    """Whether ``fn`` takes an action after the value (and ``skip`` leading arguments)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        return True
    positional = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return True
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            positional += 1
    return positional - skip >= 2


def _name_of(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
