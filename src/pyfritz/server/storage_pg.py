"""PostgreSQL storage: many server processes (nodes) over one database.

The database is the truth, nodes are caches (DESIGN.md section 7). Every put,
on any node, is one call of the SQL function ``pyfritz_put`` (one statement,
so one transaction): it bumps the entity's revision, writes the value and
calls ``pg_notify`` on the channel ``pyfritz``, which PostgreSQL delivers on
commit, to every listening session, in commit order. Each node listens on its
own connection and broadcasts what it hears, its own puts included, so that
every node's followers get every state in one revision order.

Why this shape:

* **Revisions from the database.** Two nodes can never hand out one revision:
  the row lock taken by the ``UPDATE`` serialises puts on an entity, and the
  second sees the first's revision. A node's cache only ever holds rows the
  database reported as committed.
* **Payload under 8,000 bytes.** ``NOTIFY`` payloads must be shorter than
  8,000 bytes, values may be 512 KiB. A notification is
  ``["id", rev, "origin", seq]``, a newline and, when the whole fits in
  :data:`NOTIFY_LIMIT` bytes, the value's JSON text; otherwise the newline
  ends it and each node reads the row. If the row has moved on meanwhile, the
  node sends the newer value for the older revision (and for the ones up to
  it): a client may skip intermediate values, but never goes back to an older
  one, and every put is still acknowledged to its sender in order.
* **Puts in batches.** Puts waiting for the database go together, one round
  trip and one transaction for a batch (:meth:`PostgresStorage._write_puts`):
  a round trip per put, and a notification per put arriving on its own,
  would wake the event loop for each, and each state would then go out to
  every follower in a write of its own. In the fan-out benchmark this took
  a node's CPU per delivered state from 4.9x a SQLite node's to 1.0x.
* **asyncpg** as the driver: asyncio-native, its LISTEN callbacks run straight
  on the event loop without a task per notification, it reports a closed
  connection (termination listener), and its binary protocol is the cheapest
  in CPU per query of the Python drivers, which the fan-out benchmark counts.
  No ORM: three statements.
* **Lost connection.** When the LISTEN connection closes (database restarted,
  backend terminated, network), the node tells the hub (``lost``: nothing is
  served from the cache, joins and puts are refused), reconnects with
  exponential backoff (:data:`RECONNECT_INITIAL` up to :data:`RECONNECT_MAX`
  seconds, jittered), LISTENs again and only then tells the hub (``resumed``),
  which re-reads every entity it serves. A put whose connection breaks
  mid-commit raises :class:`~pyfritz.server.errors.StorageUnavailable`:
  it may or may not have committed, and it is not acknowledged.

* **The stored-bytes cap in the database.** ``pyfritz_stored`` holds one row,
  the total size of every value, kept by a trigger on ``pyfritz_entities``
  in the transaction of each write (``pyfritz_put``, an ``UPDATE`` or
  ``DELETE`` by hand, ``TRUNCATE``). ``pyfritz_put`` given ``max_stored``
  refuses, by raising, a write that grows that total past it: the write, the
  total and the notification are rolled back together, and since the total's
  row is locked until commit, two nodes racing to the cap cannot both pass
  it. That row is one more lock every put takes until its commit; commits of
  puts are serialised already (``NOTIFY`` takes a database-wide lock at
  commit, to deliver in commit order), so it costs little more.

Schema (created on first start, in a transaction under an advisory lock so
that nodes starting together do it once; version in ``pyfritz_meta``):

.. code-block:: sql

    pyfritz_meta(key text PRIMARY KEY, value text)         -- 'schema_version' = '2'
    pyfritz_entities(id text PRIMARY KEY, rev bigint, value text)   -- value: JSON text
    pyfritz_stored(bytes bigint, last_change bigint)        -- one row: octet_length of all values
    pyfritz_put(id text, value text, origin text = NULL, seq bigint = NULL,
                max_stored bigint = NULL) RETURNS bigint

Other services change an entity with ``SELECT pyfritz_put('p1', '{"name":"Ada"}')``;
every browser following it, on every node, gets it (``origin`` and ``seq`` null).
Version 1 (before the cap was kept in the database) is migrated when a node
of this version starts: the total is counted once, with writes held off.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import deque
from collections.abc import Collection
from typing import Any

import asyncpg

from .errors import StorageError, StorageFull, StorageUnavailable
from .pg_schema import CHANNEL, NOTIFY_LIMIT, PG_SCHEMA_VERSION, SQLSTATE_FULL, migrate
from .storage import Change, Listener, Record

__all__ = [
    "CHANNEL",
    "NOTIFY_LIMIT",
    "PG_SCHEMA_VERSION",
    "QUERY_TIMEOUT",
    "RECONNECT_INITIAL",
    "RECONNECT_MAX",
    "PostgresStorage",
]

logger = logging.getLogger("pyfritz.server")

#: First wait before reconnecting the LISTEN connection, in seconds.
RECONNECT_INITIAL = 0.05
#: Longest wait between reconnection attempts, in seconds.
RECONNECT_MAX = 2.0
#: How long a query may take, in seconds, before the database counts as
#: unreachable. asyncpg's per-connection ``command_timeout`` rather than a
#: timeout around each query: that would cost an extra task (event-loop turns)
#: per put.
QUERY_TIMEOUT = 10.0


def _unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (rather than refused the query)."""
    if isinstance(exc, asyncpg.PostgresError):
        # Class 08: connection exception; 57: operator intervention (shutdown, restart).
        return str(exc.sqlstate or "").startswith(("08", "57"))
    return isinstance(exc, OSError | asyncpg.InterfaceError | TimeoutError)


# pyfritz_put's arguments: id, value, origin, seq, max_stored.
_PutArgs = tuple[str, str, str | None, int | None, int | None]
_PUT = "SELECT pyfritz_put($1, $2, $3, $4, $5)"


def _put_error(exc: BaseException, args: _PutArgs) -> StorageError:
    """What a failed put raises: :class:`StorageFull` for the cap, else :func:`_error`'s."""
    max_stored = args[4]
    full = isinstance(exc, asyncpg.PostgresError) and exc.sqlstate == SQLSTATE_FULL
    error: StorageError
    if full and max_stored is not None:
        error = StorageFull(max_stored)
    else:
        error = _error(exc, f"saving {args[0]!r}")
    error.__cause__ = exc  # as `raise ... from exc` would
    return error


def _error(exc: BaseException, doing: str) -> StorageError:
    if _unavailable(exc):
        return StorageUnavailable(f"database unavailable while {doing}: {exc!r}")
    return StorageError(f"database refused {doing}: {exc}")


class PostgresStorage:
    """A storage in PostgreSQL, shared by any number of server processes.

    Args:
        dsn: a ``postgresql://user:password@host:port/dbname`` URL (anything
            asyncpg's ``connect`` takes).
        pool_size: connections for loads and commits (besides the LISTEN one).
        query_timeout: seconds a load or commit may take; a database that
            hangs longer (a lock held elsewhere, a stalled network) is treated
            as unavailable (:class:`~pyfritz.server.errors.StorageUnavailable`)
            instead of holding the put and its client forever.

    The constructor does no I/O; :meth:`open` connects, creates or checks the
    schema and starts listening.

    Example::

        hub = Hub(PostgresStorage("postgresql://sync@db.internal/app"))
    """

    def __init__(
        self, dsn: str, *, pool_size: int = 4, query_timeout: float = QUERY_TIMEOUT
    ) -> None:
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, not {pool_size}")
        if not query_timeout > 0:
            raise ValueError(f"query_timeout must be positive, not {query_timeout}")
        self.dsn = dsn
        self.pool_size = pool_size
        self.query_timeout = query_timeout
        self._listener: Listener | None = None
        self._pool: asyncpg.Pool | None = None
        self._listen: asyncpg.Connection | None = None
        self._reconnect: asyncio.Task[None] | None = None
        # Notifications that wait for a row read (or for one before them), in order.
        self._queue: deque[Change | tuple[str, int, str | None, int | None]] = deque()
        self._worker: asyncio.Task[None] | None = None
        # Rows read ahead: a value newer than the revisions still to be reported.
        self._ahead: dict[str, Record] = {}
        # Puts waiting for the writer task (which runs while there are any).
        self._puts: list[tuple[_PutArgs, asyncio.Future[int]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"<PostgresStorage {_redacted(self.dsn)}>"

    async def open(self, listener: Listener) -> None:
        """Connect, create or migrate the schema, LISTEN, and report changes to ``listener``.

        Raises:
            StorageError: the database cannot be reached, or its schema is
                newer than this code knows.
        """
        self._listener = listener
        self._closed = False
        try:
            connection = await asyncpg.connect(self.dsn)
        except Exception as exc:
            raise StorageError(f"cannot connect to {_redacted(self.dsn)}: {exc}") from exc
        try:
            await migrate(connection)
            self._pool = await asyncpg.create_pool(
                self.dsn,
                min_size=1,
                max_size=self.pool_size,
                command_timeout=self.query_timeout,
            )
            await self._start_listening(connection)
        except BaseException:
            await connection.close()
            if self._pool is not None:
                await self._pool.close()
                self._pool = None
            raise

    async def _start_listening(self, connection: asyncpg.Connection) -> None:
        await connection.add_listener(CHANNEL, self._on_notify)
        connection.add_termination_listener(self._on_terminated)
        self._listen = connection

    # -- the change feed -------------------------------------------------------

    def _on_notify(self, connection: Any, pid: int, channel: str, payload: object) -> None:
        """A notification: report it now if it carries its value and nothing waits."""
        try:
            header, _, value = str(payload).partition("\n")
            id, rev, origin, seq = json.loads(header)
        except (ValueError, TypeError) as exc:
            logger.error("ignored a malformed notification on %r: %s", channel, exc)
            return
        if self._queue or not value:
            self._queue.append(
                (id, rev, origin, seq) if not value else Change(id, rev, value, origin, seq)
            )
            if self._worker is None or self._worker.done():
                self._worker = asyncio.get_running_loop().create_task(self._drain())
            return
        self._report(Change(id, rev, value, origin, seq))

    def _report(self, change: Change) -> None:
        ahead = self._ahead.get(change.id)
        if ahead is not None:
            if change.rev >= ahead.rev:
                del self._ahead[change.id]
            if change.rev <= ahead.rev:
                change = change._replace(value=ahead.value)
        if self._listener is not None:
            self._listener.changed(change)

    async def _drain(self) -> None:
        """Report the queued notifications in order, reading rows for those without a value."""
        while self._queue:
            item = self._queue[0]
            if isinstance(item, Change):
                change = item
            else:
                id, rev, origin, seq = item
                known = self._ahead.get(id)
                if known is not None and known.rev >= rev:
                    change = Change(id, rev, known.value, origin, seq)
                else:
                    try:
                        record = await self.load(id)
                    except StorageError as exc:
                        # Treat it as a broken feed: drop the LISTEN connection, so
                        # that the hub re-reads everything once it is back.
                        logger.warning("cannot read %s for its notification: %s", id, exc)
                        self._queue.clear()
                        if self._listen is not None:
                            self._listen.terminate()
                        return
                    if record is None or record.rev < rev:  # pragma: no cover - deleted by hand
                        logger.error("notified %s rev %d, but the row is gone", id, rev)
                        self._queue.popleft()
                        continue
                    if record.rev > rev:
                        self._ahead[id] = record
                    change = Change(id, rev, record.value, origin, seq)
            self._queue.popleft()
            self._report(change)

    def _on_terminated(self, connection: Any) -> None:
        """The LISTEN connection closed: tell the hub, and reconnect with backoff."""
        if self._closed or connection is not self._listen:
            return
        self._listen = None
        self._ahead.clear()
        logger.warning("LISTEN connection to %s lost; reconnecting", _redacted(self.dsn))
        if self._listener is not None:
            self._listener.lost()
        if self._reconnect is None or self._reconnect.done():
            self._reconnect = asyncio.get_running_loop().create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        delay = RECONNECT_INITIAL
        attempt = 0
        while not self._closed:
            attempt += 1
            try:
                connection = await asyncpg.connect(self.dsn, timeout=10)
                try:
                    await self._start_listening(connection)
                except BaseException:
                    await connection.close()
                    raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                logger.info("reconnect attempt %d failed: %r", attempt, exc)
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, RECONNECT_MAX)
                continue
            logger.warning("LISTEN connection back after %d attempts", attempt)
            if self._listener is not None:
                self._listener.resumed()
            return

    # -- reads and writes ------------------------------------------------------

    def _require_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StorageError("the PostgreSQL storage is not open")
        return self._pool

    async def load(self, id: str) -> Record | None:
        """The record of entity ``id``, or ``None``."""
        pool = self._require_pool()
        try:
            async with pool.acquire() as connection:
                row = await connection.fetchrow(
                    "SELECT rev, value FROM pyfritz_entities WHERE id = $1", id
                )
        except Exception as exc:
            raise _error(exc, f"loading {id!r}") from exc
        return None if row is None else Record(row[0], row[1])

    async def load_many(self, ids: Collection[str]) -> dict[str, Record]:
        """The records of those of ``ids`` that have one, in one query."""
        pool = self._require_pool()
        try:
            async with pool.acquire() as connection:
                rows = await connection.fetch(
                    "SELECT id, rev, value FROM pyfritz_entities WHERE id = ANY($1::text[])",
                    list(ids),
                )
        except Exception as exc:
            raise _error(exc, f"loading {len(ids)} entities") from exc
        return {row[0]: Record(row[1], row[2]) for row in rows}

    async def commit(
        self,
        id: str,
        value: str,
        *,
        origin: str | None = None,
        seq: int | None = None,
        max_stored: int | None = None,
    ) -> int:
        """Commit ``value`` as entity ``id``'s next revision (``pyfritz_put``); return it.

        The change is reported when its notification arrives (usually just
        after this returns). ``max_stored`` is checked by the database, in the
        same transaction, against what every node has stored.

        Puts asked for while another batch is on its way to the database, or
        in the same event-loop turn, go together: one round trip and one
        transaction for all of them, in the order they were asked for (see
        :meth:`_write_puts`).
        """
        self._require_pool()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._puts.append(((id, value, origin, seq, max_stored), future))
        if self._writer is None:
            self._writer = loop.create_task(self._write_puts())
        return await future

    async def _write_puts(self) -> None:
        """Write the waiting puts, a batch per round trip, until none waits.

        Why: a put is one round trip, and each answer and each notification
        wakes the event loop; a burst of puts written one by one costs a
        turn per put, and its states then go out to every follower a write
        per put. A batch is one ``pyfritz_put`` per put in one transaction
        (asyncpg's ``fetchmany``: pipelined, atomic), so the notifications
        also arrive together. Each put keeps its own revision and its own
        notification; a refused one (``max_stored``) rolls its batch back, and
        the batch is then written put by put, so that each gets its own answer.
        """
        try:
            while self._puts:
                batch, self._puts = self._puts, []
                await self._write_batch(batch)
        finally:
            self._writer = None
            for _, future in self._puts:  # only when cancelled (closed) meanwhile
                if not future.done():
                    future.set_exception(StorageError("the PostgreSQL storage was closed"))
            self._puts.clear()

    async def _write_batch(self, batch: list[tuple[_PutArgs, asyncio.Future[int]]]) -> None:
        try:
            pool = self._require_pool()
            async with pool.acquire() as connection:
                if len(batch) == 1:
                    revs = [await connection.fetchval(_PUT, *batch[0][0])]
                else:
                    rows = await connection.fetchmany(_PUT, [args for args, _ in batch])
                    revs = [row[0] for row in rows]
        except Exception as exc:
            if len(batch) > 1 and isinstance(exc, asyncpg.PostgresError) and not _unavailable(exc):
                for put in batch:
                    await self._write_batch([put])
                return
            for args, future in batch:
                if not future.done():
                    future.set_exception(_put_error(exc, args))
            return
        for (_, future), rev in zip(batch, revs, strict=True):
            if not future.done():  # not cancelled: the caller still waits
                future.set_result(int(rev))

    async def stored_bytes(self) -> int:
        """The size of every stored value together, in bytes, as the database counts it."""
        pool = self._require_pool()
        try:
            async with pool.acquire() as connection:
                total = await connection.fetchval("SELECT bytes FROM pyfritz_stored")
        except Exception as exc:
            raise _error(exc, "reading the stored total") from exc
        return int(total)

    async def close(self) -> None:
        """Stop listening and close every connection; calling it again does nothing."""
        self._closed = True
        for task in (self._reconnect, self._worker, self._writer):
            if task is not None:
                task.cancel()
        self._reconnect = self._worker = self._writer = None
        self._queue.clear()
        listen, self._listen = self._listen, None
        if listen is not None and not listen.is_closed():
            try:
                await listen.close(timeout=5)
            except Exception:  # already broken: nothing left to release
                listen.terminate()
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), 5)
            except Exception:
                pool.terminate()


def _redacted(dsn: str) -> str:
    """``dsn`` without its password, for messages and logs."""
    scheme, sep, rest = dsn.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return dsn
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"
