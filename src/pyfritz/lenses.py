"""Lenses: a getter and an immutable setter for one part of a value.

A :class:`Lens` focuses on a part ``A`` of a whole ``S``: ``get(whole)`` reads
the part, ``set(whole, part)`` returns a *new* whole with the part replaced and
leaves the old one untouched. Lenses compose with :meth:`Lens.then`, which is
how sub-stores of sub-stores reach deep into a model (fritz2's ``Lens`` and
``SubStore``).

* :func:`field_lens` focuses on a dataclass field (frozen or not) or a dict key.
* :func:`by_id` focuses on the element of a list with a given id, the lens
  behind ``store.sub_by_id`` and ``render_each``.

A lens that finds nothing to focus on raises :class:`~pyfritz.errors.LensError`
(a ``LookupError``) naming its path and what was missing.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

from ._generic import Generic
from .errors import LensError

__all__ = ["Lens", "by_id", "field_lens"]

S = TypeVar("S")
A = TypeVar("A")
B = TypeVar("B")
T = TypeVar("T")


class Lens(Generic[S, A]):
    """A get/set pair focusing on a part ``A`` of a whole ``S``.

    Args:
        getter: returns the part of a whole.
        setter: returns a new whole with the part replaced; must not mutate
            its argument (stores rely on old values staying as they were).
        path: a readable name of the focus, used in errors and as a stable
            key (fritz2 uses it for DOM ids); composed lenses join paths.

    Example::

        name = Lens(lambda p: p.name, lambda p, n: replace(p, name=n), path="name")
        name.set(Person("Ann", 3), "Bo")  # Person("Bo", 3)
    """

    __slots__ = ("_get", "_set", "path")

    def __init__(
        self,
        getter: Callable[[S], A],
        setter: Callable[[S, A], S],
        *,
        path: str = "",
    ) -> None:
        self._get = getter
        self._set = setter
        self.path = path

    def get(self, whole: S) -> A:
        """Return the part of ``whole`` this lens focuses on.

        Raises:
            LensError: the part does not exist in ``whole``.
        """
        return self._get(whole)

    def set(self, whole: S, part: A) -> S:
        """Return a new whole with the focused part replaced by ``part``.

        Raises:
            LensError: the part does not exist in ``whole``.
        """
        return self._set(whole, part)

    def then(self, inner: Lens[A, B]) -> Lens[S, B]:
        """Compose: focus on ``inner``'s part inside this lens's part.

        Example::

            city = field_lens("address").then(field_lens("city"))
            city.path  # "address.city"
        """
        return _Then(self, inner)

    def __repr__(self) -> str:
        return f"Lens({self.path!r})"


class _Then(Lens[S, B]):
    """``outer.then(inner)``: one object, where two closures (and their cells)
    were: every row of a keyed list composes one (issue 13: an add's
    allocations decide how often the garbage collector runs)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, outer: Lens[S, A], inner: Lens[A, B]) -> None:
        # get and set are methods here, not the getter and setter of Lens.
        self._outer = outer
        self._inner = inner
        self.path = _join(outer.path, inner.path)

    def get(self, whole: S) -> B:
        return self._inner.get(self._outer.get(whole))

    def set(self, whole: S, part: B) -> S:
        outer = self._outer
        return outer.set(whole, self._inner.set(outer.get(whole), part))


def _join(outer: str, inner: str) -> str:
    if not outer:
        return inner
    if not inner:
        return outer
    return outer + inner if inner.startswith("[") else f"{outer}.{inner}"


def field_lens(name: str) -> Lens[Any, Any]:
    """Return a lens on the field ``name`` of a dataclass or the key ``name`` of a dict.

    Dataclasses are updated with :func:`dataclasses.replace` (so frozen ones
    work and ``__post_init__`` runs again); dicts are copied. The whole passed
    in is never mutated.

    Raises:
        TypeError: ``name`` is not a string.
        LensError: (from ``get``/``set``) the value has no such field or key,
            or is neither a dataclass instance nor a dict.

    Example::

        field_lens("age").set(Person("Ann", 3), 4)  # Person("Ann", 4)
        field_lens("a").get({"a": 1})               # 1
    """
    if not isinstance(name, str):
        raise TypeError(f"field name must be a str, not {type(name).__name__}")

    def get(whole: Any) -> Any:
        if isinstance(whole, dict):
            try:
                return whole[name]
            except KeyError:
                raise LensError(name, f"no key {name!r} in the dict") from None
        _check_field(whole, name)
        return getattr(whole, name)

    def set_(whole: Any, part: Any) -> Any:
        if isinstance(whole, dict):
            if name not in whole:
                raise LensError(name, f"no key {name!r} in the dict")
            new = dict(whole)
            new[name] = part
            return new
        field = _check_field(whole, name)
        if field.init:
            return dataclasses.replace(whole, **{name: part})
        # replace() refuses init=False fields: copy, then set past a frozen __setattr__.
        new = copy.copy(whole)
        object.__setattr__(new, name, part)
        return new

    return Lens(get, set_, path=name)


def _check_field(whole: Any, name: str) -> dataclasses.Field[Any]:
    if not dataclasses.is_dataclass(whole) or isinstance(whole, type):
        raise LensError(
            name,
            f"cannot focus on field {name!r} of a {type(whole).__name__}: "
            "expected a dataclass instance or a dict",
        )
    fields = _fields_of(type(whole))
    field = fields.get(name)
    if field is None:
        known = ", ".join(fields)
        raise LensError(name, f"{type(whole).__name__} has no field {name!r} (fields: {known})")
    return field


# Lenses run on every emission of a sub-store; dataclasses.fields() builds a
# tuple each call, so index the fields once per class.
_FIELDS: dict[type, dict[str, dataclasses.Field[Any]]] = {}


def _fields_of(cls: type) -> dict[str, dataclasses.Field[Any]]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = {f.name: f for f in dataclasses.fields(cls)}
    return fields


def by_id(id_fn: Callable[[T], object], id_value: object) -> Lens[list[T], T]:
    """Return a lens on the element of a list whose ``id_fn(element) == id_value``.

    ``set`` returns a new list with that element replaced (a tuple stays a
    tuple). An id names an entity, not a position, so the lens keeps
    focusing on the same element when the list is reordered.

    Raises:
        LensError: (from ``get``/``set``) no element has that id, e.g. it was
            removed from the list.

    Example::

        lens = by_id(lambda t: t.id, "b")
        lens.get([Todo("a", ...), Todo("b", ...)])  # the Todo with id "b"
    """
    return _ById(id_fn, id_value)


class _ById(Lens[list[T], T]):
    """What :func:`by_id` makes: it also says which id it looks for, so that a
    sub-store of a list element can be told about changes to that element only
    (``pyfritz._parts.Routes``)."""

    __slots__ = ("_hint", "id_fn", "id_value")

    def __init__(self, id_fn: Callable[[T], object], id_value: object) -> None:
        # One object per row of a keyed list, no closures (issue 13): get and
        # set are methods here, not the getter and setter of Lens.
        self.id_fn = id_fn
        self.id_value = id_value
        self.path = f"[{id_value!r}]"
        # Where the element was last found. Rows of a keyed list each hold
        # such a lens and read it when their element changes: checking the
        # remembered position first, then its neighbours (one element added
        # or removed before it) and the last one (a new row of a list that
        # grows at the end), keeps a read O(1) in the usual cases instead of
        # O(rows).
        self._hint = 0

    def _index(self, whole: list[T]) -> int:
        id_fn, id_value = self.id_fn, self.id_value
        hint = self._hint
        size = len(whole)
        if hint < size and id_fn(whole[hint]) == id_value:
            return hint
        for i in (hint + 1, hint - 1, size - 1):
            if 0 <= i < size and id_fn(whole[i]) == id_value:
                self._hint = i
                return i
        for i, element in enumerate(whole):
            if id_fn(element) == id_value:
                self._hint = i
                return i
        raise LensError(self.path, f"no element with id {id_value!r}")

    def get(self, whole: list[T]) -> T:
        return whole[self._index(whole)]

    def set(self, whole: list[T], part: T) -> list[T]:
        i = self._index(whole)
        new = list(whole)
        new[i] = part
        if isinstance(whole, tuple):
            return cast("list[T]", tuple(new))
        return new

    def seek(self, index: int) -> None:
        """Look at ``index`` first next time (``render_each`` knows where a row's element is)."""
        self._hint = index
