"""``pyfritz dev``: serve a project with its runtime, archive, sync server and reload.

``python -m pyfritz.dev`` is the same command (``--root DIR`` is kept for it).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pyfritz.server.cli import add_sync_arguments, build_sync, serve, sync_options
from pyfritz.server.errors import StorageError
from pyfritz.server.hosts import default_allowed_hosts
from pyfritz.server.limits import Limits
from pyfritz.server.origins import DEFAULT_ALLOWED_ORIGINS

from .app import create_app
from .project import check_project

__all__ = ["build_parser", "main", "run_dev"]


def run_dev(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    db: str = "dev.sqlite3",
    allow_origins: Sequence[str] = (),
    reload: bool = True,
    isolate: bool = False,
    extra_roots: Sequence[Path] = (),
    harness: bool = False,
    resources: str | None = None,
    allowed_hosts: Sequence[str] = (),
    sync: Mapping[str, Any] | None = None,
) -> None:
    """Serve the project at ``root`` until interrupted.

    A relative ``db`` file is taken relative to ``root`` (a URL as it is).
    ``resources`` (``module:name``) names the project's resources whose
    validators the sync server runs on every put; the project's ``app/``
    packages are importable for that. ``allowed_hosts``: the ``Host`` names
    answered (default: see :func:`~pyfritz.server.hosts.default_allowed_hosts`);
    ``sync``: more keyword arguments of :func:`~pyfritz.server.cli.build_sync`
    (the access hooks, the limits).

    Raises:
        pyfritz.dev.project.ProjectError: ``root`` is not a pyfritz project.
        pyfritz_runtime.RuntimeMissing: the runtime is not installed.
        pyfritz.server.errors.StorageError: the database cannot be opened.
        ValueError: ``resources`` cannot be imported, or bound to every
            interface (``0.0.0.0``) without ``allowed_hosts``.

    Example::

        run_dev(Path("kanban"), port=8000)
    """
    from pyfritz_runtime import load_manifest

    check_project(root)
    manifest = load_manifest()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    database = db if db == ":memory:" or "://" in db else str(root / db)
    # The project's packages (app/) are importable here too, for --resources.
    sys.path.insert(0, str(root / "app"))
    hosts = list(allowed_hosts) or default_allowed_hosts(host)
    options = dict(sync or {})
    limits = options.get("limits") or Limits()
    hub, endpoint = build_sync(database, list(allow_origins), resources=resources, **options)
    app = create_app(
        root,
        extra_roots=extra_roots,
        sync=endpoint,
        isolate=isolate,
        harness=harness,
        reload=reload,
        allowed_hosts=hosts,
        allowed_origins=[*DEFAULT_ALLOWED_ORIGINS, *allow_origins],
    )
    runtime = f"PyScript {manifest.pyscript}, Pyodide {manifest.pyodide}"
    print(f"pyfritz dev: http://{host}:{port}/  (project {root})")
    print(f"  sync: /sync, db: {db}; runtime: {runtime}")
    print("  open pages reload when a source changes; Ctrl-C stops" if reload else "  Ctrl-C stops")
    print(flush=True)
    banner = [f"  {endpoint.describe_access()}", f"  answers to host names {', '.join(hosts)}"]
    serve(
        app,
        hub,
        host=host,
        port=port,
        allowed_hosts=hosts,
        max_frame=limits.max_frame,
        banner=banner,
    )


def build_parser(prog: str = "pyfritz dev") -> argparse.ArgumentParser:
    """Return the parser of ``pyfritz dev`` (every option is in its ``--help``)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve the project in DIR: its pages and static/, the browser runtime, "
        "its app/ packages plus pyfritz as /pkg/app.zip (rebuilt when a source changes), and "
        "the sync server at /sync. Open pages reload when a source changes.",
    )
    parser.add_argument("dir", metavar="DIR", nargs="?", type=Path, help="the project (default: .)")
    parser.add_argument(
        "--root", type=Path, default=None, help="the project, as an option (same as DIR)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind; 0.0.0.0 makes it reachable from other machines "
        "(then name the host names they use with --allowed-host) (default: %(default)s)",
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    add_sync_arguments(parser, default_db="dev.sqlite3")
    parser.add_argument(
        "--no-reload", action="store_true", help="do not reload open pages when a source changes"
    )
    parser.add_argument(
        "--isolate", action="store_true", help="send COOP/COEP headers (for benchmarks)"
    )
    parser.add_argument(
        "--extra-root",
        type=Path,
        action="append",
        default=[],
        metavar="FOLDER",
        help="another folder of pages and .py files served at the top level "
        "(repeatable; for test pages)",
    )
    parser.add_argument(
        "--harness",
        action="store_true",
        help="serve /harness.html?py=NAME, which runs NAME.py from an extra root (for tests)",
    )
    return parser


def main(argv: list[str] | None = None, *, prog: str = "pyfritz dev") -> int:
    """Run ``pyfritz dev`` with the command-line arguments ``argv``; return the exit status."""
    args = build_parser(prog).parse_args(argv)
    root: Path = (args.root or args.dir or Path.cwd()).resolve()
    try:
        run_dev(
            root,
            host=args.host,
            port=args.port,
            db=args.db,
            allow_origins=args.allow_origin,
            reload=not args.no_reload,
            isolate=args.isolate,
            extra_roots=[path.resolve() for path in args.extra_root],
            harness=args.harness,
            resources=args.resources,
            allowed_hosts=args.allowed_host,
            sync={name: value for name, value in sync_options(args).items() if name != "resources"},
        )
    except (OSError, ValueError, StorageError) as exc:
        # ProjectError, RuntimeMissing, a locked database: the message says what to do.
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    return 0
