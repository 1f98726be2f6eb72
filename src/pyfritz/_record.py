"""Frozen dataclasses written by hand, for the types a page defines at start.

Why: in the browser every ``@dataclass`` is built when its module runs, at
each page load: the decorator generates its methods' source, compiles it and
walks the class (≈ 450 Python and C calls a class, 1.2-4.5 ms in a page; the
demo defined 7 at start, issue 13). A class decorated with :func:`record`
holds its methods in the module's bytecode instead (an ``__init__`` written
out, and the shared ones of :class:`Record`), and is the same frozen
dataclass to its users: equality, hash, ``repr``, assignment refused with
:class:`dataclasses.FrozenInstanceError`, ``__match_args__``, copy and pickle,
and ``dataclasses.fields`` / ``replace`` / ``asdict`` / ``is_dataclass``:
the dataclass metadata (``__dataclass_fields__``, ``__dataclass_params__``) is
made by :mod:`dataclasses` itself the first time something asks for it.
Type checkers see ``@dataclass(frozen=True)`` (the name is an alias for them).

A record's fields are its ``__init__``'s parameters, in their order (their
defaults are the fields' defaults); their annotations stay in the class body.
A record that lists them in ``__slots__`` is slotted (as with
``@dataclass(slots=True)``); without ``__slots__`` its instances have a
``__dict__``.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import TYPE_CHECKING, Any, TypeVar

__all__ = ["Record", "record"]


class Record:
    """The methods ``@dataclass(frozen=True)`` would generate, over ``__match_args__``."""

    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__match_args__)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{self.__class__.__qualname__}({fields})"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    # As a frozen dataclass's: a field, or any name on the record class itself
    # (a subclass may add attributes of its own).
    def __setattr__(self, name: str, value: object) -> None:
        if name in self.__match_args__ or "__dataclass_params__" in vars(type(self)):
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self.__match_args__ or "__dataclass_params__" in vars(type(self)):
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    # A frozen instance refuses setattr, so copy and pickle set the state past it.
    def __getstate__(self) -> list[Any]:
        return list(self._values())

    def __setstate__(self, state: list[Any]) -> None:
        for name, value in zip(self.__match_args__, state, strict=True):
            object.__setattr__(self, name, value)

    def __replace__(self, **changes: Any) -> Any:
        """``copy.replace`` (Python 3.13+), as on a dataclass."""
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


# The bound is the class, not its name: typing compiles a string bound when
# the TypeVar is made, at each page load (issue 13).
R = TypeVar("R", bound=type[Record])


class _Metadata:
    """A record's ``__dataclass_fields__`` or ``__dataclass_params__``, made on first use."""

    def __init__(self, owner: type[Record], attribute: str) -> None:
        self._owner = owner
        self._attribute = attribute

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        cls = self._owner
        # A twin of the class, as plain fields with the same names, types,
        # defaults and options, for dataclasses to describe.
        parameters = inspect.signature(vars(cls)["__init__"]).parameters
        namespace: dict[str, Any] = {
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
            "__annotations__": {name: cls.__annotations__[name] for name in cls.__match_args__},
        }
        for name in cls.__match_args__:
            if parameters[name].default is not inspect.Parameter.empty:
                namespace[name] = parameters[name].default
        slots = "__slots__" in vars(cls)
        twin: type = dataclasses.dataclass(frozen=True, slots=slots)(
            type(cls.__name__, (), namespace)
        )
        type.__setattr__(cls, "__dataclass_fields__", vars(twin)["__dataclass_fields__"])
        type.__setattr__(cls, "__dataclass_params__", vars(twin)["__dataclass_params__"])
        return vars(cls)[self._attribute]


def _record(*, frozen: bool) -> Any:
    if not frozen:
        raise ValueError("record() makes frozen dataclasses only")

    def make(cls: R) -> R:
        init = vars(cls).get("__init__")
        if init is None:
            raise TypeError("a record writes its __init__, whose parameters are its fields")
        code = init.__code__
        names = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
        slots = vars(cls).get("__slots__")
        if slots is not None and set(slots) != set(names):
            raise TypeError(f"a record's __slots__ must be its fields {names}, not {slots}")
        type.__setattr__(cls, "__match_args__", names)
        for attribute in ("__dataclass_fields__", "__dataclass_params__"):
            type.__setattr__(cls, attribute, _Metadata(cls, attribute))
        return cls

    return make


if TYPE_CHECKING:  # what a record is to type checkers: the dataclass it behaves as
    from dataclasses import dataclass as record
else:
    record = _record
