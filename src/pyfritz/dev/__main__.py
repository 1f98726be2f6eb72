"""``python -m pyfritz.dev``: serve the demo pages, the runtime and the sync server.

Binds to 127.0.0.1 by default; stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pyfritz.server.cli import add_sync_arguments, build_sync, serve
from pyfritz.server.errors import StorageError

from .app import create_app

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the server until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m pyfritz.dev", description=__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="project root (default: the current folder)"
    )
    parser.add_argument("--isolate", action="store_true", help="send COOP/COEP headers")
    parser.add_argument(
        "--extra-root",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another folder of pages and .py files served at the top level (repeatable)",
    )
    parser.add_argument(
        "--harness",
        action="store_true",
        help="serve /harness.html?py=<name>, which runs <name>.py from an extra root",
    )
    add_sync_arguments(parser, default_db="demo.sqlite3")
    args = parser.parse_args(argv)

    root: Path = args.root.resolve()
    if not (root / "static" / "vendor" / "versions.json").is_file():
        print("pyfritz.dev: static/vendor is missing; run `make setup` first", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # A relative database path is taken relative to the project root (a URL as it is).
    db = args.db if args.db == ":memory:" or "://" in args.db else str(root / args.db)
    # The project's packages (app/) are importable here too: --resources names
    # the module that defines the resources the pages use.
    sys.path.insert(0, str(root / "app"))
    try:
        hub, sync = build_sync(db, args.allow_origin, resources=args.resources)
        extra = [path.resolve() for path in args.extra_root]
        app = create_app(
            root, extra_roots=extra, harness=args.harness, sync=sync, isolate=args.isolate
        )
        print(f"pyfritz demo: http://{args.host}:{args.port}/  (sync: /sync, db: {args.db})")
        print("Ctrl-C stops", flush=True)
        serve(app, hub, host=args.host, port=args.port)
    except (StorageError, ValueError) as exc:
        print(f"pyfritz.dev: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
