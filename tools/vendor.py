"""Copy the pinned PyScript + Pyodide runtime from node_modules into the runtime package.

Only the files the page needs at run time are copied (see DESIGN.md section 5):
every non-``.map`` file of ``@pyscript/core/dist`` and the five Pyodide files,
into ``runtime/src/pyfritz_runtime/files/`` (the package data of the
``pyfritz-web-runtime`` wheel). ``manifest.json`` beside them records the
versions and every file's sha256; a re-run with nothing changed is instant.
Node.js is needed for this step (``npm ci``) and for nothing after it.

Usage: ``python tools/vendor.py [--root DIR]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

__all__ = ["PYODIDE_FILES", "RUNTIME_FILES", "vendor"]

PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)

#: Where the files go, relative to the repository root.
RUNTIME_FILES = Path("runtime/src/pyfritz_runtime/files")


def _version(package_dir: Path) -> str:
    data = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    return str(data["version"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _is_complete(target: Path, versions: dict[str, str]) -> bool:
    stamp = target / "manifest.json"
    if not stamp.is_file():
        return False
    manifest = json.loads(stamp.read_text(encoding="utf-8"))
    return manifest.get("versions") == versions and all(
        (target / name).is_file() for name in manifest.get("files", {})
    )


def vendor(root: Path) -> Path:
    """Copy the runtime into ``root/runtime/src/pyfritz_runtime/files`` and return that folder."""
    modules = root / "node_modules"
    pyscript_dir = modules / "@pyscript" / "core"
    pyodide_dir = modules / "pyodide"
    for needed in (pyscript_dir, pyodide_dir):
        if not needed.is_dir():
            raise SystemExit(f"vendor: {needed} is missing; run `npm ci` first")
    target = root / RUNTIME_FILES
    versions = {"@pyscript/core": _version(pyscript_dir), "pyodide": _version(pyodide_dir)}
    if _is_complete(target, versions):
        return target
    if target.exists():
        shutil.rmtree(target)
    for folder in ("pyscript", "pyodide", "licenses"):
        (target / folder).mkdir(parents=True)
    for path in sorted((pyscript_dir / "dist").iterdir()):
        if path.is_file() and path.suffix != ".map":
            shutil.copy2(path, target / "pyscript" / path.name)
    for name in PYODIDE_FILES:
        shutil.copy2(pyodide_dir / name, target / "pyodide" / name)
    shutil.copy2(pyscript_dir / "LICENSE", target / "licenses" / "pyscript-LICENSE")
    served = sorted(
        path for folder in ("pyscript", "pyodide") for path in (target / folder).iterdir()
    )
    manifest = {
        "versions": versions,
        "licenses": {"@pyscript/core": "Apache-2.0", "pyodide": "MPL-2.0"},
        "files": {path.relative_to(target).as_posix(): _sha256(path) for path in served},
    }
    # Written last: its presence means the copy is complete.
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    target = vendor(args.root)
    print(f"vendor: runtime in {target.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
