"""The default codec of a :class:`~pyfritz.resource.Resource`: JSON derived from type hints.

:class:`JsonCodec` builds its decoder from a type's hints once; it supports

* ``int``, ``float`` (an integer is accepted), ``str``, ``bool`` (never an
  integer), ``None``, ``Any``;
* nested dataclasses (frozen or not; fields with defaults or
  ``default_factory`` may be missing; unknown extra keys are ignored so that
  older clients accept newer data);
* ``list[X]``, ``tuple[X, ...]``, fixed ``tuple[X, Y]``, ``dict[str, X]``;
* ``Optional[X]`` / ``X | None`` and other unions (tried in order),
  ``Literal[...]``, ``Enum`` (by value), ``NewType``.

Decoding checks everything before building anything: bad input raises
:class:`~pyfritz.errors.DecodeError` with the path (``items[2].name``) and
what was expected, never a half-built object. Malformed JSON is a
``DecodeError`` too. Encoding follows the runtime values (it does not
re-validate them) and raises ``TypeError``/``ValueError`` on values JSON cannot
carry (a ``set``, ``nan``).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import json.encoder
import math
import types
import typing
from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar, Union

from ._generic import Generic
from .errors import DecodeError

__all__ = ["JsonCodec", "JsonValue"]

T = TypeVar("T")

JsonValue: TypeAlias = Union[  # noqa: UP007 -- a recursive alias needs the string forms
    bool, int, float, str, list["JsonValue"], dict[str, "JsonValue"], None
]
"""A value :func:`json.dumps` accepts and :func:`json.loads` returns."""


class JsonCodec(Generic[T]):
    """The default codec: JSON derived from a type's hints (see the module docs).

    The decoder is built once, here; a recursive dataclass (a tree) works.

    Args:
        type_: a dataclass or any other supported type.

    Raises:
        TypeError: a field's type is unsupported or its hints cannot be
            resolved (a dataclass defined inside a function under
            ``from __future__ import annotations`` cannot be).

    Example::

        codec = JsonCodec(Person)
        codec.decode('{"name": "Ann", "age": 3}')  # Person(name="Ann", age=3, ...)
        codec.decode('{"name": "Ann", "age": "3"}')
        # DecodeError: age: expected int, got str '3'
    """

    def __init__(self, type_: type[T]) -> None:
        self.type = type_
        self._load = _Builder().loader(type_)

    def encode(self, value: T) -> str:
        """Return the JSON text of ``value``.

        Raises:
            TypeError: a part of ``value`` has no JSON form (a ``set``, a
                dict with non-string keys); the message names its path.
            ValueError: a float is ``nan`` or infinite.
        """
        return _dumps(self.to_json_value(value))

    def decode(self, text: str | bytes) -> T:
        """Return the value ``text`` encodes.

        Raises:
            DecodeError: ``text`` is malformed JSON or does not match the type.
        """
        try:
            obj = _loads(text)
        except ValueError as exc:  # json.JSONDecodeError, and NaN/Infinity
            raise DecodeError("", f"malformed JSON: {exc}") from exc
        return self.from_json_value(obj)

    def to_json_value(self, value: T) -> JsonValue:
        """Return ``value`` as a JSON value (dataclasses become dicts, enums values).

        Raises:
            TypeError, ValueError: as :meth:`encode`.
        """
        try:
            return _dump(value)
        except _Fail as fail:
            raise fail.error(fail.path()) from fail.__cause__

    def from_json_value(self, obj: object) -> T:
        """Return the value a JSON value describes.

        Raises:
            DecodeError: ``obj`` does not match the type.
        """
        try:
            result: T = self._load(obj)
        except _Fail as fail:
            raise DecodeError(fail.path(), fail.reason) from fail.__cause__
        return result

    def __repr__(self) -> str:
        return f"JsonCodec({_type_name(self.type)})"


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


# One encoder and one decoder for every call: json.dumps and json.loads with
# options build a new JSONEncoder / JSONDecoder (and its scanner) each time,
# which in the browser costs about as much as encoding or parsing a small
# sync frame itself (issue 13: decode once, on the hot path of every frame).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
# (set by JSONDecoder.__init__; typeshed does not declare it)
_scan_once: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


# JSONEncoder.encode still makes a C encoder (and a closure) per call: make
# it once. Without a circular check (``markers`` None, so nothing is shared
# between calls or threads): the values encoded here are trees built by this
# module or parsed from JSON; a cycle ends in RecursionError, not in a hang.
_make_c_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_c_encode: Callable[[object, int], Any] | None = (
    None
    if _make_c_encoder is None
    else _make_c_encoder(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
)


def _dumps(obj: object) -> str:
    """``json.dumps`` compact, not ASCII-escaped, refusing NaN and infinities."""
    if _c_encode is None:  # a Python without the C accelerator
        return _ENCODER.encode(obj)
    return "".join(_c_encode(obj, 0))


def _loads(text: str | bytes) -> Any:
    """``json.loads(text)`` refusing NaN and infinities, with the one decoder.

    Raises:
        ValueError: ``text`` is not JSON (``json.JSONDecodeError``), or holds
            ``NaN``/``Infinity``.
    """
    if not isinstance(text, str):  # as json.loads reads bytes
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    try:
        # A frame is one value with nothing around it: scan it at once.
        value, end = _scan_once(text, 0)
    except StopIteration:  # leading whitespace, or no value: decode() says which
        end = -1
    if end == len(text):
        return value
    return _DECODER.decode(text)  # trailing whitespace is fine; anything else raises


# --- failures ----------------------------------------------------------------


class _Fail(Exception):
    """Internal: a decode/encode failure on its way up to the top-level call.

    Each container appends its segment while the failure passes through, so
    the success path builds no path strings at all.
    """

    def __init__(self, reason: str, error: type[Exception] = DecodeError) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error_type = error
        self.segments: list[str] = []  # innermost first

    def at(self, segment: str) -> _Fail:
        self.segments.append(segment)
        return self

    def path(self) -> str:
        path = ""
        for segment in reversed(self.segments):
            if path and not segment.startswith("["):
                path += "."
            path += segment
        return path

    def error(self, path: str) -> Exception:
        where = f" (at {path})" if path else ""
        return self.error_type(self.reason + where)


def _describe(obj: object) -> str:
    """Say what was found, briefly: ``str 'abc'``, ``list``, ``None``."""
    if obj is None:
        return "null"
    if isinstance(obj, str | int | float):
        text = repr(obj)
        if len(text) > 40:
            text = text[:37] + "..."
        return f"{type(obj).__name__} {text}"
    return type(obj).__name__


def _type_name(tp: object) -> str:
    if tp is None or tp is type(None):
        return "null"
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__name__
    return repr(tp).replace("typing.", "")


# --- encoding ------------------------------------------------------------------

_SCALARS = (str, int, bool, type(None))


def _dump(value: object) -> JsonValue:
    t = type(value)
    if t in _SCALARS:
        return value  # type: ignore[return-value]  # one of the scalar types above
    fields = _ENCODED_FIELDS.get(t)
    if fields is None:
        if t is float:
            return _dump_float(value)  # type: ignore[arg-type]
        if isinstance(value, enum.Enum):
            return _dump(value.value)
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return _dump_other(value, t)
        fields = _encoded_fields(t)
    # A dataclass (its type seen before: one dict lookup). Scalar fields need
    # no call: a sync encodes the store's value on every local change.
    out: dict[str, JsonValue] = {}
    for name in fields:
        item = getattr(value, name)
        if type(item) in _SCALARS:
            out[name] = item
            continue
        try:
            out[name] = _dump(item)
        except _Fail as fail:
            fail.at(name)
            raise
    return out


def _dump_other(value: object, t: type) -> JsonValue:
    """``_dump`` of a list, tuple, dict, or a subclass of float, str or int."""
    if isinstance(value, list | tuple):
        items: list[JsonValue] = []
        for i, item in enumerate(value):
            try:
                items.append(_dump(item))
            except _Fail as fail:
                fail.at(f"[{i}]")
                raise
        return items
    if isinstance(value, dict):
        mapping: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Fail(f"cannot encode a dict key of type {type(key).__name__}", TypeError)
            try:
                mapping[key] = _dump(item)
            except _Fail as fail:
                fail.at(f"[{json.dumps(key)}]")
                raise
        return mapping
    if isinstance(value, float):
        return _dump_float(value)
    if isinstance(value, str | int):
        return value
    raise _Fail(f"cannot encode a {t.__name__} as JSON", TypeError)


def _dump_float(value: float) -> float:
    if not math.isfinite(value):
        raise _Fail(f"cannot encode {value!r}: JSON has no such number", ValueError)
    return value


_ENCODED_FIELDS: dict[type, tuple[str, ...]] = {}


def _encoded_fields(cls: type) -> tuple[str, ...]:
    names = _ENCODED_FIELDS.get(cls)
    if names is None:
        names = _ENCODED_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


# --- decoding ------------------------------------------------------------------

_Load = Callable[[Any], Any]


class _Builder:
    """Compiles a type into a loader function, once per codec."""

    def __init__(self) -> None:
        # Dataclasses already being built, so that recursive types terminate.
        self._dataclasses: dict[type, _Load] = {}

    def loader(self, tp: Any) -> _Load:
        if tp is Any or tp is object:
            return _load_any
        if tp is None or tp is type(None):
            return _load_none
        if tp is bool:
            return _load_bool
        if tp is int:
            return _load_int
        if tp is float:
            return _load_float
        if tp is str:
            return _load_str
        supertype = getattr(tp, "__supertype__", None)  # typing.NewType
        if supertype is not None:
            return self.loader(supertype)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return _enum_loader(tp)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._dataclass_loader(tp)
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is list or origin is list:
            return _list_loader(self.loader(args[0]) if args else _load_any)
        if tp is tuple:
            return _tuple_of(_list_loader(_load_any))
        if origin is tuple:
            return self._tuple_loader(args)
        if tp is dict or origin is dict:
            if args and args[0] is not str and args[0] is not Any:
                raise TypeError(f"unsupported type {_type_name(tp)}: JSON object keys are str")
            return _dict_loader(self.loader(args[1]) if args else _load_any)
        if origin is Union or origin is types.UnionType:
            return _union_loader(tp, [self.loader(arg) for arg in args])
        if origin is typing.Literal:
            return _literal_loader(args)
        if origin is typing.Annotated:
            return self.loader(args[0])
        raise TypeError(f"unsupported type for the JSON codec: {_type_name(tp)}")

    def _tuple_loader(self, args: tuple[Any, ...]) -> _Load:
        if len(args) == 2 and args[1] is Ellipsis:
            return _tuple_of(_list_loader(self.loader(args[0])))
        if args == ((),):  # tuple[()] on older Pythons
            args = ()
        return _fixed_tuple_loader([self.loader(arg) for arg in args])

    def _dataclass_loader(self, cls: type) -> _Load:
        known = self._dataclasses.get(cls)
        if known is not None:
            return known
        built: list[_Load] = []
        # Placeholder until the real loader exists: a field of a recursive
        # dataclass refers back to it (Node.children: list[Node]).
        self._dataclasses[cls] = lambda obj: built[0](obj)
        try:
            hints = typing.get_type_hints(cls)
        except Exception as exc:
            raise TypeError(f"cannot resolve the type hints of {cls.__qualname__}: {exc}") from exc
        specs: list[tuple[str, _Load, bool]] = []
        for field in dataclasses.fields(cls):
            if not field.init:
                continue  # __init__ computes it; what was encoded is ignored
            required = (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            )
            try:
                load = self.loader(hints[field.name])
            except TypeError as exc:
                raise TypeError(f"{cls.__qualname__}.{field.name}: {exc}") from exc
            specs.append((field.name, load, required))
        loader = _make_dataclass_loader(cls, specs)
        built.append(loader)
        self._dataclasses[cls] = loader
        return loader


def _load_any(obj: Any) -> Any:
    return obj


def _load_none(obj: Any) -> None:
    if obj is not None:
        raise _Fail(f"expected null, got {_describe(obj)}")


def _load_bool(obj: Any) -> bool:
    if type(obj) is not bool:
        raise _Fail(f"expected bool, got {_describe(obj)}")
    return obj


def _load_int(obj: Any) -> int:
    # bool is an int subclass, but true is not 1 in a JSON model.
    if not isinstance(obj, int) or isinstance(obj, bool):
        raise _Fail(f"expected int, got {_describe(obj)}")
    return int(obj)


def _load_float(obj: Any) -> float:
    if not isinstance(obj, int | float) or isinstance(obj, bool):
        raise _Fail(f"expected float, got {_describe(obj)}")
    try:
        return float(obj)
    except OverflowError:
        raise _Fail(f"number too large for a float: {_describe(obj)}") from None


def _load_str(obj: Any) -> str:
    if not isinstance(obj, str):
        raise _Fail(f"expected str, got {_describe(obj)}")
    return obj


def _enum_loader(cls: type[enum.Enum]) -> _Load:
    allowed = ", ".join(repr(member.value) for member in cls)
    # In a JSON model true is not 1: refuse bools unless a value is a bool.
    takes_bools = any(type(member.value) is bool for member in cls)

    def load(obj: Any) -> enum.Enum:
        if isinstance(obj, bool) and not takes_bools:
            raise _Fail(f"expected one of {allowed} ({cls.__name__}), got {_describe(obj)}")
        try:
            return cls(obj)
        except (ValueError, TypeError):
            raise _Fail(
                f"expected one of {allowed} ({cls.__name__}), got {_describe(obj)}"
            ) from None

    return load


def _list_loader(item: _Load) -> _Load:
    def load(obj: Any) -> list[Any]:
        if not isinstance(obj, list):
            raise _Fail(f"expected list, got {_describe(obj)}")
        out = []
        for i, raw in enumerate(obj):
            try:
                out.append(item(raw))
            except _Fail as fail:
                fail.at(f"[{i}]")
                raise
        return out

    return load


def _tuple_of(load_list: _Load) -> _Load:
    def load(obj: Any) -> tuple[Any, ...]:
        return tuple(load_list(obj))

    return load


def _fixed_tuple_loader(items: list[_Load]) -> _Load:
    def load(obj: Any) -> tuple[Any, ...]:
        if not isinstance(obj, list):
            raise _Fail(f"expected list of {len(items)} items, got {_describe(obj)}")
        if len(obj) != len(items):
            raise _Fail(f"expected list of {len(items)} items, got {len(obj)} items")
        out = []
        for i, (item, raw) in enumerate(zip(items, obj, strict=True)):
            try:
                out.append(item(raw))
            except _Fail as fail:
                fail.at(f"[{i}]")
                raise
        return tuple(out)

    return load


def _dict_loader(value: _Load) -> _Load:
    def load(obj: Any) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise _Fail(f"expected object, got {_describe(obj)}")
        out = {}
        for key, raw in obj.items():
            if not isinstance(key, str):
                raise _Fail(f"expected str keys, got {_describe(key)}")
            try:
                out[key] = value(raw)
            except _Fail as fail:
                fail.at(f"[{json.dumps(key)}]")
                raise
        return out

    return load


def _union_loader(tp: Any, alternatives: list[_Load]) -> _Load:
    expected = " | ".join(_type_name(arg) for arg in typing.get_args(tp))
    optional = _load_none in alternatives

    def load(obj: Any) -> Any:
        if obj is None and optional:
            return None
        for alternative in alternatives:
            try:
                return alternative(obj)
            except _Fail:
                continue
        raise _Fail(f"expected {expected}, got {_describe(obj)}")

    return load


def _literal_loader(values: tuple[Any, ...]) -> _Load:
    expected = ", ".join(repr(v.value if isinstance(v, enum.Enum) else v) for v in values)

    def load(obj: Any) -> Any:
        for value in values:
            raw = value.value if isinstance(value, enum.Enum) else value
            # type() as well as ==, or 1 == True == 1.0 would all match.
            if type(raw) is type(obj) and raw == obj:
                return value
        raise _Fail(f"expected one of {expected}, got {_describe(obj)}")

    return load


def _make_dataclass_loader(cls: type, specs: list[tuple[str, _Load, bool]]) -> _Load:
    def load(obj: Any) -> Any:
        if not isinstance(obj, dict):
            raise _Fail(f"expected object ({cls.__name__}), got {_describe(obj)}")
        kwargs: dict[str, Any] = {}
        for name, field_load, required in specs:
            if name not in obj:
                if required:
                    raise _Fail(f"missing required field of {cls.__name__}").at(name)
                continue  # __init__ applies the default or default_factory
            raw = obj[name]
            # A str or int field holding one needs no call: every frame a sync
            # receives is decoded here, and in the browser each call costs.
            if (field_load is _load_str and type(raw) is str) or (
                field_load is _load_int and type(raw) is int
            ):
                kwargs[name] = raw
                continue
            try:
                kwargs[name] = field_load(raw)
            except _Fail as fail:
                fail.at(name)
                raise
        try:
            return cls(**kwargs)
        except Exception as exc:  # __post_init__ validation: the value is invalid
            raise _Fail(f"invalid {cls.__name__}: {exc}") from exc

    return load
