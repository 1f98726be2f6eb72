"""The second demo: a shared to-do list, one synced entity rendered with ``render_each``.

Every window shows the same list; rows are keyed by id, so adding, ticking or
removing one row leaves the others (and what you type in them) in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pyfritz import Resource, RootStore, SubStore, handler, unique_id, websocket
from pyfritz.dom import button, div, form, h1, input_, li, render_each, span, ul

from .common import start, status_badge

__all__ = ["Todo", "TodoList", "TodoStore", "main", "todos_resource"]

DEMO_ID = "demo-todos"


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


todos_resource = Resource(TodoList, id=lambda todos: todos._id, empty=TodoList())


class TodoStore(RootStore[TodoList]):
    """The list, synced with the server."""

    def __init__(self, url: str) -> None:
        super().__init__(todos_resource.empty)
        self.sync = self.sync_with(websocket(url), todos_resource)

    @handler
    def add(self, todos: TodoList, text: str) -> TodoList:
        """Append a row with ``text`` (blank text adds nothing)."""
        text = text.strip()
        if not text:
            return todos
        return replace(todos, items=(*todos.items, Todo(text)))

    @handler
    def remove(self, todos: TodoList, todo_id: str) -> TodoList:
        """Remove the row with ``todo_id``."""
        return replace(todos, items=tuple(t for t in todos.items if t.id != todo_id))

    @handler
    def clear_done(self, todos: TodoList) -> TodoList:
        """Remove every ticked row."""
        return replace(todos, items=tuple(t for t in todos.items if not t.done))


def row(store: TodoStore, todo: SubStore[Todo]) -> None:
    """One row: a tick box, the text (editable) and a remove button."""
    item_id = todo.current.id
    with li(classes=todo.data.map(lambda t: "todo done" if t.done else "todo"), data_id=item_id):
        done = todo.sub("done")
        input_(type="checkbox", checked=done.data, aria_label="done").changes.checked().handled_by(
            done.update
        )
        text = todo.sub("text")
        input_(value=text.data, classes="todo-text").changes.values().handled_by(text.update)
        button("✕", classes="remove", aria_label="remove").clicks.map(lambda _: item_id).handled_by(
            store.remove
        )


def app(store: TodoStore) -> None:
    """The list card."""
    items = store.sub("items")
    with div(classes="card"):
        with div(classes="card-head"):
            h1("To-do")
            status_badge(store.sync.status)
        # The text being typed is a store of its own; submitting adds it and clears it.
        draft = RootStore("")
        with form(id="new-todo") as new_todo:
            input_(
                value=draft.data, id="new-text", placeholder="What needs doing?", autocomplete="off"
            ).inputs.values().handled_by(draft.update)
            button("Add", type="submit")

        def submit(_event: object) -> None:
            store.add(draft.current)
            draft.update("")

        new_todo.submits.prevent_default().handled_by(submit)
        with ul(id="todos"):
            render_each(items, id=lambda t: t.id, item=lambda todo: row(store, todo))
        with div(classes="card-foot"):
            span(
                store.data.map(
                    lambda todos: (
                        f"{sum(not t.done for t in todos.items)} of {len(todos.items)} left"
                    )
                ),
                id="count",
            )
            button("Clear done", id="clear-done").clicks.handled_by(store.clear_done)


def main() -> None:  # pragma: no cover - runs in the browser
    """Mount the list on ``#app``."""
    start(TodoStore, app)
