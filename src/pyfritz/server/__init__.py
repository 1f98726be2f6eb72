"""The pyfritz sync server: entities synced between browsers over WebSockets.

CPython only; it never ships to the browser. The pieces, sans-I/O first:

* :mod:`~pyfritz.server.protocol`: the frames of the sync protocol (DESIGN.md section 4);
* :mod:`~pyfritz.server.storage`: :class:`SqliteStorage` (default, one process) and
  :class:`MemoryStorage`; :mod:`~pyfritz.server.storage_pg`: ``PostgresStorage``
  (any number of processes over one PostgreSQL database; needs ``pyfritz-web[postgres]``);
* :mod:`~pyfritz.server.hub`: :class:`Hub` (entities, revisions, followers);
  :meth:`Hub.set` changes an entity from server code;
* :mod:`~pyfritz.server.session`: :class:`Session`, one connection's frames, checks and answers;
* :mod:`~pyfritz.server.origins`: the ``Origin`` allow-list;
* :mod:`~pyfritz.server.hosts`: the ``Host`` check (DNS rebinding);
* :mod:`~pyfritz.server.access`: the app's ``authenticate`` and ``authorize`` hooks;
* :mod:`~pyfritz.server.limits`: :class:`Limits`, what clients may cost the server;
* :mod:`~pyfritz.server.asgi`: :func:`sync_app`, the hub as an ASGI (Starlette) endpoint;
* :mod:`~pyfritz.server.transport`: uvicorn's WebSocket protocol with a bound
  on lingering connections.

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

from .access import Action, Authenticate, Authorize, load_hook
from .asgi import CLOSE_POLICY, CLOSE_TOO_SLOW, SyncApp, sync_app
from .errors import (
    ProtocolError,
    StorageError,
    StorageFull,
    StorageLocked,
    StorageUnavailable,
    SyncServerError,
)
from .hosts import LOOPBACK_HOSTS, check_hosts, default_allowed_hosts
from .hub import MAX_STORED, MAX_VALUE, Hub
from .limits import Limits
from .origins import DEFAULT_ALLOWED_ORIGINS, OriginPolicy
from .protocol import MAX_FRAME
from .session import Deliver, Session
from .storage import Change, Listener, MemoryStorage, Record, SqliteStorage, Storage

__all__ = [
    "CLOSE_POLICY",
    "CLOSE_TOO_SLOW",
    "DEFAULT_ALLOWED_ORIGINS",
    "LOOPBACK_HOSTS",
    "MAX_FRAME",
    "MAX_STORED",
    "MAX_VALUE",
    "Action",
    "Authenticate",
    "Authorize",
    "Change",
    "Deliver",
    "Hub",
    "Limits",
    "Listener",
    "MemoryStorage",
    "OriginPolicy",
    "ProtocolError",
    "Record",
    "Session",
    "SqliteStorage",
    "Storage",
    "StorageError",
    "StorageFull",
    "StorageLocked",
    "StorageUnavailable",
    "SyncApp",
    "SyncServerError",
    "check_hosts",
    "default_allowed_hosts",
    "load_hook",
    "sync_app",
]
