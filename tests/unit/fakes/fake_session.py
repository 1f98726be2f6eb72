"""A fake of one WebSocket connection, as ``pyfritz.reconnect.SessionLike`` sees it.

A :class:`FakeConnector` is the ``connect`` function: every call makes a new
:class:`FakeSession` in the connecting state, which a test drives as the
browser would: ``fire_open``, ``fire_message``, ``fire_close``.
"""

from __future__ import annotations

from pyfritz.errors import SendException
from pyfritz.flows import MutableSharedFlow
from pyfritz.websocket import CloseEvent, OpenEvent

__all__ = ["URL", "FakeConnector", "FakeSession"]

URL = "ws://127.0.0.1:9/sync"


class FakeSession:
    """One connection: records sends and close calls; events are fired by the test."""

    def __init__(self, url: str = URL, *, close_completes: bool = True) -> None:
        self.url = url
        self.state = "connecting"
        self.messages: MutableSharedFlow[str] = MutableSharedFlow()
        self.opens: MutableSharedFlow[OpenEvent] = MutableSharedFlow()
        self.closes: MutableSharedFlow[CloseEvent] = MutableSharedFlow()
        self.sent: list[object] = []
        self.close_calls: list[tuple[int, str]] = []
        # Whether close() on an open connection gets its close event at once
        # (a live server); a half-open connection never answers.
        self.close_completes = close_completes

    def __repr__(self) -> str:
        return f"<FakeSession {self.state}>"

    def send_nowait(self, data: object) -> None:
        if self.state != "open":
            raise SendException(self.state)
        self.sent.append(data)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.close_calls.append((code, reason))
        if self.state == "open" and self.close_completes:
            self.fire_close(code, reason, was_clean=True)

    # -- driving it, as the browser would ----------------------------------
    def fire_open(self, protocol: str = "") -> None:
        self.state = "open"
        self.opens.emit_nowait(OpenEvent(protocol))

    def fire_message(self, data: str) -> None:
        self.messages.emit_nowait(data)

    def fire_close(self, code: int = 1006, reason: str = "", *, was_clean: bool = False) -> None:
        self.state = "closed"
        self.closes.emit_nowait(CloseEvent(code, reason, was_clean))
        for side in (self.opens, self.closes):
            side.close()
        self.messages.close()


class FakeConnector:
    """The ``connect`` function: makes (and keeps) a new :class:`FakeSession` per call."""

    def __init__(self, url: str = URL, *, close_completes: bool = True) -> None:
        self.url = url
        self.close_completes = close_completes
        self.sessions: list[FakeSession] = []
        self.fail_with: Exception | None = None

    def __call__(self) -> FakeSession:
        if self.fail_with is not None:
            raise self.fail_with
        session = FakeSession(self.url, close_completes=self.close_completes)
        self.sessions.append(session)
        return session

    @property
    def last(self) -> FakeSession:
        """The most recent connection."""
        return self.sessions[-1]

    def fail_last(self, code: int = 1006) -> None:
        """The most recent connection attempt fails, as a refused connection."""
        self.last.fire_close(code, "", was_clean=False)
