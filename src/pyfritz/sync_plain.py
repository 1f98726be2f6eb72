"""fritz2's wire format (``mode="plain"``): the entity's JSON as a text frame, both ways.

No envelope, no revisions, no acknowledgements, one connection per synced
store; for servers that know nothing else. Its weaker guarantees are listed
in :mod:`pyfritz.sync`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from .errors import DecodeError, SendException
from .resource import Resource
from .retry import Reconnect
from .store import Store
from .sync_handle import BadFrame, Sync, SyncSocket, _close, _connect, _listen

if TYPE_CHECKING:
    from .sync_handle import _Message

__all__: list[str] = []

T = TypeVar("T")


class _PlainSync(Sync[T]):
    """The entity's JSON as a text frame, both ways, over a connection of its own."""

    def __init__(
        self,
        store: Store[T],
        socket: SyncSocket,
        resource: Resource[T],
        policy: Reconnect | None,
    ) -> None:
        super().__init__(store, resource, "plain")
        self._dirty = False  # a local change made while no connection was open
        self._session = _connect(socket, policy)
        self._unsubscribe = [
            _listen(self._session.messages, self._on_message, "sync (plain): a frame"),
            _listen(self._session.state, self._on_state, "sync (plain): a state change"),
            _listen(store.data.drop(1), self._on_local, "sync (plain): a local change"),
        ]

    def _on_state(self, state: object) -> None:
        name = str(state)
        if self._stopped:
            return
        if name == "open":
            self._status.value = "synced"
            if self._dirty:  # the latest local value, not every change made meanwhile
                self._dirty = False
                self._send(self.store.current)
        elif name == "reconnecting":
            self._status.value = "reconnecting"
        elif name in ("closing", "closed"):
            self._status.value = "offline"

    def _on_message(self, event: _Message) -> None:
        if self._stopped:
            return
        data = event.data
        if not isinstance(data, str):
            self._fail(BadFrame("a binary frame; expected JSON text"), "sync (plain)")
            return
        try:
            value = self.resource.decode(data)
        except DecodeError as exc:
            self._fail(exc, f"sync (plain) of {self.store!r}: a frame the store cannot take")
            return
        self._status.value = "synced"
        self._write(value)

    def _on_local(self, value: T) -> None:
        if self._stopped or self._is_own_write(value):
            return
        state = str(self._session.state.value)
        if state in ("closing", "closed"):
            self._status.value = "offline"
        elif state != "open":
            self._dirty = True  # sent when the connection opens
        else:
            self._send(value)

    def _send(self, value: T) -> None:
        if self._invalid(value):
            self._dirty = False  # the fix is the next local change
            self._status.value = "invalid"
            return
        try:
            text = self.resource.encode(value)
        except Exception as exc:
            self._fail(exc, f"sync (plain) of {self.store!r}: cannot encode {value!r}")
            return
        try:
            self._session.send_nowait(text)
        except SendException:
            self._dirty = True  # closed under us: the state change that follows says what next
            return
        self._status.value = "synced"

    def _teardown(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        _close(self._session)
