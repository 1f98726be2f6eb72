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

The sync URL is taken from the page's own origin or a ``?sync=`` parameter
(:func:`pyfritz.sync_url`), so the pages need no project server.
``python -m pyfritz.dev.site`` is the same as ``pyfritz build``.

Only regular files that are not dotfiles are copied (no ``.git``, no editor
swap files, no sockets); a symbolic link that leaves the project is refused,
so a site can never publish a file from elsewhere on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .bundle import BUNDLE_PATH, Bundle, build_bundle
from .project import CONFIG, RUNTIME_URL, check_project, versioned

__all__ = ["HEADERS_FILE", "IMMUTABLE", "build_site", "headers_rules", "main", "site_files"]

#: The static-host header rules file written into the site.
HEADERS_FILE = "_headers"

#: The caching of a content-addressed URL: a year, never revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"


def headers_rules() -> dict[str, dict[str, str]]:
    """Return the site's header rules: URL pattern → headers.

    Everything else (the pages, ``pyscript.toml``, ``static/``) keeps the
    host's default, which for every common host means revalidation.
    """
    return {
        f"/{RUNTIME_URL}*": {"Cache-Control": IMMUTABLE},
        f"/{Path(BUNDLE_PATH).parent.as_posix()}/*": {"Cache-Control": IMMUTABLE},
    }


def _headers_file() -> str:
    lines = ["# Written by `pyfritz build`: the runtime and the archive have content-hashed URLs."]
    for pattern, headers in headers_rules().items():
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


def build_site(root: Path, out: Path) -> Path:
    """Write the site for the project at ``root`` into ``out`` (replaced) and return it.

    Raises:
        pyfritz.dev.project.ProjectError: ``root`` is not a pyfritz project.
        pyfritz_runtime.RuntimeMissing: the runtime is not installed.
        ValueError: ``out`` is the project folder itself or contains it, or a
            symbolic link leaves the project (see :func:`site_files`).

    Example::

        build_site(Path("."), Path("site"))
    """
    from pyfritz_runtime import load_manifest

    check_project(root)
    manifest = load_manifest()
    if root.resolve().is_relative_to(out.resolve()):
        raise ValueError(f"refusing to replace {out}: it holds the project itself")
    bundle = build_bundle(root / "app")
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
        target.write_text(text, encoding="utf-8")
    runtime = out / RUNTIME_URL / manifest.tag
    for name in manifest.files:
        target = runtime / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest.root / name, target)
    (out / bundle_name).parent.mkdir(parents=True)
    (out / bundle_name).write_bytes(bundle)
    (out / HEADERS_FILE).write_text(_headers_file(), encoding="utf-8")
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
    args = parser.parse_args(argv)
    root: Path = (args.root or args.dir or Path.cwd()).resolve()
    try:
        out = build_site(root, (args.out or root / "site").resolve())
    except (ProjectError, RuntimeMissing, ValueError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    print(f"{prog}: site written to {out}")
    print(f"try it:  python -m http.server 8080 --directory {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(prog="python -m pyfritz.dev.site"))
