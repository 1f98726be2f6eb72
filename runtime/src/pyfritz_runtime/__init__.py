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
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FILES_DIR",
    "MANIFEST",
    "SNAPSHOT_MAGIC",
    "Manifest",
    "RuntimeCorrupt",
    "RuntimeMissing",
    "framework_hash",
    "load_manifest",
    "pack_snapshot",
    "sha256_of",
    "unpack_snapshot",
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


#: The first bytes of a packed snapshot (:func:`pack_snapshot`).
SNAPSHOT_MAGIC = b"pyfzsnp1"
# Zero runs are left out in whole wasm pages (64 KiB).
_SNAPSHOT_BLOCK = 1 << 16


def pack_snapshot(memory: bytes) -> bytes:
    """A memory snapshot with its all-zero 64 KiB blocks left out (before gzip).

    About half of the snapshot's 30 MiB is zeros; inflating those cost the
    page more than inflating the rest. The format, read by the page's entry
    (runtime/snapshot/entry.mjs): the magic ``pyfzsnp1``, the memory's size
    and the number of parts (u32 little-endian each), each part's offset and
    length (u32 pairs), then the parts' bytes one after the other.
    """
    parts: list[tuple[int, int]] = []
    zeros = bytes(_SNAPSHOT_BLOCK)
    for start in range(0, len(memory), _SNAPSHOT_BLOCK):
        block = memory[start : start + _SNAPSHOT_BLOCK]
        if block == zeros[: len(block)]:
            continue
        if parts and parts[-1][0] + parts[-1][1] == start:
            parts[-1] = (parts[-1][0], parts[-1][1] + len(block))
        else:
            parts.append((start, len(block)))
    head = SNAPSHOT_MAGIC + struct.pack("<II", len(memory), len(parts))
    table = b"".join(struct.pack("<II", offset, length) for offset, length in parts)
    return head + table + b"".join(memory[offset : offset + length] for offset, length in parts)


def unpack_snapshot(packed: bytes) -> bytes:
    """The whole memory of a snapshot packed by :func:`pack_snapshot`.

    Raises ``ValueError`` for bytes that are not one, or are cut short.
    """
    if packed[: len(SNAPSHOT_MAGIC)] != SNAPSHOT_MAGIC:
        raise ValueError("not a packed pyfritz snapshot")
    size, count = struct.unpack_from("<II", packed, len(SNAPSHOT_MAGIC))
    at = len(SNAPSHOT_MAGIC) + 8 + 8 * count
    memory = bytearray(size)
    for index in range(count):
        offset, length = struct.unpack_from("<II", packed, len(SNAPSHOT_MAGIC) + 8 + 8 * index)
        if at + length > len(packed) or offset + length > size:
            raise ValueError("packed pyfritz snapshot is cut short")
        memory[offset : offset + length] = packed[at : at + length]
        at += length
    if at != len(packed):
        raise ValueError("packed pyfritz snapshot has bytes after its parts")
    return bytes(memory)


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
