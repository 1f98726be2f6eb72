"""The to-do demo's data: entity types, their resource and its validator.

Pure (no DOM, no browser): the page imports it, and so does the sync server
(``pyfritz dev --resources demo.model:resources``), which runs the same
validator on every put, so a hand-crafted put cannot store an empty or
over-long text either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyfritz import Message, Resource, unique_id

__all__ = [
    "DEMO_ID",
    "MAX_TEXT",
    "Todo",
    "TodoList",
    "check_text",
    "check_todos",
    "resources",
    "text_path",
    "todos_resource",
]

#: The id of the one shared list.
DEMO_ID = "demo-todos"

#: The longest text a to-do may have.
MAX_TEXT = 80


@dataclass(frozen=True)
class Todo:
    """One row."""

    text: str
    done: bool = False
    id: str = field(default_factory=unique_id)


@dataclass(frozen=True)
class TodoList:
    """The synced entity: the whole list."""

    items: tuple[Todo, ...] = ()
    _id: str = DEMO_ID


def check_text(text: str, path: str = "") -> list[Message]:
    """What is wrong with a to-do's text: empty (only spaces) or too long."""
    if not text.strip():
        return [Message(path, "A to-do needs a text")]
    if len(text) > MAX_TEXT:
        return [Message(path, f"At most {MAX_TEXT} characters ({len(text)} now)")]
    return []


def text_path(todo_id: str) -> str:
    """The path of a row's text in the list's messages (by id: rows move)."""
    return f"items.{todo_id}.text"


def check_todos(todos: TodoList) -> list[Message]:
    """The list's validator: every text must pass :func:`check_text`."""
    return [m for todo in todos.items for m in check_text(todo.text, text_path(todo.id))]


todos_resource = Resource(
    TodoList, id=lambda todos: todos._id, empty=TodoList(), validate=check_todos
)

#: For the sync server: which resource validates which entity ids.
resources = {DEMO_ID: todos_resource}
