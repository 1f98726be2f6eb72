"""Keep a store in sync with a server over a WebSocket: ``store.sync_with(socket, resource)``.

Two wire formats:

* ``mode="revisions"`` (default) speaks the sync protocol of the bundled
  server (DESIGN.md section 4): ``join``/``snapshot``, ``put``/``state``,
  ``error``, many entities over one connection. Guarantees: at most one
  ``put`` in flight per entity (later local changes coalesce into the next
  one); while an own put is unanswered the store keeps its local value, and
  once none is in flight it takes the last ``state`` the server sent, so when
  the traffic stops every client shows the server's last accepted state. A
  refused put rolls the store back to the server's state (the refused change
  and any change made on top of it are dropped). Own echoes are recognised by
  ``origin`` (the ``client`` of the snapshot) and ``seq``; a value that came
  from the server is never sent back.
* ``mode="plain"`` speaks fritz2's format: the entity's JSON as a text frame,
  both ways, no envelope, for servers that know nothing else. Weaker: no
  acknowledgements (status is ``synced`` once the frame is handed to the
  socket), no revisions (two concurrent edits can leave two clients with
  different values until the next change), no refusals, nothing sent until
  the first local change (the server is expected to send the current value),
  and one connection per synced store.

Why the hot path looks like this: frames are handled synchronously inside
the socket's message event and the store's change event (push sinks on the
flows, DESIGN.md section 5), with no task and no await per message. So
``sync_with`` needs no running event loop either and may be called from a
store's ``__init__``.

Several stores syncing over one :class:`~pyfritz.websocket.Socket` (equal
sockets count as one) share one connection, multiplexed by entity id; the
connection is opened by the first ``sync_with`` and closed when the last one
stops (:mod:`pyfritz.sync_connection`).

Reconnecting (``reconnect=True``, the default): the connection is a
reconnecting session (:mod:`pyfritz.reconnect`, with a heartbeat in the
revisions mode, :data:`SYNC_RECONNECT`). Frames go out only while a connection
is open; sync never uses the session's queue for sends made while
disconnected, because a queued ``put`` would carry a stale value and a stale
``base``. Instead, while the connection is lost the status is
``reconnecting``, local changes only mark the entity changed, and an
unanswered put counts as such a change. On each reopen every followed entity
is joined again with its last ``rev``; once its snapshot is in, the store's
latest value is sent as one ``put`` if it changed and differs from the
snapshot's, otherwise the store takes the snapshot. ``offline`` means the
connection ended for good (stopped, ``max_retries`` exhausted, a do-not-retry
close code, or ``reconnect=False`` and the connection closed).

The module only talks to the WebSocket through the small
:class:`SyncSocket`/:class:`SyncSession` protocols, which the browser's
``pyfritz.websocket`` satisfies and tests fake.

Errors (on :attr:`Sync.errors`, also passed to :func:`~pyfritz.flows.report`):
:class:`PutRefused` (the server refused a put), :class:`BadFrame` (a frame
that is not JSON, not an object, has an unknown op or bad fields), and
:class:`~pyfritz.errors.DecodeError` (a value the resource cannot decode).
None of them stops the sync; the store keeps its value.
"""

from __future__ import annotations

from typing import TypeVar

from . import store as _store
from .resource import Resource
from .retry import Reconnect
from .store import Store
from .sync_handle import (
    SYNC_RECONNECT,
    BadFrame,
    PutRefused,
    Sync,
    SyncMode,
    SyncSession,
    SyncSocket,
    SyncStatus,
    _policy,
)
from .sync_revisions import _RevisionSync

__all__ = [
    "SYNC_RECONNECT",
    "BadFrame",
    "PutRefused",
    "Sync",
    "SyncMode",
    "SyncSession",
    "SyncSocket",
    "SyncStatus",
    "sync_with",
]

T = TypeVar("T")


def sync_with(
    store: Store[T],
    socket: SyncSocket,
    resource: Resource[T],
    *,
    mode: SyncMode = "revisions",
    reconnect: Reconnect | bool = True,
) -> Sync[T]:
    """Sync ``store`` with the server behind ``socket``, in both directions.

    Usually called as ``store.sync_with(socket, resource)``. The entity is
    ``resource.id(store.current)``; when the store's value changes to another
    id, the sync leaves the old entity and joins the new one. Needs no
    running event loop (callable from ``__init__``).

    Args:
        store: the store to keep in sync.
        socket: where the server is; stores syncing over equal sockets share
            one connection.
        resource: the entity's id, empty value and JSON codec.
        mode: ``"revisions"`` (the bundled server's protocol) or ``"plain"``
            (fritz2's wire format, weaker guarantees: see the module docs).
        reconnect: ``True`` (the default) reconnects by itself
            (:data:`SYNC_RECONNECT` in the revisions mode, ``Reconnect()`` in
            the plain one); a :class:`~pyfritz.reconnect.Reconnect` sets the
            policy; ``False`` stays offline once the connection closes.

    Returns:
        A :class:`Sync` with ``status``, ``errors`` and ``stop()``.

    Raises:
        ValueError: ``mode`` is unknown.
        TypeError: ``reconnect`` is neither a bool nor a ``Reconnect``.
        ConnectionException: the socket refused to connect (a bad URL).

    Example::

        socket = websocket("/sync")
        sync = sync_with(store, socket, person_resource)
        sync.status.handled_by(badge.update)
    """
    if mode == "revisions":
        return _RevisionSync(store, socket, resource, _policy(reconnect, SYNC_RECONNECT))
    if mode == "plain":
        # Imported here: a page on the bundled server never loads it (start-up).
        from .sync_plain import _PlainSync

        return _PlainSync(store, socket, resource, _policy(reconnect, Reconnect()))
    raise ValueError(f"mode must be 'revisions' or 'plain', not {mode!r}")


# The store depends only on its SyncHandle protocol; sync plugs itself in.
_store._sync_with = sync_with
