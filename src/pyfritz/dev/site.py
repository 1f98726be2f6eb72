"""``python -m pyfritz.dev.site --out site``: write the demo as a self-contained site.

The folder holds the pages, ``pyscript.toml``, ``static/`` (with the vendored
runtime) and ``pkg/app.zip``: copy it to any static host, or run
``python -m http.server`` inside it. The sync URL is taken from the page's own
origin or a ``?sync=`` parameter, so the pages need no project server.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .bundle import BUNDLE_PATH, build_bundle

__all__ = ["build_site", "main"]


def build_site(root: Path, out: Path) -> Path:
    """Write the site for the project at ``root`` into ``out`` (replaced) and return it."""
    vendor_stamp = root / "static" / "vendor" / "versions.json"
    if not vendor_stamp.is_file():
        raise FileNotFoundError("static/vendor is missing; run `make setup` first")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for page in sorted(root.glob("*.html")):
        shutil.copy2(page, out / page.name)
    shutil.copy2(root / "pyscript.toml", out / "pyscript.toml")
    shutil.copytree(root / "static", out / "static")
    bundle = out / BUNDLE_PATH
    bundle.parent.mkdir(parents=True)
    bundle.write_bytes(build_bundle(root / "app"))
    return out


def main(argv: list[str] | None = None) -> int:
    """Build the site from the command line."""
    parser = argparse.ArgumentParser(prog="python -m pyfritz.dev.site", description=__doc__)
    default_root = Path.cwd()
    parser.add_argument("--root", type=Path, default=default_root, help="project root")
    parser.add_argument("--out", type=Path, default=default_root / "site", help="output folder")
    args = parser.parse_args(argv)
    out = build_site(args.root.resolve(), args.out.resolve())
    print(f"site: written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
