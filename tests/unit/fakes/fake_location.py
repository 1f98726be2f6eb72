"""A fake :class:`pyfritz.router.Location`: a history list and a cursor, like a browser tab."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["FakeLocation"]


class FakeLocation:
    """The URL of one tab: ``push``/``replace`` change it silently (as
    ``pushState`` does); ``back``/``forward``/``visit`` are the user and notify."""

    def __init__(self, text: str = "/") -> None:
        self.entries = [text]
        self.index = 0
        self.listeners: list[Callable[[str], None]] = []

    def read(self) -> str:
        return self.entries[self.index]

    def push(self, text: str) -> None:
        del self.entries[self.index + 1 :]
        self.entries.append(text)
        self.index += 1

    def replace(self, text: str) -> None:
        self.entries[self.index] = text

    def listen(self, on_change: Callable[[str], None]) -> Callable[[], None]:
        self.listeners.append(on_change)
        return lambda: self.listeners.remove(on_change)

    # -- what the user does -------------------------------------------------

    def visit(self, text: str) -> None:
        """A link click or a typed address: a new entry, then the event."""
        self.push(text)
        self._notify()

    def back(self) -> None:
        self.index -= 1
        self._notify()

    def forward(self) -> None:
        self.index += 1
        self._notify()

    def _notify(self) -> None:
        for listener in list(self.listeners):
            listener(self.read())
