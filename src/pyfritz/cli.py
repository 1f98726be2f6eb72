"""The ``pyfritz`` command: ``new``, ``dev``, ``build`` and ``serve`` (CPython only).

::

    pyfritz new kanban              # write a project into ./kanban
    cd kanban && pyfritz dev        # serve it on http://127.0.0.1:8000/ (sync at /sync)
    pyfritz build                   # write ./site for any static host
    pyfritz serve --port 8001       # the sync server alone

``new`` needs nothing beyond ``pyfritz-web``; ``dev``, ``build`` and ``serve``
need its ``server`` extra (``pip install "pyfritz-web[server]"``), which brings
Starlette, uvicorn and the browser runtime. ``dev`` is :mod:`pyfritz.dev.run`,
``build`` is :mod:`pyfritz.dev.site` and ``serve`` is ``python -m
pyfritz.server``: each command's ``--help`` lists all of its options. An error
is one line on stderr and a non-zero exit status (2 for a usage error);
nothing is half written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["build_parser", "main"]

#: The commands that run with the server extra, and what they do (for ``--help``).
_SERVER_COMMANDS = {
    "dev": "serve a project while you work on it (pages, runtime, archive, /sync, reload)",
    "build": "write a project as a static site (runtime and archive under hashed URLs)",
    "serve": "run the sync server alone (ws://HOST:PORT/sync); as python -m pyfritz.server",
}


def build_parser() -> argparse.ArgumentParser:
    """Return the ``pyfritz`` argument parser (``new`` in full; the others by name)."""
    from . import __version__
    from .dev.new import DEFAULT_TEMPLATE, TEMPLATES

    parser = argparse.ArgumentParser(
        prog="pyfritz",
        description="pyfritz: reactive web apps in Python, in the browser. "
        "Start with `pyfritz new NAME`; `pyfritz COMMAND --help` tells more.",
    )
    parser.add_argument("--version", action="version", version=f"pyfritz-web {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    new = commands.add_parser(
        "new",
        help="write a new project into the folder NAME",
        description="Write a new project: index.html, pyscript.toml, app/NAME/, static/, "
        "tests/ (a Playwright test and its conftest.py) and a README. Refuses to "
        "write into a folder that exists.",
    )
    new.add_argument("name", metavar="NAME", help="the project's name: a Python identifier")
    new.add_argument(
        "--template",
        choices=sorted(TEMPLATES),
        default=DEFAULT_TEMPLATE,
        help="what the project starts with: %(choices)s (default: %(default)s)",
    )
    new.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where to write the project (default: ./NAME); must not exist yet",
    )
    for name, summary in _SERVER_COMMANDS.items():
        # Parsed by the command itself (see _server_command): listed here for --help.
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def _new(args: argparse.Namespace) -> int:
    from .dev.new import create_project

    target = args.dir if args.dir is not None else Path.cwd() / args.name
    try:
        written = create_project(args.name, target, template=args.template)
    except (OSError, ValueError) as exc:
        print(f"pyfritz new: {exc}", file=sys.stderr)
        return 1
    shown = target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target
    print(f"pyfritz new: wrote {len(written)} files into {shown}")
    print(f"next:  cd {shown} && pyfritz dev      (then open http://127.0.0.1:8000/)")
    return 0


def _server_command(name: str) -> Callable[[list[str]], int]:
    """Import the command ``name``; a clear error if the server extra is missing."""
    try:
        if name == "dev":
            from .dev.run import main as dev_main

            return lambda argv: dev_main(argv, prog="pyfritz dev")
        if name == "build":
            from .dev.site import main as build_main

            return lambda argv: build_main(argv, prog="pyfritz build")
        from .server.cli import main as serve_main

        return lambda argv: serve_main(argv, prog="pyfritz serve")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("starlette", "uvicorn", "pyfritz_runtime"):
            raise SystemExit(
                f'pyfritz {name}: needs the server extra: pip install "pyfritz-web[server]" ({exc})'
            ) from exc
        raise


def main(argv: list[str] | None = None) -> int:
    """Run the ``pyfritz`` command line; return the exit status.

    Example::

        main(["new", "kanban"])
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in _SERVER_COMMANDS:
        try:
            return _server_command(argv[0])(argv[1:])
        except KeyboardInterrupt:
            return 130
    args = build_parser().parse_args(argv)
    return _new(args)


if __name__ == "__main__":
    sys.exit(main())
