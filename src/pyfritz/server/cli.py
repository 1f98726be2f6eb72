"""Command-line pieces of the sync server, shared by ``python -m pyfritz.server`` and
``python -m pyfritz.dev`` (which serves the pages too)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp

from .asgi import SyncApp, sync_app
from .errors import StorageError, StorageLocked
from .hub import Hub
from .origins import DEFAULT_ALLOWED_ORIGINS
from .storage import MemoryStorage, SqliteStorage, Storage
from .validate import load_resources

__all__ = ["add_sync_arguments", "build_sync", "create_app", "main", "open_storage", "serve"]


def add_sync_arguments(parser: argparse.ArgumentParser, *, default_db: str) -> None:
    """Add ``--db`` and ``--allow-origin`` to ``parser``."""
    parser.add_argument(
        "--db",
        default=default_db,
        help=(
            "SQLite file of the sync server (one process), a postgresql:// URL (any number of "
            "processes over one database), or ':memory:' to keep nothing (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="another page origin allowed to sync (repeatable; 'scheme://host:*' for any port)",
    )
    parser.add_argument(
        "--resources",
        metavar="MODULE:NAME",
        help=(
            "a mapping of entity id pattern -> Resource whose validators check every put "
            "(e.g. app.model:resources; the page imports the same module)"
        ),
    )


def open_storage(db: str) -> Storage:
    """The storage ``--db`` names: ``":memory:"``, a SQLite file, or a PostgreSQL URL.

    A PostgreSQL URL (``postgresql://user:password@host:port/dbname``) makes
    this process one node of a cluster: run as many as you like over one
    database. The storage connects when the hub opens.

    Raises:
        StorageError: the SQLite file cannot be opened or is served by
            another process (:class:`~pyfritz.server.errors.StorageLocked`).
    """
    if db == ":memory:":
        return MemoryStorage()
    if db.startswith(("postgresql://", "postgres://")):
        # Imported here: asyncpg is only needed on PostgreSQL (pyfritz-web[postgres]).
        from .storage_pg import PostgresStorage

        return PostgresStorage(db)
    return SqliteStorage(db)


def build_sync(
    db: str, allow_origins: list[str], *, resources: str | None = None
) -> tuple[Hub, SyncApp]:
    """The hub over ``db`` (see :func:`open_storage`), with its ASGI endpoint.

    ``resources``: ``module:name`` of a mapping id pattern → resource
    (:func:`~pyfritz.server.validate.load_resources`).

    Raises:
        ValueError: ``resources`` cannot be imported or is not such a mapping.
    """
    validators = load_resources(resources) if resources else None
    hub = Hub(open_storage(db), resources=validators)
    return hub, sync_app(hub, allowed_origins=[*DEFAULT_ALLOWED_ORIGINS, *allow_origins])


def serve(app: ASGIApp, hub: Hub, *, host: str, port: int) -> None:
    """Open ``hub``, run ``app`` with uvicorn until interrupted (Ctrl-C), then close ``hub``.

    Raises:
        StorageError: the hub's storage cannot be opened (nothing is served).
    """
    asyncio.run(_serve(app, hub, host=host, port=port))


async def _serve(app: ASGIApp, hub: Hub, *, host: str, port: int) -> None:
    await hub.open()
    try:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        await uvicorn.Server(config).serve()
    finally:
        await hub.close()


def create_app() -> Starlette:
    """The sync endpoint at ``/sync`` as an ASGI app, configured from the environment.

    For ASGI servers that start the app themselves, e.g. with workers::

        PYFRITZ_DB=postgresql://sync@db/app uvicorn --factory \\
            pyfritz.server.cli:create_app --workers 4

    ``PYFRITZ_DB`` is what ``--db`` takes (default ``sync.sqlite3``);
    ``PYFRITZ_ALLOW_ORIGINS`` more allowed page origins, separated by spaces;
    ``PYFRITZ_RESOURCES`` what ``--resources`` takes.
    With SQLite, a second worker is refused at start
    (:class:`~pyfritz.server.errors.StorageLocked`) and stops the whole
    server (uvicorn's supervisor would restart it forever): use PostgreSQL.
    """
    db = os.environ.get("PYFRITZ_DB", "sync.sqlite3")
    try:
        hub, endpoint = build_sync(
            db,
            os.environ.get("PYFRITZ_ALLOW_ORIGINS", "").split(),
            resources=os.environ.get("PYFRITZ_RESOURCES") or None,
        )
    except StorageLocked as exc:
        parent = multiprocessing.parent_process()
        if parent is not None and parent.pid is not None:
            # A worker of `uvicorn --workers N`: its supervisor would start
            # this worker again and again; stop the whole server instead. Said
            # here, at once: the supervisor may end this worker before it
            # gets to print the traceback.
            print(f"pyfritz.server: {exc}; stopping the server", file=sys.stderr, flush=True)
            os.kill(parent.pid, signal.SIGTERM)
        raise

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.open()
        try:
            yield
        finally:
            await hub.close()

    return Starlette(routes=[WebSocketRoute("/sync", endpoint)], lifespan=lifespan)


def main(argv: list[str] | None = None) -> int:
    """Serve the sync endpoint at ``/sync`` until interrupted (127.0.0.1 by default)."""
    parser = argparse.ArgumentParser(prog="python -m pyfritz.server", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8001, help="port (default: %(default)s)")
    add_sync_arguments(parser, default_db="sync.sqlite3")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        hub, endpoint = build_sync(args.db, args.allow_origin, resources=args.resources)
        app = Starlette(routes=[WebSocketRoute("/sync", endpoint)])
        print(f"pyfritz.server: ws://{args.host}:{args.port}/sync (db: {args.db})", flush=True)
        serve(app, hub, host=args.host, port=args.port)
    except (StorageError, ValueError) as exc:
        print(f"pyfritz.server: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
