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
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .bundle import BUNDLE_PATH, Bundle, build_bundle
from .project import CONFIG, RUNTIME_URL, check_project, versioned

__all__ = ["HEADERS_FILE", "IMMUTABLE", "build_site", "headers_rules", "main"]

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


def build_site(root: Path, out: Path) -> Path:
    """Write the site for the project at ``root`` into ``out`` (replaced) and return it.

    Raises:
        pyfritz.dev.project.ProjectError: ``root`` is not a pyfritz project.
        pyfritz_runtime.RuntimeMissing: the runtime is not installed.
        ValueError: ``out`` is the project folder itself or contains it.

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
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for page in sorted([*root.glob("*.html"), root / CONFIG]):
        text = versioned(page.read_text(encoding="utf-8"), tag=manifest.tag, bundle=bundle_name)
        (out / page.name).write_text(text, encoding="utf-8")
    if (root / "static").is_dir():
        shutil.copytree(root / "static", out / "static")
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
