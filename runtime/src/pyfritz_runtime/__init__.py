"""The pinned PyScript + Pyodide browser runtime of pyfritz, as package data.

The files live in :data:`FILES_DIR` (``pyscript/`` and ``pyodide/``), with a
``manifest.json`` that records the versions and the sha256 of every file, as
written by the repository's ``tools/vendor.py`` when the wheel was built::

    from pyfritz_runtime import load_manifest

    manifest = load_manifest()
    print(manifest.pyscript, manifest.pyodide, manifest.tag)

:attr:`Manifest.tag` is a hash of the whole file set: a site serves the
runtime under ``runtime/<tag>/``, so the URLs change whenever any file does
and can be cached as immutable.

Exceptions: :class:`RuntimeMissing` (the files are not there),
:class:`RuntimeCorrupt` (a file does not match its recorded hash).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FILES_DIR",
    "MANIFEST",
    "Manifest",
    "RuntimeCorrupt",
    "RuntimeMissing",
    "framework_hash",
    "load_manifest",
    "sha256_of",
]

#: Where the runtime files are: ``pyscript/``, ``pyodide/`` and ``manifest.json``.
FILES_DIR = Path(__file__).resolve().parent / "files"

#: The manifest's file name inside :data:`FILES_DIR`.
MANIFEST = "manifest.json"


class RuntimeMissing(FileNotFoundError):
    """The runtime files are not installed (a checkout without ``make setup``)."""


class RuntimeCorrupt(ValueError):
    """A runtime file differs from the hash recorded in the manifest."""


@dataclass(frozen=True)
class Manifest:
    """What the runtime holds: versions, and every file's sha256 by relative path."""

    pyscript: str
    pyodide: str
    files: dict[str, str]
    root: Path
    #: :func:`framework_hash` of the pyfritz modules the snapshot holds imported
    #: (``None``: a manifest from before the snapshot held them).
    framework: str | None = None

    @property
    def tag(self) -> str:
        """A short content hash of every file (names and contents), for cache-busting URLs."""
        digest = hashlib.sha256()
        for name, sha in sorted(self.files.items()):
            digest.update(f"{name}\0{sha}\n".encode())
        return digest.hexdigest()[:16]

    def verify(self) -> None:
        """Check every file against its recorded hash.

        Raises:
            RuntimeMissing: a file is missing.
            RuntimeCorrupt: a file's content differs.
        """
        for name, expected in self.files.items():
            path = self.root / name
            if not path.is_file():
                raise RuntimeMissing(f"runtime file {name} is missing from {self.root}")
            if sha256_of(path) != expected:
                raise RuntimeCorrupt(f"runtime file {name} does not match its recorded sha256")


def framework_hash(sources: Iterable[tuple[str, bytes]]) -> str:
    """A short hash of pyfritz's browser modules: (path inside ``pyfritz/``, source) pairs.

    The manifest's ``framework`` is this hash of the sources the snapshot was
    made from; an archive whose framework sources hash the same has its pyfritz
    taken from the snapshot in the page (runtime/README.md).

    Example::

        framework_hash([("store.py", b"..."), ("__init__.py", b"...")])
    """
    digest = hashlib.sha256()
    for name, data in sorted(sources):
        digest.update(name.encode() + b"\0" + data)
    return digest.hexdigest()[:16]


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_manifest(root: Path = FILES_DIR) -> Manifest:
    """Read the manifest of the runtime at ``root`` (the installed one by default).

    Raises:
        RuntimeMissing: there is no manifest (the files were never copied in).
    """
    path = root / MANIFEST
    if not path.is_file():
        raise RuntimeMissing(
            f"the pyfritz browser runtime is missing ({path} does not exist): install the "
            "pyfritz-web-runtime wheel, or run `make setup` in a pyfritz checkout"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    return Manifest(
        pyscript=str(data["versions"]["@pyscript/core"]),
        pyodide=str(data["versions"]["pyodide"]),
        files={str(name): str(sha) for name, sha in data["files"].items()},
        root=root,
        framework=data["versions"].get("framework"),
    )
