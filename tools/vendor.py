"""Copy the pinned PyScript + Pyodide runtime from node_modules into static/vendor.

Only the files the page needs at run time are copied (see DESIGN.md section 5):
every non-``.map`` file of ``@pyscript/core/dist`` and the five Pyodide files.
A stamp records the versions copied, so a re-run with nothing changed is instant.

Usage: ``python tools/vendor.py [--root DIR]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

__all__ = ["PYODIDE_FILES", "vendor"]

PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)


def _version(package_dir: Path) -> str:
    data = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    return str(data["version"])


def vendor(root: Path) -> Path:
    """Copy the runtime into ``root/static/vendor`` and return that folder."""
    modules = root / "node_modules"
    pyscript_dir = modules / "@pyscript" / "core"
    pyodide_dir = modules / "pyodide"
    for needed in (pyscript_dir, pyodide_dir):
        if not needed.is_dir():
            raise SystemExit(f"vendor: {needed} is missing; run `npm ci` first")
    target = root / "static" / "vendor"
    stamp = target / "versions.json"
    versions = {"@pyscript/core": _version(pyscript_dir), "pyodide": _version(pyodide_dir)}
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == versions:
        return target
    if target.exists():
        shutil.rmtree(target)
    (target / "pyscript").mkdir(parents=True)
    (target / "pyodide").mkdir(parents=True)
    for path in sorted((pyscript_dir / "dist").iterdir()):
        if path.is_file() and path.suffix != ".map":
            shutil.copy2(path, target / "pyscript" / path.name)
    for name in PYODIDE_FILES:
        shutil.copy2(pyodide_dir / name, target / "pyodide" / name)
    stamp.write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    target = vendor(args.root)
    print(f"vendor: runtime in {target.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
