"""A counter: a store, a handler and a view bound to the store's data.

Edit this file while `pyfritz dev` runs: the page reloads with your change.
"""

from __future__ import annotations

from pyfritz import RootStore, handler
from pyfritz.dom import button, div, h1, p, render

__all__ = ["CounterStore", "main", "view"]


class CounterStore(RootStore[int]):
    """The page's state: one number."""

    @handler
    def add(self, count: int, step: int) -> int:
        """Add ``step`` to the count."""
        return count + step


def view(store: CounterStore) -> None:
    """The page: a title, the count (text bound to the store) and two buttons."""
    with div():
        h1("Counter")
        p(store.data.map(lambda count: f"Count: {count}"), id="count")
        button("+1", id="increment").clicks.map(lambda _: 1).handled_by(store.add)
        button("-1", id="decrement").clicks.map(lambda _: -1).handled_by(store.add)


def main() -> None:  # pragma: no cover - runs in the browser
    """Mount the page on ``#app``."""
    store = CounterStore(0)
    render("#app", lambda: view(store))
