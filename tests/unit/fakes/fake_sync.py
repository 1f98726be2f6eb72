"""Fakes for the sync client tests: sockets whose sessions talk to the REAL hub in-process.

A :class:`FakeSocket` made with a :class:`pyfritz.server.Hub` gives sessions wired
to that hub through two queues the test drives: ``up`` (frames the client
sent, not yet received by the server) and ``down`` (frames the server sent,
not yet received by the client). Delivering them one at a time, in any order,
plays any interleaving of network latency and server order. Without a hub,
a session just records what the client sends and the test plays the server
with :meth:`FakeSession.push`.

Sessions open at once unless the socket is made with ``opened=False``. A
socket made with a :class:`~fakes.fake_clock.FakeClock` answers
``connect(reconnect=policy)`` with the real
:class:`pyfritz.reconnect.ReconnectingSession` on that clock, over fake
sessions that start connecting: the test opens (``open()``) and drops
(``drop()``) each underlying connection; ``socket.session`` is the latest.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from fakes.fake_clock import FakeClock
from fakes.sync_server import run_now
from pyfritz.errors import SendException
from pyfritz.flows import MutableSharedFlow, MutableStateFlow
from pyfritz.reconnect import Reconnect, ReconnectingSession
from pyfritz.server import Hub
from pyfritz.server import Session as HubSession
from pyfritz.websocket import CloseEvent, OpenEvent

__all__ = ["FakeMessage", "FakeSession", "FakeSocket", "pump"]


@dataclass(frozen=True)
class FakeMessage:
    """A received frame, as ``websocket.MessageEvent`` gives it."""

    data: Any


class _Done:
    """An awaitable that is already done (closing a fake needs no event loop)."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


class FakeSession:
    """A connection: ``messages``, ``state``, ``opens`` and ``closes`` flows,
    ``send_nowait`` and ``close`` (a ``SyncSession`` and a ``reconnect.SessionLike``)."""

    url = "ws://127.0.0.1:9/sync"

    def __init__(self, hub: Hub | None = None) -> None:
        self.hub = hub
        self.messages: MutableSharedFlow[FakeMessage] = MutableSharedFlow()
        self.state: MutableStateFlow[str] = MutableStateFlow("connecting")
        self.opens: MutableSharedFlow[OpenEvent] = MutableSharedFlow()
        self.closes: MutableSharedFlow[CloseEvent] = MutableSharedFlow()
        self.up: deque[str] = deque()
        self.down: deque[str] = deque()
        self.server: HubSession | None = None
        self.close_calls = 0
        self.hanging = False

    def __repr__(self) -> str:
        return f"<FakeSession {self.state.value}>"

    def send_nowait(self, data: str) -> None:
        state = self.state.value
        if state in ("closing", "closed"):
            raise SendException(state)
        self.up.append(data)

    def close(self, code: int = 1000, reason: str = "") -> _Done:
        self.close_calls += 1
        self.drop()
        return _Done()

    # -- what the test does ---------------------------------------------------

    def open(self) -> None:
        """The connection opens (and, with a hub, the server accepts it)."""
        if self.hub is not None and self.server is None:
            self.server = self.hub.connect(self.down.append)
        self.state.value = "open"
        self.opens.emit_nowait(OpenEvent(""))

    def drop(self) -> None:
        """The connection goes away (frames on the way are lost)."""
        if self.state.value == "closed":
            return
        self.state.value = "closed"
        self.up.clear()
        self.down.clear()
        if self.server is not None:
            self.server.close()
        self.closes.emit_nowait(CloseEvent(1006, "", False))
        for flow in (self.opens, self.closes, self.messages):
            flow.close()

    def hang(self) -> None:
        """The connection goes half-open: nothing arrives any more, nothing closes."""
        self.hanging = True

    def push(self, frame: str | dict[str, Any]) -> None:
        """The server sends ``frame`` (a dict is JSON-encoded) and it arrives now."""
        text = frame if isinstance(frame, str) else json.dumps(frame)
        self.messages.emit_nowait(FakeMessage(text))

    def deliver_up(self) -> bool:
        """The server receives the client's oldest frame; False if none was on the way."""
        if not self.up or self.hanging:
            return False
        assert self.server is not None, "no hub: read `sent` instead"
        run_now(self.server.receive(self.up.popleft()))
        return True

    def deliver_down(self) -> bool:
        """The client receives the server's oldest frame; False if none was on the way."""
        if not self.down or self.hanging:
            return False
        self.messages.emit_nowait(FakeMessage(self.down.popleft()))
        return True

    def take_sent(self) -> list[dict[str, Any]]:
        """The frames the client sent since the last call, decoded (without a hub)."""
        frames = [json.loads(text) for text in self.up]
        self.up.clear()
        return frames


class FakeSocket:
    """What ``sync_with`` connects through; every ``connect()`` is recorded.

    ``policies`` holds the ``reconnect`` argument of each call. Without a
    ``clock`` the policy is only recorded and a plain session is returned.
    """

    def __init__(
        self, hub: Hub | None = None, *, opened: bool = True, clock: FakeClock | None = None
    ) -> None:
        self.hub = hub
        self.opened = opened
        self.clock = clock
        self.sessions: list[FakeSession] = []
        self.policies: list[Reconnect | None] = []
        self.reconnecting: list[ReconnectingSession[FakeMessage, OpenEvent, CloseEvent]] = []

    def connect(
        self, *, reconnect: Reconnect | None = None
    ) -> FakeSession | ReconnectingSession[FakeMessage, OpenEvent, CloseEvent]:
        self.policies.append(reconnect)
        if reconnect is not None and self.clock is not None:
            session = ReconnectingSession(self._new, reconnect, clock=self.clock)
            self.reconnecting.append(session)
            return session
        plain = self._new()
        if self.opened:
            plain.open()
        return plain

    def _new(self) -> FakeSession:
        session = FakeSession(self.hub)
        self.sessions.append(session)
        return session

    @property
    def session(self) -> FakeSession:
        """The latest session."""
        return self.sessions[-1]


def pump(*sessions: FakeSession, limit: int = 10_000) -> int:
    """Deliver every frame on the way, round-robin, until all is quiet; return how many.

    Raises:
        AssertionError: still busy after ``limit`` frames (an echo loop).
    """
    moved = 0
    while True:
        busy = False
        for session in sessions:
            busy |= session.deliver_up()
            busy |= session.deliver_down()
        if not busy:
            return moved
        moved += 1
        assert moved < limit, "the sync never goes quiet: an echo loop?"
