"""Exceptions raised by the sync server.

Hierarchy::

    SyncServerError
    ├── ProtocolError     a client frame was refused (reason, id, seq)
    └── StorageError      the storage could not load or save an entity
        ├── StorageUnavailable  the database cannot be reached now; try again later
        ├── StorageLocked       the SQLite file is served by another process already
        └── StorageFull         a commit would grow the stored values past their cap

Misuse of an API (wrong argument type or value, e.g. ``Hub.set`` with a value
that is not JSON) raises the builtin ``TypeError`` or ``ValueError`` instead.
"""

from __future__ import annotations

__all__ = [
    "ProtocolError",
    "StorageError",
    "StorageFull",
    "StorageLocked",
    "StorageUnavailable",
    "SyncServerError",
]


class SyncServerError(Exception):
    """Base class of every error the sync server raises on purpose."""


class ProtocolError(SyncServerError):
    """A client frame was refused; the hub answers it with an ``error`` frame.

    Attributes:
        reason: what was wrong, in words meant for the client's developer.
        id: the entity id the frame named, when it could be read, else ``None``.
        seq: the put's sequence number, when it could be read, else ``None``.
    """

    def __init__(self, reason: str, *, id: str | None = None, seq: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.id = id
        self.seq = seq


class StorageError(SyncServerError):
    """The storage failed; the state it was asked to save was not accepted."""


class StorageUnavailable(StorageError):
    """The database cannot be reached now (connection lost, server down).

    Nothing was applied that the caller may count on; if the connection broke
    during a commit, whether that commit happened is unknown, and the caller
    was not told it did. Retrying later is the remedy.
    """


class StorageLocked(StorageError):
    """The SQLite file is already served by another process.

    A SQLite file serves one process: the hub caches what it serves, and two
    processes would hand out the same revisions. More than one process needs
    PostgreSQL (``--db postgresql://...``).
    """


class StorageFull(StorageError):
    """A commit would grow the stored values past their cap; nothing was saved.

    Raised by :meth:`Storage.commit <pyfritz.server.storage.Storage.commit>`
    when it is given ``max_stored``; the hub answers the put with an ``error``
    whose code is ``quota``.

    Attributes:
        max_stored: the cap, in bytes of UTF-8 JSON.
    """

    def __init__(self, max_stored: int) -> None:
        super().__init__(f"storage full ({max_stored} bytes); state unchanged")
        self.max_stored = max_stored
