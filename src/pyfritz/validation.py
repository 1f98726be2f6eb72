"""Validation: one plain function of an entity, run in the page and in the server.

A *validator* is a function from a value to the :class:`Message` s that
describe what is wrong with it (none when it is fine). Each message names the
field it is about by its ``path`` (``"title"``, ``"address.city"``,
``"items.2.name"``; ``""`` for the whole value), says what is wrong in
``text`` and has a ``severity``: only ``"error"`` makes a value invalid;
``"warning"`` and ``"info"`` are shown but let it through.

Attach it to a resource, ``Resource(Todo, ..., validate=check_todo)``, and
the same definition works on both sides:

* in the page, :func:`validation` follows a store and gives its ``messages``
  as a flow (``sync_with`` does this by itself: ``sync.messages``), and
  ``sync_with`` never sends a value with an error (the status says
  ``invalid`` until the user fixes it);
* in the sync server, ``Hub(..., resources={"todo:*": todo_resource})`` runs
  the validator on every put and refuses an invalid one with its messages,
  so a client that skips validation cannot store bad data.

A validator that raises is a bug, not a verdict: the exception is reported
and the value counts as invalid (a message at path ``""`` says so).

Example::

    def check_todo(todo: Todo) -> list[Message]:
        if not todo.title.strip():
            return [Message("title", "A title is needed")]
        if len(todo.title) > 80:
            return [Message("title", "At most 80 characters")]
        return []

    checked = validation(draft_store, check_todo)
    p(checked.at("title").map(lambda ms: ms[0].text if ms else ""), classes="error")
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from ._generic import Generic
from .hot import MutableStateFlow, StateFlow
from .messages import Message, Validator, has_errors, run_validator
from .operators import Flow
from .store import Store

__all__ = ["Validation", "validation"]

T = TypeVar("T")


class Validation(Generic[T]):
    """The messages of a store's current value, kept up to date; made by :func:`validation`."""

    def __init__(self, store: Store[T], validate: Validator[T]) -> None:
        self._validate = validate
        self._messages: MutableStateFlow[tuple[Message, ...]] = MutableStateFlow(
            run_validator(validate, store.current)
        )
        self._task: asyncio.Task[None] | None = store.data.on_each(self._check).watch()

    @property
    def messages(self) -> StateFlow[tuple[Message, ...]]:
        """All messages about the current value."""
        return self._messages

    @property
    def valid(self) -> Flow[bool]:
        """Whether the current value has no error."""
        return self._messages.map(lambda messages: not has_errors(messages)).distinct()

    def at(self, path: str) -> Flow[tuple[Message, ...]]:
        """The messages about one field (``path`` exactly), for showing next to it.

        Example::

            p(checked.at("title").map(lambda ms: " ".join(m.text for m in ms)))
        """
        return self._messages.map(
            lambda messages: tuple(m for m in messages if m.path == path)
        ).distinct()

    def stop(self) -> None:
        """Stop following the store."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _check(self, value: T) -> None:
        self._messages.value = run_validator(self._validate, value)


def validation(store: Store[T], validate: Validator[T]) -> Validation[T]:
    """Validate every value of ``store`` with ``validate``; the messages as flows.

    Needs a running event loop (it starts following at once).

    Example::

        checked = validation(person_store, check_person)
        button("Save", disabled=checked.valid.map(lambda ok: not ok))
    """
    return Validation(store, validate)
