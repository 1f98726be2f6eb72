"""Validation messages: what a validator says about a value, and how to run one.

Pure and small so that everything can use it: :class:`~pyfritz.resource.Resource`
(``validate=``), the page (:mod:`pyfritz.validation`) and the sync server,
which runs the same validator on every put. See :mod:`pyfritz.validation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from .reporting import report

__all__ = ["Message", "Severity", "Validator", "has_errors", "run_validator"]

T = TypeVar("T")

#: How bad a message is; only ``"error"`` makes a value invalid.
Severity = Literal["error", "warning", "info"]

_SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Message:
    """One finding of a validator: which field, what is wrong, how bad.

    Example::

        Message("title", "A title is needed")
        Message("due", "That is in the past", severity="warning")
    """

    path: str
    text: str
    severity: Severity = "error"

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not isinstance(self.text, str):
            raise TypeError("a message's path and text must be str")
        if self.severity not in _SEVERITIES:
            raise ValueError(f"severity must be one of {_SEVERITIES}, not {self.severity!r}")

    def to_json(self) -> dict[str, str]:
        """The message as a JSON object (as the sync server sends it)."""
        return {"path": self.path, "text": self.text, "severity": self.severity}

    @classmethod
    def from_json(cls, obj: Any) -> Message:
        """Read a message the sync server sent.

        Raises:
            TypeError, ValueError: ``obj`` is not such a message.
        """
        if not isinstance(obj, dict):
            raise TypeError(f"a message must be a JSON object, not {type(obj).__name__}")
        return cls(obj.get("path", ""), obj.get("text", ""), obj.get("severity", "error"))


#: A validator: the messages about a value (an empty iterable when it is fine).
Validator = Callable[[T], Iterable[Message]]


def has_errors(messages: Iterable[Message]) -> bool:
    """Whether any of ``messages`` is an error (warnings and infos do not count)."""
    return any(message.severity == "error" for message in messages)


def run_validator(validate: Validator[T], value: T) -> tuple[Message, ...]:
    """Run ``validate`` on ``value``; a validator that fails makes the value invalid.

    Returns:
        The messages, in the validator's order.

    Example::

        run_validator(check_todo, Todo(""))   # (Message("title", "A title is needed"),)
    """
    try:
        messages = tuple(validate(value))
    except Exception as exc:
        report(exc, f"validator {getattr(validate, '__name__', validate)!r} failed")
        return (Message("", f"validation failed: {type(exc).__name__}"),)
    for message in messages:
        if not isinstance(message, Message):
            error = TypeError(f"a validator must return Message objects, not {message!r}")
            report(error, "validator")
            return (Message("", "validation failed: TypeError"),)
    return messages
