"""The second demo: a shared to-do list, one synced entity rendered with ``render_each``.

Every window shows the same list; rows are keyed by id, so adding, ticking or
removing one row leaves the others (and what you type in them) in place.
On top of that it shows the app toolkit: routes (``#/all``, ``#/active``,
``#/done``, deep-linkable), validation shared with the server
(:mod:`demo.model`), undo/redo, and a busy state while examples load.
"""

from __future__ import annotations

from dataclasses import replace

from pyfritz import (
    Message,
    RootStore,
    SubStore,
    handler,
    has_errors,
    history,
    tracker,
    validation,
    view,
    websocket,
)
from pyfritz.dom import button, div, form, h1, input_, li, nav, p, render_each, span, ul
from pyfritz.flows import Flow
from pyfritz.navigation import link, router
from pyfritz.router import Router

from .common import start, status_badge
from .model import Todo, TodoList, check_text, text_path, todos_resource

__all__ = ["TodoStore", "main"]

#: What each route shows.
FILTERS = {
    "/all": lambda todo: True,
    "/active": lambda todo: not todo.done,
    "/done": lambda todo: todo.done,
}


class TodoStore(RootStore[TodoList]):
    """The list, synced with the server."""

    def __init__(self, url: str) -> None:
        super().__init__(todos_resource.empty)
        self.sync = self.sync_with(websocket(url), todos_resource)

    @handler
    def add(self, todos: TodoList, texts: list[str]) -> TodoList:
        """Append a row for each text."""
        return replace(todos, items=(*todos.items, *(Todo(text.strip()) for text in texts)))

    @handler
    def remove(self, todos: TodoList, todo_id: str) -> TodoList:
        """Remove the row with ``todo_id``."""
        return replace(todos, items=tuple(t for t in todos.items if t.id != todo_id))

    @handler
    def clear_done(self, todos: TodoList) -> TodoList:
        """Remove every ticked row."""
        return replace(todos, items=tuple(t for t in todos.items if not t.done))


loading = tracker()


async def load_examples(store: TodoStore) -> None:
    """Fetch example rows from the site and add them (the busy state shows meanwhile)."""
    from pyscript import fetch  # type: ignore[import-not-found]

    async with loading("examples"):
        response = await fetch("./static/examples.json")
        store.add(list(await response.json()))


def error_text(messages: tuple[Message, ...]) -> str:
    """The texts of ``messages``, for a line next to the field they name."""
    return " ".join(message.text for message in messages)


def row(store: TodoStore, todo: SubStore[Todo]) -> None:
    """One row: a tick box, the text (editable), what is wrong with it, a remove button."""
    item_id = todo.current.id
    path = text_path(item_id)
    with li(classes=todo.data.map(lambda t: "todo done" if t.done else "todo"), data_id=item_id):
        input_(type="checkbox", bind=todo.sub("done"), aria_label="done")
        input_(bind=todo.sub("text"), classes="todo-text", aria_label="text")
        span(
            store.sync.messages.map(lambda ms: error_text(tuple(m for m in ms if m.path == path))),
            classes="field-error",
        )
        button("✕", classes="remove", aria_label="remove").clicks.handled_by(
            lambda _: store.remove(item_id)
        )


def route_links(routes: Router) -> None:
    """Links to the three routes; the current one is marked."""
    with nav(classes="filters"):
        for path, label in (("/all", "All"), ("/active", "Active"), ("/done", "Done")):
            link(routes, path, label, id=f"show-{path[1:]}", classes={"current": at(routes, path)})


def at(routes: Router, path: str) -> Flow[bool]:
    """Whether the router is at ``path``."""
    return routes.data.map(lambda route: route.path == path)


def app(store: TodoStore) -> None:
    """The list card."""
    routes = router("/all", routes=FILTERS)
    edits = history(store)
    draft = RootStore("")
    draft_check = validation(draft, check_text)
    with div(classes="card"):
        with div(classes="card-head"):
            h1("To-do")
            status_badge(store.sync.status)
        with form(id="new-todo") as new_todo:
            input_(bind=draft, id="new-text", placeholder="What needs doing?", autocomplete="off")
            button("Add", type="submit", disabled=draft_check.valid.map(lambda ok: not ok))
        # An empty draft only disables Add; a message appears once there is text.
        p(
            draft.data.combine(
                draft_check.messages, lambda text, ms: error_text(ms) if text else ""
            ),
            id="new-text-error",
            classes="field-error",
        )

        def submit(_event: object) -> None:
            if not has_errors(draft_check.messages.value):
                store.add([draft.current])
                draft.update("")

        new_todo.submits.prevent_default().handled_by(submit)
        route_links(routes)
        shown = view(store.sub("items"), filter=routes.data.map(lambda r: FILTERS[r.path]))
        with ul(id="todos"):
            render_each(shown, id=lambda t: t.id, item=lambda todo: row(store, todo))
        with div(classes="card-foot"):
            span(
                store.data.map(
                    lambda todos: (
                        f"{sum(not t.done for t in todos.items)} of {len(todos.items)} left"
                    )
                ),
                id="count",
            )
            button(
                "Undo", id="undo", disabled=edits.can_back.map(lambda ok: not ok)
            ).clicks.handled_by(lambda _: edits.back())
            button(
                "Redo", id="redo", disabled=edits.can_forward.map(lambda ok: not ok)
            ).clicks.handled_by(lambda _: edits.forward())
            button("Clear done", id="clear-done").clicks.handled_by(store.clear_done)
        with div(classes="card-foot"):
            button("Add examples", id="load-examples", disabled=loading.data).clicks.handled_by(
                lambda _: load_examples(store)
            )
            span(loading.data.map(lambda busy: "Loading…" if busy else ""), id="busy")


def main() -> None:  # pragma: no cover - runs in the browser
    """Mount the list on ``#app``."""
    start(TodoStore, app)
