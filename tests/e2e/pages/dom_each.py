# A keyed list of sub-stores: add, remove, reorder, rename; rows keep their nodes.
from dataclasses import dataclass, replace

from pyscript import document

from pyfritz.dom import button, div, input_, li, p, render, render_each, span, ul
from pyfritz.store import RootStore, SubStore, handler


@dataclass(frozen=True)
class Todo:
    id: str
    text: str


class Todos(RootStore[list[Todo]]):
    @handler
    def add(self, todos: list[Todo]) -> list[Todo]:
        return [Todo("n", "new first"), *todos, Todo("z", "new last")]

    @handler
    def remove_b(self, todos: list[Todo]) -> list[Todo]:
        return [t for t in todos if t.id != "b"]

    @handler
    def reverse(self, todos: list[Todo]) -> list[Todo]:
        return todos[::-1]

    @handler
    def rename_c(self, todos: list[Todo]) -> list[Todo]:
        return [replace(t, text="renamed") if t.id == "c" else t for t in todos]

    @handler
    def to_end(self, todos: list[Todo], key: str) -> list[Todo]:
        moved = [t for t in todos if t.id == key]
        return [t for t in todos if t.id != key] + moved


store = Todos([Todo(key, f"item {key}") for key in "abcde"])


def row(todo: SubStore[Todo]) -> None:
    key = todo.current.id
    with li(data_key=key):
        span(todo.data.map(lambda t: t.text), classes="text")
        note = input_(classes="note")  # unbound: its typed text must survive moves
        enter = note.keydowns.keys().filter(lambda k: k == "Enter")
        enter.handled_by(lambda _: store.to_end(key))


def app() -> None:
    with div():
        button("Add", id="add").clicks.handled_by(store.add)
        button("Remove b", id="remove").clicks.handled_by(store.remove_b)
        button("Reverse", id="reverse").clicks.handled_by(store.reverse)
        button("Rename c", id="rename").clicks.handled_by(store.rename_c)
        with ul(id="list"):
            li("header", id="header")  # static siblings stay around the rows
            render_each(store, id=lambda t: t.id, item=row)
            li("footer", id="footer")
        p(store.data.map(lambda todos: ",".join(t.id for t in todos)), id="order")
        # The same list as plain values: a row whose value changed is rebuilt.
        with ul(id="plain"):
            pairs = store.data.map(lambda todos: [(t.id, t.text) for t in todos])
            render_each(
                pairs, id=lambda pair: pair[0], item=lambda pair: li(pair[1], data_key=pair[0])
            )


render("#app", app)
document.body.dataset.ready = "true"
