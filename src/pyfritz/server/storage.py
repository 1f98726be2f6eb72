"""Where the hub keeps entities: one record (revision + value JSON) per entity id.

:class:`SqliteStorage` is the default: a single table in a SQLite file, in WAL
mode, each :meth:`~Storage.save` committed before it returns, so that a state
the hub broadcasts is already on disk and a restarted hub over the same file
finds every entity at its revision. :class:`MemoryStorage` keeps records in a
dict, for tests and throwaway servers.

A storage is used from one thread (the event loop's) by one hub; the hub caches
the entities it serves, so two hubs must not share one file.
"""

from __future__ import annotations

import os
import sqlite3
from typing import NamedTuple, Protocol

from .errors import StorageError

__all__ = ["MemoryStorage", "Record", "SqliteStorage", "Storage"]


class Record(NamedTuple):
    """An entity's stored state: its revision and its value as JSON text."""

    rev: int
    value: str


class Storage(Protocol):
    """What the hub needs from a storage."""

    def load(self, id: str) -> Record | None:
        """The record of entity ``id``, or ``None`` if it has none.

        Raises:
            StorageError: the storage could not be read.
        """
        ...

    def save(self, id: str, record: Record) -> None:
        """Store ``record`` as entity ``id``'s state; durable once this returns.

        Raises:
            StorageError: nothing was saved.
        """
        ...

    def close(self) -> None:
        """Release the storage; calling it again does nothing."""
        ...


class MemoryStorage:
    """A storage in a dict: fast, and gone with the process.

    Example::

        hub = Hub(MemoryStorage())
    """

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}

    def load(self, id: str) -> Record | None:
        """The record of entity ``id``, or ``None``."""
        return self.records.get(id)

    def save(self, id: str, record: Record) -> None:
        """Store ``record`` as entity ``id``'s state."""
        self.records[id] = record

    def close(self) -> None:
        """Nothing to release."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id    TEXT PRIMARY KEY,
    rev   INTEGER NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID
"""


class SqliteStorage:
    """A storage in a SQLite file: one row per entity, each save its own commit.

    The database runs in WAL mode with ``synchronous=NORMAL``: a committed save
    survives the server process crashing or being killed; only an operating
    system crash or power loss may lose the last few commits (SQLite's
    documented trade-off for WAL, and a large gain in commit speed).
    ``":memory:"`` works too, and is as volatile as :class:`MemoryStorage`.

    Args:
        path: the database file; created, with its table, if missing (its
            folder must exist).

    Raises:
        StorageError: the file cannot be opened or is not a database.

    Example::

        hub = Hub(SqliteStorage("sync.db"))
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            # Autocommit (isolation_level=None): each upsert is one transaction,
            # committed when execute() returns. check_same_thread=False lets a
            # server build its hub in one thread and serve in another; the hub
            # still uses it from one thread at a time.
            self._db: sqlite3.Connection | None = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {self.path!r}: {exc}") from exc

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StorageError(f"{self.path!r} is closed")
        return self._db

    def load(self, id: str) -> Record | None:
        """The record of entity ``id``, or ``None``."""
        try:
            row = (
                self._connection()
                .execute("SELECT rev, value FROM entities WHERE id = ?", (id,))
                .fetchone()
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot load {id!r} from {self.path!r}: {exc}") from exc
        return None if row is None else Record(row[0], row[1])

    def save(self, id: str, record: Record) -> None:
        """Store and commit ``record`` as entity ``id``'s state."""
        try:
            self._connection().execute(
                "INSERT INTO entities (id, rev, value) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, value = excluded.value",
                (id, record.rev, record.value),
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot save {id!r} to {self.path!r}: {exc}") from exc

    def close(self) -> None:
        """Close the database; later loads and saves raise :class:`StorageError`."""
        if self._db is not None:
            self._db.close()
            self._db = None
