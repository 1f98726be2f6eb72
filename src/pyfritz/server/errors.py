"""Exceptions raised by the sync server.

Hierarchy::

    SyncServerError
    ├── ProtocolError     a client frame was refused (reason, id, seq)
    └── StorageError      the storage could not load or save an entity

Misuse of an API (wrong argument type or value, e.g. ``Hub.set`` with a value
that is not JSON) raises the builtin ``TypeError`` or ``ValueError`` instead.
"""

from __future__ import annotations

__all__ = ["ProtocolError", "StorageError", "SyncServerError"]


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
