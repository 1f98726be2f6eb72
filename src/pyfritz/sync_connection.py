"""One connection per socket, shared by every revisions sync over it, frames routed by entity id.

Several stores syncing over one :class:`~pyfritz.websocket.Socket` (equal
sockets with equal reconnect policies count as one) share one connection: it
is opened by the first sync and closed when the last one stops. Incoming
frames are parsed once and handed to the syncs following the frame's ``id``;
a frame that cannot be used is reported to every sync on the connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._generic import Protocol
from .errors import SendException
from .json_codec import _dumps, _loads, _scan_once
from .reporting import report
from .retry import Reconnect
from .sync_handle import (
    BadFrame,
    SyncSocket,
    _attach,
    _close,
    _connect,
    _listen,
)

__all__: list[str] = []


if TYPE_CHECKING:  # annotations only: a Protocol costs a page ~100-200 calls to define (issue 13)
    from .sync_handle import _Message

    class _Follower(Protocol):
        """What the connection calls on a sync that uses it (``_RevisionSync``)."""

        def _on_open(self) -> None: ...

        def _on_lost(self) -> None: ...

        def _on_frame(self, op: str, frame: dict[str, Any], text: str) -> None: ...

        def _fail(self, exc: Exception, context: str) -> None: ...


class _Connection:
    """One session shared by every revisions sync over a socket; routes frames by id.

    ``open``: a connection is open and frames may go out. ``reconnecting``: it
    was lost (or the first one failed) and a reconnect is under way.
    ``offline``: it ended for good.
    """

    def __init__(self, socket: SyncSocket, policy: Reconnect | None) -> None:
        self.socket = socket
        self.policy = policy
        self.client: str | None = None  # our id on the server, from this connection's snapshot
        self.open = False
        self.reconnecting = False
        self.offline = False
        # Who follows which id; tuples, so that routing a frame copies nothing.
        self._links: dict[str, tuple[_Follower, ...]] = {}
        self._users: list[_Follower] = []
        # The last put's seq: one counter per connection (a put takes the next),
        # so that links following the same entity over it never mistake each
        # other's echoes for their own.
        self._seq = 0
        self.session = session = _connect(socket, policy)
        self._unsubscribe = [
            _attach(session.messages, self),  # on_next: each frame, with no wrapper call
            _listen(session.state, self._on_state, "sync: handling a state change"),
        ]

    def add(self, link: _Follower) -> None:
        self._users.append(link)

    def remove(self, link: _Follower) -> None:
        if link in self._users:
            self._users.remove(link)
        if not self._users:
            key = (self.socket, self.policy)
            if _connections.get(key) is self:
                del _connections[key]
            for unsubscribe in self._unsubscribe:
                unsubscribe()
            _close(self.session)

    def send(self, frame: dict[str, Any]) -> None:
        """Send ``frame``; raises SendException when no connection is open."""
        self.send_text(_dumps(frame))

    def send_text(self, text: str) -> None:
        """Send an encoded frame; raises SendException when no connection is open.

        Never hands a frame to a session that is not open: a reconnecting
        session would queue it, and a queued put is stale by the time it goes.
        """
        if not self.open:
            raise SendException(str(self.session.state.value))
        self.session.send_nowait(text)

    def follow(self, link: _Follower, id: str) -> None:
        self._links[id] = (*self._links.get(id, ()), link)

    def unfollow(self, link: _Follower, id: str) -> bool:
        """Forget ``link`` for ``id``; True if nobody else follows it."""
        links = self._links.get(id)
        if links is None or link not in links:
            return False
        index = links.index(link)
        kept = links[:index] + links[index + 1 :]
        if kept:
            self._links[id] = kept
            return False
        del self._links[id]
        return True

    def _on_state(self, state: object) -> None:
        name = str(state)
        if self.offline:
            return
        if name == "open":
            if not self.open:
                # A new connection (the first, or after a reconnect): a new
                # client id comes with its snapshots; every link joins again.
                self.open, self.reconnecting, self.client = True, False, None
                for link in tuple(self._users):
                    link._on_open()
        elif name == "reconnecting":
            if self.open or not self.reconnecting:
                self.open, self.reconnecting, self.client = False, True, None
                for link in tuple(self._users):
                    link._on_lost()
        elif name in ("closing", "closed"):
            self.open, self.reconnecting, self.offline = False, False, True
            for link in tuple(self._users):
                link._on_lost()

    # -- the session's messages: this connection is their sink (one call per frame)

    def on_next(self, event: _Message) -> None:
        """Parse a frame once and hand it to the syncs following its id (the hot path)."""
        try:
            data = event.data
            if not isinstance(data, str):
                self._broadcast_bad(BadFrame("a binary frame; the sync protocol sends JSON text"))
                return
            try:
                # _loads, inlined: a frame is one JSON value with nothing around it.
                try:
                    frame, end = _scan_once(data, 0)
                except StopIteration:
                    end = -1
                if end != len(data):
                    frame = _loads(data)  # whitespace around it, or not JSON: it decides
            except (ValueError, RecursionError) as exc:
                self._broadcast_bad(BadFrame(f"not JSON ({exc})", data))
                return
            if not isinstance(frame, dict):
                self._broadcast_bad(BadFrame("not a JSON object", data))
                return
            op = frame.get("op")
            id = frame.get("id")
            if op == "state" and type(id) is str:  # the hot path: a change of an entity
                for link in self._links.get(id, ()):  # an entity nobody follows any more: ignore
                    link._on_frame(op, frame, data)
                return
            if op == "pong":
                return
            if op not in ("snapshot", "state", "error"):
                self._broadcast_bad(BadFrame(f"unknown op {op!r}", data))
                return
            if op == "snapshot":
                client = frame.get("client")
                if isinstance(client, str):
                    self.client = client
            if id is None and op == "error":
                # A refusal the server could not attribute to an entity.
                reason = frame.get("reason")
                self._broadcast_bad(BadFrame(f"the server says: {reason}", data))
                return
            if not isinstance(id, str):
                self._broadcast_bad(BadFrame(f"{op}: field 'id' must be a string", data))
                return
            for link in self._links.get(id, ()):  # an entity nobody follows any more: ignore
                link._on_frame(op, frame, data)
        except Exception as exc:  # a sink must not raise: the flow would unsubscribe it
            report(exc, "sync: handling a frame")

    def on_error(self, exc: BaseException) -> None:
        """The session's messages failed (closed abnormally): its ``state`` says so."""

    def on_complete(self) -> None:
        """The session's messages ended: its ``state`` says so."""

    def _broadcast_bad(self, exc: BadFrame) -> None:
        for link in tuple(self._users):
            link._fail(exc, "sync: a bad frame")


# Connections by socket and reconnect policy: equal sockets (same URL,
# protocols, capacity) with equal policies share one.
_connections: dict[tuple[SyncSocket, Reconnect | None], _Connection] = {}
