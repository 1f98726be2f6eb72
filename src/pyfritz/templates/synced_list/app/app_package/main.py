"""A shared list: every window shows the same items, synced through the server at /sync.

The list is one entity (a dataclass) that ``sync_with`` keeps equal in every
window and in the server's database. Edit this file while `pyfritz dev` runs:
the page reloads with your change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pyfritz import Resource, RootStore, handler, sync_url, unique_id, websocket
from pyfritz.dom import button, form, h1, input_, li, p, render, render_each, span, ul

__all__ = ["Item", "ItemList", "ListStore", "main", "view"]


@dataclass(frozen=True)
class Item:
    """One row of the list."""

    text: str
    id: str = field(default_factory=unique_id)


@dataclass(frozen=True)
class ItemList:
    """The synced entity: the whole list (every window shares its id)."""

    items: tuple[Item, ...] = ()
    _id: str = "shared-list"


list_resource = Resource(ItemList, id=lambda items: items._id, empty=ItemList())


class ListStore(RootStore[ItemList]):
    """The list, synced with the server at ``url``."""

    def __init__(self, url: str) -> None:
        super().__init__(list_resource.empty)
        self.sync = self.sync_with(websocket(url), list_resource)

    @handler
    def add(self, items: ItemList, text: str) -> ItemList:
        """Append a row (blank text adds nothing)."""
        text = text.strip()
        return replace(items, items=(*items.items, Item(text))) if text else items

    @handler
    def remove(self, items: ItemList, item_id: str) -> ItemList:
        """Remove the row with ``item_id``."""
        return replace(items, items=tuple(item for item in items.items if item.id != item_id))


def row(store: ListStore, item: Item) -> None:
    """One row: its text (always text, never HTML) and a remove button."""
    with li(data_id=item.id):
        span(item.text, classes="text")
        button("remove", classes="remove").clicks.map(lambda _: item.id).handled_by(store.remove)


def view(store: ListStore) -> None:
    """The page: the sync status, a form to add a row, the rows."""
    h1("Shared list")
    p(store.sync.status.map(str), id="status", classes="status")
    draft = RootStore("")
    with form(id="add") as add_form:
        text = input_(value=draft.data, id="text", placeholder="Add an item", autocomplete="off")
        text.inputs.values().handled_by(draft.update)
        button("Add", type="submit")

    def submit(_event: object) -> None:
        store.add(draft.current)
        draft.update("")

    add_form.submits.prevent_default().handled_by(submit)
    with ul(id="items"):
        # A flow of rows keyed by id: only added, removed or moved rows touch the DOM.
        render_each(
            store.data.map(lambda items: items.items),
            id=lambda item: item.id,
            item=lambda item: row(store, item),
        )


def main() -> None:  # pragma: no cover - runs in the browser
    """Mount the page on ``#app``; the sync server is the page's own (``/sync``)."""
    store = ListStore(sync_url())
    render("#app", lambda: view(store))
