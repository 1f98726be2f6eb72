"""Copy the pinned PyScript + Pyodide runtime from node_modules into the runtime package.

Only the files the page needs at run time are copied (see DESIGN.md section 5):
every non-``.map`` file of ``@pyscript/core/dist`` and the five Pyodide files,
into ``runtime/src/pyfritz_runtime/files/`` (the package data of the
``pyfritz-web-runtime`` wheel). ``manifest.json`` beside them records the
versions and every file's sha256; a re-run with nothing changed is instant.

Pyodide's ``pyodide.mjs`` is copied as ``pyodide.core.mjs``; the page's
``pyodide/pyodide.mjs`` is ``runtime/snapshot/entry.mjs``, which starts CPython
from ``pyodide/snapshot.bin.gz``: a memory snapshot of the started interpreter,
made here by running ``runtime/snapshot/make_snapshot.mjs`` under Node.js (see
docs/browser-support.md, "Boot time"). The snapshot also holds pyfritz's
browser modules already imported (``src/pyfritz`` without the parts
``pyfritz.dev.bundle.CPYTHON_ONLY`` names), which a page takes only when its
archive holds the very same sources (runtime/README.md); an edit of one of
them makes a new snapshot.
Node.js is needed for this step (``npm ci``) and for nothing after it.

Usage: ``python tools/vendor.py [--root DIR]``
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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

#: The snapshot entry and its maker, relative to the repository root.
SNAPSHOT_SOURCES = Path("runtime/snapshot")

#: The framework whose browser modules the snapshot holds, and where its
#: archive builder names the parts that never ship to the browser.
FRAMEWORK = Path("src/pyfritz")
BUNDLE_MODULE = FRAMEWORK / "dev" / "bundle.py"


def _cpython_only(bundle: Path) -> list[str]:
    """``CPYTHON_ONLY`` of the archive builder, read without importing it (this
    runs before pyfritz's dependencies are installed)."""
    for node in ast.parse(bundle.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == [
            "CPYTHON_ONLY"
        ]:
            value = node.value
            if isinstance(value, ast.Call):  # frozenset({...})
                value = value.args[0]
            return sorted(ast.literal_eval(value))
    raise SystemExit(f"vendor: no CPYTHON_ONLY in {bundle}")


def _framework_sources(framework: Path, left_out: list[str]) -> list[Path]:
    """The framework's modules that ship to the browser, sorted."""
    return sorted(
        path
        for path in framework.rglob("*.py")
        if path.relative_to(framework).parts[0] not in left_out and "__pycache__" not in path.parts
    )


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


def _framework_modules(root: Path) -> list[Path]:
    """The framework's browser modules under ``root``: what the snapshot imports
    and the manifest's ``framework`` hash covers."""
    return _framework_sources(root / FRAMEWORK, _cpython_only(root / BUNDLE_MODULE))


def _snapshot(sources: Path, pyodide: Path, root: Path) -> None:
    """Put the snapshot entry in front of Pyodide's loader and make the snapshot,
    with the framework's browser modules imported (named to the maker by their
    archive paths, ``pyfritz/store.py``, relative to the folder holding it)."""
    (pyodide / "pyodide.mjs").rename(pyodide / "pyodide.core.mjs")
    shutil.copy2(sources / "entry.mjs", pyodide / "pyodide.mjs")
    raw = pyodide / "snapshot.bin"
    holder = (root / FRAMEWORK).parent
    names = [path.relative_to(holder).as_posix() for path in _framework_modules(root)]
    try:
        # TZ=UTC: `time.timezone` in the snapshot is the same whoever makes it.
        subprocess.run(
            [
                "node",
                str(sources / "make_snapshot.mjs"),
                str(pyodide),
                str(raw),
                str(holder),
                *names,
            ],
            check=True,
            env={**os.environ, "TZ": "UTC"},
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"vendor: making the Pyodide memory snapshot failed: {exc}") from exc
    # Its all-zero blocks left out (pyfritz_runtime.pack_snapshot), then gzip;
    # mtime=0: the same snapshot gives the same bytes (and sha256).
    packed = _runtime_package(root).pack_snapshot(raw.read_bytes())
    with gzip.GzipFile(pyodide / "snapshot.bin.gz", "wb", 9, mtime=0) as out:
        out.write(packed)
    raw.unlink()


def _runtime_package(root: Path) -> Any:
    """The repository's ``pyfritz_runtime`` (standard library only), imported from its
    folder: this runs before the package is installed."""
    spec = importlib.util.spec_from_file_location(
        "_vendored_runtime", root / RUNTIME_FILES.parent / "__init__.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclass looks its module up)
    spec.loader.exec_module(module)
    return module


def _versions(root: Path) -> dict[str, str]:
    """What the runtime is made from: the versions, and hashes of the snapshot's sources."""
    modules = root / "node_modules"
    sources = root / SNAPSHOT_SOURCES
    framework = root / FRAMEWORK
    return {
        "@pyscript/core": _version(modules / "@pyscript" / "core"),
        "pyodide": _version(modules / "pyodide"),
        # An edited entry, maker or module in the snapshot makes a new snapshot.
        "snapshot": hashlib.sha256(
            b"".join(
                path.read_bytes()
                for path in sorted([*sources.glob("*.mjs"), *sources.glob("*.py")])
            )
        ).hexdigest()[:16],
        "framework": _runtime_package(root).framework_hash(
            (path.relative_to(framework).as_posix(), path.read_bytes())
            for path in _framework_modules(root)
        ),
    }


def vendor(root: Path) -> Path:
    """Copy the runtime into ``root/runtime/src/pyfritz_runtime/files`` and return that folder."""
    modules = root / "node_modules"
    pyscript_dir = modules / "@pyscript" / "core"
    pyodide_dir = modules / "pyodide"
    for needed in (pyscript_dir, pyodide_dir):
        if not needed.is_dir():
            raise SystemExit(f"vendor: {needed} is missing; run `npm ci` first")
    target = root / RUNTIME_FILES
    sources = root / SNAPSHOT_SOURCES
    versions = _versions(root)
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
    _snapshot(sources, target / "pyodide", root)
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
