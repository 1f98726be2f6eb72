"""Handlers: update functions bound to a store, applied on its root's queue.

A :class:`Handler` is what ``store.update``, :meth:`~pyfritz.store.Store.handle`
and the :func:`handler` decorator make: calling it enqueues one update (a
function from the current value, and an optional action, to the next one,
sync or async) on the store's root; ``flow.handled_by(h)`` applies it to every
value of a flow. The queue itself is :mod:`pyfritz.update_queue`; stores are
:mod:`pyfritz.store`. This module knows a store only through the few private
methods it calls (``_root``, ``_lift``, ``_focus``), so that stores may build
on it.

Example::

    class Counter(RootStore[int]):
        @handler
        def add(self, count: int, amount: int) -> int:
            return count + amount

    counter = Counter(0)
    counter.add(2)                      # applied at once: counter.current == 2
    await counter.add.apply(3)          # 5, once applied
    clear = counter.handle(lambda count: 0)
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sized
from types import FunctionType, MethodType
from typing import TYPE_CHECKING, Any, TypeVar, Union, overload

from ._generic import Generic, Protocol

__all__ = ["Handler", "HandlerMethod", "handler"]

T = TypeVar("T")
Action = TypeVar("Action")
Action_contra = TypeVar("Action_contra", contravariant=True)
if TYPE_CHECKING:
    StoreT = TypeVar("StoreT", bound="_Target[Any]")
else:  # _Target is for type checkers only; typing would compile the string at each page load
    StoreT = TypeVar("StoreT")

# Type aliases for annotations only: a typing subscript costs a page ~50-100
# calls at start (issue 13).
if TYPE_CHECKING:
    # What a handler function returns: the next value, or an awaitable of it.
    Result = Union[T, Awaitable[T]]  # noqa: UP007 -- generic alias
    # A handler function normalised to two arguments: (current value, action).
    UpdateFn = Callable[[T, Any], Result[T]]
    # A queued update: the function on the root's value, its action, an optional
    # future for Handler.apply, and the handler (to name it in error reports).
    _Job = tuple[UpdateFn[Any], Any, "asyncio.Future[Any] | None", "Handler[Any, Any]"]


if TYPE_CHECKING:  # annotations only: a Protocol costs a page ~100-200 calls to define (issue 13)

    class _Root(Protocol):
        """What a handler needs of the root store whose queue applies it."""

        @property
        def _running(self) -> bool: ...

        @property
        def _queue(self) -> Sized: ...

        def _submit(self, job: _Job) -> None: ...

        def _apply_now(self, fn: UpdateFn[Any], action: Any, source: Handler[Any, Any]) -> None: ...

        async def _submit_and_wait(
            self, fn: UpdateFn[Any], action: Any, source: Handler[Any, Any]
        ) -> Any: ...

    class _Target(Protocol[T]):
        """What a handler needs of its store (a :class:`~pyfritz.store.Store`)."""

        @property
        def _root(self) -> _Root: ...

        def _lift(self, fn: UpdateFn[T]) -> UpdateFn[Any]: ...

        def _focus(self, root_value: Any) -> T: ...


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

    def __init__(self, store: _Target[T], fn: UpdateFn[T], *, name: str = "") -> None:
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
        if not callable(getattr(obj, "_lift", None)):  # not a store
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


def _takes_action(fn: Callable[..., Any], *, skip: int = 0) -> bool:
    """Whether ``fn`` takes an action after the value (and ``skip`` leading arguments)."""
    # A plain function with nothing in its __dict__ (no __wrapped__, no
    # __signature__) has the signature its code says: read it there. A page's
    # @handler methods run this at import, and inspect.signature costs ~25
    # Python calls each (issue 13). A bound method is its function after
    # ``self`` (as a sync's own handler). Anything else asks inspect.
    if type(fn) is MethodType and type(fn.__func__) is FunctionType:
        fn, skip = fn.__func__, skip + 1
    if type(fn) is FunctionType and not fn.__dict__:
        code = fn.__code__
        return bool(code.co_flags & inspect.CO_VARARGS) or code.co_argcount - skip >= 2
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


def _replace(_value: Any, action: Any) -> Any:
    """The update function of ``store.update``: the action is the new value.

    :meth:`pyfritz.update_queue.UpdateQueue._apply_now` applies it without
    calling it (``store.update(x)`` on an idle root is the usual edit).
    """
    return action
