"""Command-line pieces of the sync server, shared by ``python -m pyfritz.server`` and
``python -m pyfritz.dev`` (which serves the pages too)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp

from .access import Authenticate, Authorize, load_hook
from .asgi import SyncApp, sync_app
from .errors import StorageError, StorageLocked
from .hosts import LOOPBACK_HOSTS, check_hosts, default_allowed_hosts
from .hub import MAX_STORED, MAX_VALUE, Hub
from .limits import Limits
from .origins import DEFAULT_ALLOWED_ORIGINS
from .sockets import listen
from .storage import MemoryStorage, SqliteStorage, Storage
from .transport import uvicorn_config
from .validate import load_resources

__all__ = [
    "add_sync_arguments",
    "allowed_hosts",
    "build_sync",
    "create_app",
    "main",
    "open_storage",
    "serve",
    "serve_args",
    "sync_from_args",
    "sync_options",
]

_DEFAULT_LIMITS = Limits()


def add_sync_arguments(parser: argparse.ArgumentParser, *, default_db: str) -> None:
    """Add the sync server's options (database, origins, hosts, hooks, limits) to ``parser``."""
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
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name clients use (repeatable; '*.example.com', '*' for any); default: "
        "the loopback names when bound to loopback, else the bind address",
    )
    parser.add_argument(
        "--authenticate",
        metavar="MODULE:FUNCTION",
        help="async (connection) -> principal | None, asked at each handshake (default: none)",
    )
    parser.add_argument(
        "--authorize",
        metavar="MODULE:FUNCTION",
        help="(principal, entity_id, 'join'|'put') -> bool, asked per join and put "
        "(default: none; everything allowed)",
    )
    limits = parser.add_argument_group("limits (pyfritz.server.limits)")
    for field in dataclasses.fields(Limits):
        default = getattr(_DEFAULT_LIMITS, field.name)
        limits.add_argument(
            "--" + field.name.replace("_", "-"),
            type=type(default),
            default=default,
            metavar="N",
            help="(default: %(default)s)",
        )
    limits.add_argument(
        "--max-value",
        type=int,
        default=MAX_VALUE,
        metavar="BYTES",
        help="largest entity value (default: %(default)s)",
    )
    limits.add_argument(
        "--max-stored",
        type=int,
        default=MAX_STORED,
        metavar="BYTES",
        help="all stored values together; puts past it are refused (default: %(default)s)",
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
    db: str,
    allow_origins: list[str],
    *,
    authenticate: Authenticate | None = None,
    authorize: Authorize | None = None,
    limits: Limits | None = None,
    max_value: int = MAX_VALUE,
    max_stored: int = MAX_STORED,
    resources: str | None = None,
) -> tuple[Hub, SyncApp]:
    """The hub over ``db`` (see :func:`open_storage`), with its ASGI endpoint.

    ``resources``: ``module:name`` of a mapping id pattern → resource
    (:func:`~pyfritz.server.validate.load_resources`).

    Raises:
        ValueError: ``resources`` cannot be imported or is not such a mapping.
    """
    validators = load_resources(resources) if resources else None
    hub = Hub(open_storage(db), max_value=max_value, max_stored=max_stored, resources=validators)
    endpoint = sync_app(
        hub,
        allowed_origins=[*DEFAULT_ALLOWED_ORIGINS, *allow_origins],
        authenticate=authenticate,
        authorize=authorize,
        limits=limits,
    )
    return hub, endpoint


def sync_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`build_sync` that the options of
    :func:`add_sync_arguments` give: the hooks (loaded), the limits, ``resources``.

    Raises:
        ValueError: a hook cannot be loaded, or a limit is invalid.
    """
    limits = Limits(
        **{field.name: getattr(args, field.name) for field in dataclasses.fields(Limits)}
    )
    return {
        "authenticate": load_hook(args.authenticate) if args.authenticate else None,
        "authorize": load_hook(args.authorize) if args.authorize else None,
        "limits": limits,
        "max_value": args.max_value,
        "max_stored": args.max_stored,
        "resources": args.resources,
    }


def sync_from_args(args: argparse.Namespace, db: str | None = None) -> tuple[Hub, SyncApp]:
    """The hub and endpoint the options of :func:`add_sync_arguments` describe.

    Raises:
        ValueError: a hook cannot be loaded, or a limit is invalid.
        StorageError: see :func:`open_storage`.
    """
    return build_sync(args.db if db is None else db, args.allow_origin, **sync_options(args))


def allowed_hosts(args: argparse.Namespace) -> list[str]:
    """The ``--allowed-host`` names, or the default for ``--host``.

    Raises:
        ValueError: bound to every interface with no ``--allowed-host``.
    """
    return list(args.allowed_host) or default_allowed_hosts(args.host)


def serve(
    app: ASGIApp,
    hub: Hub,
    *,
    host: str,
    port: int,
    allowed_hosts: list[str] | None = None,
    max_frame: int = _DEFAULT_LIMITS.max_frame,
    banner: Sequence[str] = (),
) -> None:
    """Open ``hub``, run ``app`` with uvicorn until interrupted (Ctrl-C), then close ``hub``.

    Requests whose ``Host`` is not in ``allowed_hosts`` (default: see
    :func:`~pyfritz.server.hosts.default_allowed_hosts`) get HTTP 400. The
    ``banner`` lines are printed once the port listens, so that whoever waits
    for them can connect at once.

    Raises:
        StorageError: the hub's storage cannot be opened (nothing is served).
    """
    hosts = default_allowed_hosts(host) if allowed_hosts is None else allowed_hosts
    config: Any = uvicorn_config(check_hosts(app, hosts), max_frame=max_frame, lifespan="off")
    asyncio.run(_serve(config, hub, host=host, port=port, banner=banner))


async def _serve(
    config: uvicorn.Config, hub: Hub, *, host: str, port: int, banner: Sequence[str]
) -> None:
    await hub.open()
    try:
        sock = listen(host, port, backlog=2048)
        with sock:
            for line in banner:
                print(line, flush=True)
            await uvicorn.Server(config).serve(sockets=[sock])
    finally:
        await hub.close()


def create_app() -> ASGIApp:
    """The sync endpoint at ``/sync`` as an ASGI app, configured from the environment.

    For ASGI servers that start the app themselves, e.g. with workers::

        PYFRITZ_DB=postgresql://sync@db/app PYFRITZ_ALLOWED_HOSTS=app.example.com \
            uvicorn --factory pyfritz.server.cli:create_app --workers 4 \
            --ws pyfritz.server.transport:WebSocketProtocol

    ``PYFRITZ_DB`` is what ``--db`` takes (default ``sync.sqlite3``);
    ``PYFRITZ_ALLOW_ORIGINS`` more allowed page origins, separated by spaces;
    ``PYFRITZ_RESOURCES`` what ``--resources`` takes;
    ``PYFRITZ_ALLOWED_HOSTS`` the host names clients use, separated by spaces
    (default: the loopback names; the app cannot know where it is bound);
    ``PYFRITZ_AUTHENTICATE`` and ``PYFRITZ_AUTHORIZE`` the hooks, as
    ``module:function``. With SQLite, a second worker is refused at start
    (:class:`~pyfritz.server.errors.StorageLocked`) and stops the whole
    server (uvicorn's supervisor would restart it forever): use PostgreSQL.
    """
    db = os.environ.get("PYFRITZ_DB", "sync.sqlite3")
    authenticate, authorize = (
        load_hook(os.environ[name]) if os.environ.get(name) else None
        for name in ("PYFRITZ_AUTHENTICATE", "PYFRITZ_AUTHORIZE")
    )
    try:
        hub, endpoint = build_sync(
            db,
            os.environ.get("PYFRITZ_ALLOW_ORIGINS", "").split(),
            authenticate=authenticate,
            authorize=authorize,
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

    hosts = os.environ.get("PYFRITZ_ALLOWED_HOSTS", "").split() or list(LOOPBACK_HOSTS)
    app = Starlette(routes=[WebSocketRoute("/sync", endpoint)], lifespan=lifespan)
    return check_hosts(app, hosts)


def serve_args(
    app: ASGIApp,
    hub: Hub,
    endpoint: SyncApp,
    args: argparse.Namespace,
    hosts: list[str],
    *,
    banner: Sequence[str],
) -> None:
    """:func:`serve` as the options of :func:`add_sync_arguments` say, ``--host`` and
    ``--port`` included; the banner ends with who may do what and the host names."""
    prefix = banner[0].partition(":")[0] if banner else "pyfritz"
    lines = [
        *banner,
        f"{prefix}: {endpoint.describe_access()}",
        f"{prefix}: answers to host names {', '.join(hosts)}",
    ]
    serve(
        app,
        hub,
        host=args.host,
        port=args.port,
        allowed_hosts=hosts,
        max_frame=args.max_frame,
        banner=lines,
    )


def main(argv: list[str] | None = None, *, prog: str = "python -m pyfritz.server") -> int:
    """Serve the sync endpoint at ``/sync`` until interrupted (127.0.0.1 by default)."""
    parser = argparse.ArgumentParser(prog=prog, description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8001, help="port (default: %(default)s)")
    add_sync_arguments(parser, default_db="sync.sqlite3")
    args = parser.parse_args(argv)
    try:
        hosts = allowed_hosts(args)
        hub, endpoint = sync_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    except StorageError as exc:
        print(f"pyfritz.server: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        app = Starlette(routes=[WebSocketRoute("/sync", endpoint)])
        url = f"ws://{args.host}:{args.port}/sync (db: {args.db})"
        serve_args(app, hub, endpoint, args, hosts, banner=[f"pyfritz.server: {url}"])
    except StorageError as exc:
        print(f"pyfritz.server: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
