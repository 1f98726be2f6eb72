"""The pyfritz sync server: entities synced between browsers over WebSockets.

CPython only; it never ships to the browser. The pieces, sans-I/O first:

* :mod:`~pyfritz.server.protocol`: the frames of the sync protocol (DESIGN.md section 4);
* :mod:`~pyfritz.server.storage`: :class:`SqliteStorage` (default, one process) and
  :class:`MemoryStorage`; :mod:`~pyfritz.server.storage_pg`: ``PostgresStorage``
  (any number of processes over one PostgreSQL database; needs ``pyfritz-web[postgres]``);
* :mod:`~pyfritz.server.hub`: :class:`Hub` (entities, revisions, followers) and its
  per-connection :class:`Session`; :meth:`Hub.set` changes an entity from server code;
* :mod:`~pyfritz.server.origins`: the ``Origin`` allow-list;
* :mod:`~pyfritz.server.asgi`: :func:`sync_app`, the hub as an ASGI (Starlette) endpoint.

Example::

    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from pyfritz.server import Hub, SqliteStorage, sync_app

    hub = Hub(SqliteStorage("sync.db"))   # or PostgresStorage("postgresql://...")
    app = Starlette(routes=[WebSocketRoute("/sync", sync_app(hub))])
    uvicorn.run(app, host="127.0.0.1", port=8000)   # opens the hub at start-up
"""

from __future__ import annotations

from .asgi import CLOSE_POLICY, CLOSE_TOO_SLOW, QUEUE_BYTES, QUEUE_LIMIT, SyncApp, sync_app
from .errors import (
    ProtocolError,
    StorageError,
    StorageLocked,
    StorageUnavailable,
    SyncServerError,
)
from .hub import MAX_VALUE, Deliver, Hub, Session
from .origins import DEFAULT_ALLOWED_ORIGINS, OriginPolicy
from .protocol import MAX_FRAME
from .storage import Change, Listener, MemoryStorage, Record, SqliteStorage, Storage

__all__ = [
    "CLOSE_POLICY",
    "CLOSE_TOO_SLOW",
    "DEFAULT_ALLOWED_ORIGINS",
    "MAX_FRAME",
    "MAX_VALUE",
    "QUEUE_BYTES",
    "QUEUE_LIMIT",
    "Change",
    "Deliver",
    "Hub",
    "Listener",
    "MemoryStorage",
    "OriginPolicy",
    "ProtocolError",
    "Record",
    "Session",
    "SqliteStorage",
    "Storage",
    "StorageError",
    "StorageLocked",
    "StorageUnavailable",
    "SyncApp",
    "SyncServerError",
    "sync_app",
]
