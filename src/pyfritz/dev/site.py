"""``pyfritz build``: write a project as a self-contained static site.

The folder holds the pages, ``pyscript.toml``, ``static/``, the runtime under
``runtime/<tag>/`` and the archive as ``pkg/app.<hash>.zip``: copy it to any
static host, or run ``python -m http.server`` inside it. ``<tag>`` is a hash of
the runtime's files and ``<hash>`` one of the archive, and the pages and
``pyscript.toml`` are rewritten to name them, so those URLs change whenever
their content does and can be cached for a year as ``immutable``; only the
pages and ``pyscript.toml`` are revalidated on a return visit. The site also
gets a ``_headers`` file saying so (the format Netlify and Cloudflare Pages
read; docs/getting-started.md has the same rules for nginx, Caddy and others).

The archive holds each module's bytecode for the browser's Python beside
its source when Node.js is there to make it (:mod:`.bytecode`); without it
the site is the same with sources only, and the command says so.

The sync URL is taken from the page's own origin or a ``?sync=`` parameter
(:func:`pyfritz.sync_url`), so the pages need no project server.
``python -m pyfritz.dev.site`` is the same as ``pyfritz build``.

Only regular files that are not dotfiles are copied (no ``.git``, no editor
swap files, no sockets); a symbolic link that leaves the project is refused,
so a site can never publish a file from elsewhere on the machine.

Each page gets the Content-Security-Policy of :mod:`pyfritz.dev.csp` as a
``<meta>`` element at the top of its ``<head>`` (``--connect-src`` adds the
sync server's origin when it is not the site's own), and the site gets a
``_headers`` file with the full policy for static hosts that read one
(Netlify, Cloudflare Pages); for others see docs/security.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from .bundle import BUNDLE_PATH, Bundle, build_bundle
from .bytecode import BytecodeCompiler
from .csp import content_security_policy, meta_policy
from .project import CONFIG, RUNTIME_URL, check_project, versioned

__all__ = [
    "HEADERS_FILE",
    "IMMUTABLE",
    "LOCAL_SYNC",
    "build_site",
    "headers_rules",
    "main",
    "site_files",
    "with_policy",
]

#: Where the pages may connect by default: a sync server on any loopback port.
# (CSP has no syntax for an IPv6 literal: Chromium ignores "ws://[::1]:*" with an error.)
LOCAL_SYNC = ("ws://127.0.0.1:*", "ws://localhost:*")

#: The static-host header rules file written into the site.
HEADERS_FILE = "_headers"

#: The caching of a content-addressed URL: a year, never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"


def headers_rules(connect: Iterable[str] = ()) -> dict[str, dict[str, str]]:
    """Return the site's header rules: URL pattern → headers.

    Every response gets the Content-Security-Policy (``connect``: origins the
    pages may connect to besides their own, see :mod:`pyfritz.dev.csp`).
    Everything else (the pages, ``pyscript.toml``, ``static/``) keeps the
    host's default caching, which for every common host means revalidation.
    """
    policy = content_security_policy(connect)
    return {
        "/*": {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff"},
        f"/{RUNTIME_URL}*": {"Cache-Control": IMMUTABLE},
        f"/{Path(BUNDLE_PATH).parent.as_posix()}/*": {"Cache-Control": IMMUTABLE},
    }


def _headers_file(connect: Iterable[str]) -> str:
    lines = ["# Written by `pyfritz build`: the runtime and the archive have content-hashed URLs."]
    for pattern, headers in headers_rules(connect).items():
        lines.append(pattern)
        lines += [f"  {name}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def _inside(path: Path, base: Path) -> Path:
    """``path``, checked not to be a symlink that leaves ``base``."""
    if path.is_symlink() and not path.resolve().is_relative_to(base.resolve()):
        raise ValueError(f"{path} is a symbolic link out of {base}; refusing to copy it")
    return path


def site_files(root: Path) -> dict[str, Path]:
    """The files a site of the project at ``root`` is made of: site path → source file.

    The pages (``*.html``) and ``pyscript.toml`` at the top, and every regular
    file under ``static/``; dotfiles and dot-folders are left out.

    Raises:
        ValueError: a symbolic link among them leaves the project (or ``static/``).
    """
    files: dict[str, Path] = {}
    for page in sorted([*root.glob("*.html"), root / CONFIG]):
        if not page.name.startswith(".") and _inside(page, root).is_file():
            files[page.name] = page
    static = root / "static"
    for path in sorted(static.rglob("*")) if static.is_dir() else []:
        relative = path.relative_to(static)
        if any(part.startswith(".") for part in relative.parts):
            continue
        # is_file(): regular files only (it follows a link, checked to stay inside).
        if _inside(path, static).is_file():
            files["static/" + relative.as_posix()] = path
    return files


_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def with_policy(page: str, connect: Iterable[str] = ()) -> str:
    """``page`` (HTML) with the policy's ``<meta>`` first in its ``<head>``.

    Raises:
        ValueError: the page has no ``<head>`` (the policy must come before any script).
    """
    match = _HEAD.search(page)
    if match is None:
        raise ValueError("a page without <head>: the Content-Security-Policy has no place")
    return f"{page[: match.end()]}\n  {meta_policy(connect)}{page[match.end() :]}"


def build_site(
    root: Path,
    out: Path,
    *,
    connect: Iterable[str] | None = None,
    bytecode: BytecodeCompiler | None = None,
) -> Path:
    """Write the site for the project at ``root`` into ``out`` (replaced) and return it.

    ``connect`` lists origins the pages may connect to besides their own (the
    sync server's, e.g. ``wss://sync.example.com``), for their
    Content-Security-Policy: a ``<meta>`` element first in each page's
    ``<head>``, and the ``_headers`` file. By default (``None``) that is a
    sync server on any loopback port (:data:`LOCAL_SYNC`), so that the site
    can be tried locally beside ``pyfritz serve``; name yours for production.

    The archive holds each module's bytecode for the browser's Python when
    ``bytecode`` (a default :class:`~pyfritz.dev.bytecode.BytecodeCompiler`)
    can make it; its ``unavailable`` then says why not (no Node.js, ...).

    Raises:
        pyfritz.dev.project.ProjectError: ``root`` is not a pyfritz project.
        pyfritz_runtime.RuntimeMissing: the runtime is not installed.
        ValueError: ``out`` is the project folder itself or contains it, or a
            symbolic link leaves the project (see :func:`site_files`).

    Example::

        build_site(Path("."), Path("site"))
    """
    from pyfritz_runtime import load_manifest

    connect = list(LOCAL_SYNC if connect is None else connect)
    content_security_policy(connect)  # a bad source fails before anything is written
    check_project(root)
    manifest = load_manifest()
    if root.resolve().is_relative_to(out.resolve()):
        raise ValueError(f"refusing to replace {out}: it holds the project itself")
    bundle = build_bundle(root / "app", bytecode=bytecode or BytecodeCompiler())
    bundle_name = f"{Path(BUNDLE_PATH).parent.as_posix()}/app.{Bundle(bundle).digest}.zip"
    files = site_files(root)  # before anything is removed: a refusal changes nothing
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, source in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if "/" in name:  # under static/
            shutil.copyfile(source, target)
            continue
        text = versioned(source.read_text(encoding="utf-8"), tag=manifest.tag, bundle=bundle_name)
        if name.endswith(".html"):
            text = with_policy(text, connect)
        target.write_text(text, encoding="utf-8")
    runtime = out / RUNTIME_URL / manifest.tag
    for name in manifest.files:
        target = runtime / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest.root / name, target)
    (out / bundle_name).parent.mkdir(parents=True)
    (out / bundle_name).write_bytes(bundle)
    (out / HEADERS_FILE).write_text(_headers_file(connect), encoding="utf-8")
    return out


def main(argv: list[str] | None = None, *, prog: str = "pyfritz build") -> int:
    """Run ``pyfritz build`` with the command-line arguments ``argv``; return the exit status."""
    from pyfritz_runtime import RuntimeMissing

    from .project import ProjectError

    parser = argparse.ArgumentParser(
        prog=prog,
        description="Write the project in DIR as a static site: pages, pyscript.toml, "
        "static/, the runtime under runtime/<hash>/ and the archive as pkg/app.<hash>.zip "
        "(both cacheable as immutable; see the _headers file it writes).",
    )
    parser.add_argument("dir", metavar="DIR", nargs="?", type=Path, help="the project (default: .)")
    parser.add_argument(
        "--root", type=Path, default=None, help="the project, as an option (same as DIR)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder, replaced (default: DIR/site)"
    )
    parser.add_argument(
        "--connect-src",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="an origin the pages may connect to besides their own, e.g. the sync server's "
        "wss://sync.example.com (repeatable; for the Content-Security-Policy; default: "
        "a sync server on any loopback port)",
    )
    args = parser.parse_args(argv)
    root: Path = (args.root or args.dir or Path.cwd()).resolve()
    bytecode = BytecodeCompiler()
    try:
        out = build_site(
            root,
            (args.out or root / "site").resolve(),
            connect=args.connect_src or None,
            bytecode=bytecode,
        )
    except (ProjectError, RuntimeMissing, ValueError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    print(f"{prog}: site written to {out}")
    if bytecode.unavailable is not None:
        print(f"{prog}: the archive holds sources only: {bytecode.unavailable}", file=sys.stderr)
    print(f"try it:  python -m http.server 8080 --directory {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(prog="python -m pyfritz.dev.site"))
