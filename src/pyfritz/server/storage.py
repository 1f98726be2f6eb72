"""Where the hub keeps entities: one record (revision + value JSON) per entity id.

The storage is the truth and assigns revisions: :meth:`Storage.commit` bumps
an entity's revision and writes its value in one commit, then reports the
committed :class:`Change` to its :class:`Listener` (the hub), which broadcasts
it. :class:`SqliteStorage` is the default for one process: a single table in a
SQLite file, in WAL mode, locked against a second serving process.
:class:`MemoryStorage` keeps records in a dict, for tests and throwaway
servers. :class:`~pyfritz.server.storage_pg.PostgresStorage` serves any number
of processes over one PostgreSQL database.

Both storages here do their (short, local) I/O synchronously inside the async
methods and report each change before :meth:`~Storage.commit` returns: one
process, one order. A storage is used from one event loop by one hub.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection
from typing import IO, NamedTuple, Protocol

from .errors import StorageError, StorageFull, StorageLocked

__all__ = ["Change", "Listener", "MemoryStorage", "Record", "SqliteStorage", "Storage"]


class Record(NamedTuple):
    """An entity's stored state: its revision and its value as JSON text."""

    rev: int
    value: str


class Change(NamedTuple):
    """A committed state, as a storage reports it: who made it, and the value.

    ``origin`` is the client id of the session whose put it was and ``seq``
    that put's sequence number; both are ``None`` for a server-side set (or an
    update made through SQL by another service).
    """

    id: str
    rev: int
    value: str
    origin: str | None
    seq: int | None


class Listener(Protocol):
    """What a storage reports to (the hub)."""

    def changed(self, change: Change) -> None:
        """``change`` was committed; reported in commit order, at most once each."""
        ...

    def lost(self) -> None:
        """Changes may be missed from now on (a database connection broke)."""
        ...

    def resumed(self) -> None:
        """Changes are reported again; the ones missed meanwhile must be re-read."""
        ...


class Storage(Protocol):
    """What the hub needs from a storage."""

    async def open(self, listener: Listener) -> None:
        """Connect, create the schema if missing, and report changes to ``listener``.

        Raises:
            StorageError: the storage cannot be opened.
        """
        ...

    async def load(self, id: str) -> Record | None:
        """The record of entity ``id``, or ``None`` if it has none.

        Raises:
            StorageError: the storage could not be read.
        """
        ...

    async def load_many(self, ids: Collection[str]) -> dict[str, Record]:
        """The records of those of ``ids`` that have one.

        Raises:
            StorageError: the storage could not be read.
        """
        ...

    async def commit(
        self,
        id: str,
        value: str,
        *,
        origin: str | None = None,
        seq: int | None = None,
        max_stored: int | None = None,
    ) -> int:
        """Store ``value`` (JSON text) as entity ``id``'s next revision; return it.

        Durable once this returns; the change is reported to the listener
        once committed (before this returns, or soon after).

        ``max_stored``, if given, caps every stored value together, in bytes
        of UTF-8: a commit that would grow that total past it is refused,
        decided atomically with the write (two writers racing to the cap
        cannot both pass it). A commit that does not grow the total is never
        refused, even over the cap.

        Raises:
            StorageFull: the commit would grow the total past ``max_stored``;
                nothing was saved.
            StorageError: nothing was saved.
            StorageUnavailable: the database could not be reached; if the
                connection broke during the commit, it may have been saved.
        """
        ...

    async def stored_bytes(self) -> int:
        """The size of every stored value together, in bytes of UTF-8 JSON.

        Raises:
            StorageError: the storage could not be read.
        """
        ...

    async def close(self) -> None:
        """Release the storage; calling it again does nothing."""
        ...


class MemoryStorage:
    """A storage in a dict: fast, and gone with the process.

    Example::

        hub = Hub(MemoryStorage())
    """

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self._listener: Listener | None = None
        # The total of every value's UTF-8 size, kept by commit.
        self._stored = 0

    async def open(self, listener: Listener) -> None:
        """Report changes to ``listener``."""
        self._listener = listener

    async def load(self, id: str) -> Record | None:
        """The record of entity ``id``, or ``None``."""
        return self.records.get(id)

    async def load_many(self, ids: Collection[str]) -> dict[str, Record]:
        """The records of those of ``ids`` that have one."""
        return {id: self.records[id] for id in ids if id in self.records}

    async def stored_bytes(self) -> int:
        """The size of every stored value together, in bytes of UTF-8 JSON."""
        return self._stored

    async def commit(
        self,
        id: str,
        value: str,
        *,
        origin: str | None = None,
        seq: int | None = None,
        max_stored: int | None = None,
    ) -> int:
        """Store ``value`` as entity ``id``'s next revision and report it."""
        current = self.records.get(id)
        replaced = 0 if current is None else _utf8_len(current.value)
        stored = _grown(self._stored, replaced, value, max_stored)
        rev = 1 if current is None else current.rev + 1
        self.records[id] = Record(rev, value)
        self._stored = stored
        if self._listener is not None:
            self._listener.changed(Change(id, rev, value, origin, seq))
        return rev

    async def close(self) -> None:
        """Nothing to release."""


#: The SQLite layout's version, kept in ``PRAGMA user_version``.
SQLITE_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id    TEXT PRIMARY KEY,
    rev   INTEGER NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID
"""

_UPSERT = (
    "INSERT INTO entities (id, rev, value) VALUES (?, 1, ?) "
    "ON CONFLICT (id) DO UPDATE SET rev = entities.rev + 1, value = excluded.value "
    "RETURNING rev"
)


class SqliteStorage:
    """A storage in a SQLite file, for one process: one row per entity, each commit its own.

    The database runs in WAL mode with ``synchronous=NORMAL``: a committed
    state survives the server process crashing or being killed; only an
    operating system crash or power loss may lose the last few commits
    (SQLite's documented trade-off for WAL, and a large gain in commit speed).
    ``":memory:"`` works too, and is as volatile as :class:`MemoryStorage`.

    The file is locked (``flock``, released when the storage closes or the
    process ends): a second process that opens it to serve it is refused with
    :class:`~pyfritz.server.errors.StorageLocked`, whose message says to use
    PostgreSQL. Two processes over one file would each cache what they serve
    and hand out the same revisions, so clients on one would never see the
    edits made on the other, and acknowledged states would be overwritten.

    Args:
        path: the database file; created, with its table, if missing (its
            folder must exist).

    Raises:
        StorageLocked: another process serves the file.
        StorageError: the file cannot be opened or is not a database.

    Example::

        hub = Hub(SqliteStorage("sync.db"))
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._listener: Listener | None = None
        self._lock: IO[bytes] | None = None
        if self.path != ":memory:" and not self.path.startswith("file:"):
            self._lock = _lock_file(self.path)
        try:
            # Autocommit (isolation_level=None): each upsert is one transaction,
            # committed when it has run. check_same_thread=False lets a server
            # build its hub in one thread and serve in another; the hub still
            # uses it from one thread at a time.
            self._db: sqlite3.Connection | None = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            if version > SQLITE_SCHEMA_VERSION:
                raise StorageError(
                    f"cannot open {self.path!r}: its schema version {version} is newer than "
                    f"this server's ({SQLITE_SCHEMA_VERSION}); upgrade pyfritz"
                )
            if version < SQLITE_SCHEMA_VERSION:
                self._db.execute(f"PRAGMA user_version = {SQLITE_SCHEMA_VERSION}")
            # Counted once here, then kept by commit: one process owns the file
            # (the lock above), so nobody else changes the total meanwhile.
            self._stored = self._measure()
        except sqlite3.Error as exc:
            self._unlock()
            raise StorageError(f"cannot open {self.path!r}: {exc}") from exc
        except StorageError:
            self._unlock()
            raise

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise StorageError(f"{self.path!r} is closed")
        return self._db

    async def open(self, listener: Listener) -> None:
        """Report changes to ``listener`` (the file was opened by the constructor)."""
        self._connection()
        self._listener = listener

    async def load(self, id: str) -> Record | None:
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

    async def stored_bytes(self) -> int:
        """The size of every stored value together, in bytes of UTF-8 JSON."""
        self._connection()
        return self._stored

    def _measure(self) -> int:
        # CAST: LENGTH of TEXT counts characters; of a BLOB, bytes.
        row = (
            self._connection()
            .execute("SELECT COALESCE(SUM(LENGTH(CAST(value AS BLOB))), 0) FROM entities")
            .fetchone()
        )
        return int(row[0])

    async def load_many(self, ids: Collection[str]) -> dict[str, Record]:
        """The records of those of ``ids`` that have one."""
        found = {}
        for id in ids:
            record = await self.load(id)
            if record is not None:
                found[id] = record
        return found

    async def commit(
        self,
        id: str,
        value: str,
        *,
        origin: str | None = None,
        seq: int | None = None,
        max_stored: int | None = None,
    ) -> int:
        """Store and commit ``value`` as entity ``id``'s next revision; report it."""
        db = self._connection()
        try:
            # No await between this read and the upsert: nothing else in this
            # process (the only one) writes in between.
            row = db.execute(
                "SELECT LENGTH(CAST(value AS BLOB)) FROM entities WHERE id = ?", (id,)
            ).fetchone()
            stored = _grown(self._stored, 0 if row is None else int(row[0]), value, max_stored)
            ((rev,),) = db.execute(_UPSERT, (id, value)).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot save {id!r} to {self.path!r}: {exc}") from exc
        self._stored = stored
        if self._listener is not None:
            self._listener.changed(Change(id, rev, value, origin, seq))
        return int(rev)

    async def close(self) -> None:
        """Close the database and release its lock; later calls raise :class:`StorageError`."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the descriptor releases the flock
            self._lock = None


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _grown(stored: int, replaced: int, value: str, max_stored: int | None) -> int:
    """The total after a value of ``replaced`` bytes becomes ``value``; capped.

    Raises:
        StorageFull: the total would grow past ``max_stored``.
    """
    after = stored + _utf8_len(value) - replaced
    if max_stored is not None and after > max_stored and after > stored:
        raise StorageFull(max_stored)
    return after


def _lock_file(path: str) -> IO[bytes] | None:
    """Take an exclusive ``flock`` on ``path`` (created if missing) for this process.

    ``flock`` locks are separate from the POSIX record locks SQLite itself
    takes, so this lock does not disturb SQLite; the descriptor stays open
    while the storage is, because closing it releases the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, as documented
        return None
    try:
        handle = open(path, "ab")  # noqa: SIM115 - held open for the lock's lifetime
    except OSError as exc:
        raise StorageError(f"cannot open {path!r}: {exc}") from exc
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise StorageLocked(
            f"{path!r} is already served by another process. A SQLite file serves one "
            "process only; to run more than one (several servers, uvicorn --workers N>1), "
            "use PostgreSQL: --db postgresql://user@host/dbname"
        ) from exc
    return handle
