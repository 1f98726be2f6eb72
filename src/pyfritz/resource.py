"""Resources: how an entity is identified, what "empty" is, and how it goes to JSON.

A :class:`Resource` bundles what ``sync_with`` needs to know about an entity
type (fritz2's ``Resource``): an ``id`` function, an ``empty`` value, and a
codec turning values into JSON text and back. The default codec,
:class:`~pyfritz.json_codec.JsonCodec` (re-exported here), is derived from
the dataclass's type hints once, when the resource is made; decoding bad
input raises :class:`~pyfritz.errors.DecodeError` with the path and what was
expected, never a half-built object (see :mod:`pyfritz.json_codec`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ._generic import Generic, Protocol
from .errors import DecodeError
from .json_codec import JsonCodec, JsonValue, _dumps, _type_name

if TYPE_CHECKING:  # messages loads when a validator runs: most pages never define one
    from .messages import Message, Validator

__all__ = ["Codec", "JsonCodec", "JsonValue", "Resource", "unique_id"]

T = TypeVar("T")


def unique_id() -> str:
    """Return a new random id: 16 hex characters (64 random bits).

    Hex keeps it safe in URLs, JSON keys and DOM ids; 64 bits make a clash
    among the entities of one app practically impossible.

    Example::

        @dataclass(frozen=True)
        class Person:
            name: str
            _id: str = field(default_factory=unique_id)
    """
    return secrets.token_hex(8)


class Codec(Protocol[T]):
    """Turns values into JSON text and back; what ``Resource(codec=...)`` takes.

    ``decode`` should raise :class:`~pyfritz.errors.DecodeError` on bad input
    (any other exception is wrapped into one by :class:`Resource`).
    """

    def encode(self, value: T) -> str:
        """Return the JSON text of ``value``."""
        ...

    def decode(self, text: str) -> T:
        """Return the value ``text`` encodes."""
        ...


class Resource(Generic[T]):
    """An entity type as ``sync_with`` sees it: id, empty value and codec.

    Args:
        type_: the entity type, usually a dataclass (any type
            :class:`JsonCodec` supports works, e.g. ``list[Todo]``).
        id: returns the id of an entity; entities with the same id are
            the same entity in different states.
        empty: the value a store starts with before the server answers.
        codec: replaces the default :class:`JsonCodec` (anything with
            ``encode(value) -> str`` and ``decode(text) -> value``).
        validate: a validator (:mod:`pyfritz.validation`): the messages
            about an entity. ``sync_with`` sends no value with an error, and
            the sync server refuses one, with the same messages.

    Raises:
        TypeError: ``type_`` has a field of a type the default codec cannot
            handle, or ``empty`` is not an instance of ``type_``.

    Example::

        person_resource = Resource(Person, id=lambda p: p._id, empty=Person("", 0))
        text = person_resource.encode(Person("Ann", 3))
        person_resource.decode(text) == Person("Ann", 3)  # True
    """

    def __init__(
        self,
        type_: type[T],
        /,
        *,
        id: Callable[[T], str],
        empty: T,
        codec: Codec[T] | None = None,
        validate: Validator[T] | None = None,
    ) -> None:
        if validate is not None and not callable(validate):
            raise TypeError(f"validate must be a function, not {type(validate).__name__}")
        if isinstance(type_, type) and not isinstance(empty, type_):
            raise TypeError(f"empty must be a {type_.__name__}, not {type(empty).__name__}")
        self.type = type_
        self.id = id
        self.empty = empty
        self.codec = JsonCodec(type_) if codec is None else codec
        self.validator = validate

    @property
    def codec(self) -> Codec[T]:
        """The codec: :class:`JsonCodec` of the type, or the one given."""
        return self._codec

    @codec.setter
    def codec(self, codec: Codec[T]) -> None:
        self._codec = codec
        # What sync calls on every frame: the JSON codec's own methods when it
        # is one (no dispatch per call), else the methods of this class.
        self._from_json: Callable[[object], T]
        self._to_json: Callable[[T], JsonValue]
        if isinstance(codec, JsonCodec):
            self._from_json, self._to_json = codec.from_json_value, codec.to_json_value
        else:
            self._from_json, self._to_json = self.from_json_value, self.to_json_value

    def validate(self, value: T) -> tuple[Message, ...]:
        """The messages of the resource's validator about ``value`` (none without one).

        Example::

            todo_resource.validate(Todo(""))   # (Message("title", "A title is needed"),)
        """
        if self.validator is None:
            return ()
        from .messages import run_validator

        return run_validator(self.validator, value)

    def encode(self, value: T) -> str:
        """Return the JSON text of ``value``."""
        return self.codec.encode(value)

    def decode(self, text: str) -> T:
        """Return the entity ``text`` encodes.

        Raises:
            DecodeError: ``text`` is not valid JSON or not a valid entity. A
                user codec's other exceptions are chained to a DecodeError.
        """
        try:
            return self.codec.decode(text)
        except DecodeError:
            raise
        except Exception as exc:
            # One error type for every codec, so sync can tell bad data from bugs.
            raise DecodeError("", f"{type(exc).__name__}: {exc}") from exc

    def to_json_value(self, value: T) -> JsonValue:
        """Return ``value`` as a JSON value (to embed it in a larger message)."""
        if isinstance(self.codec, JsonCodec):
            return self.codec.to_json_value(value)
        result: JsonValue = json.loads(self.codec.encode(value))
        return result

    def from_json_value(self, obj: object) -> T:
        """Return the entity a JSON value (as ``json.loads`` gives) describes.

        Raises:
            DecodeError: ``obj`` is not a valid entity.
        """
        if isinstance(self.codec, JsonCodec):
            value: T = self.codec.from_json_value(obj)
            return value
        try:
            text = _dumps(obj)
        except (TypeError, ValueError) as exc:
            raise DecodeError("", f"not a JSON value: {exc}") from exc
        return self.decode(text)

    def __repr__(self) -> str:
        return f"Resource({_type_name(self.type)})"
