"""Bytecode for the browser's Python, compiled when the archive is built.

Pyodide compiles every module from source at every page load: for the
framework and a small app that was most of a page's start-up after the
runtime itself (≈ 350 ms of a demo page's 560 ms of scripts on a cold load).
A ``.pyc`` must be made by the Python version that runs it (3.14 in the
browser; the host may run another), so :class:`BytecodeCompiler` runs the
vendored Pyodide under Node.js (``compile_pyc.mjs`` beside this module, started
from the runtime's memory snapshot) and the archive ships
``<package>/<module>.pyc`` beside each ``.py``: the runtime imports the
archive in place, and zipimport looks for bytecode there, not in
``__pycache__/``.

The ``.pyc`` files are hash-based (PEP 552): each records the hash of the
source it was compiled from. Node.js writes them ``CHECKED_HASH`` (the cache
holds them so); :meth:`BytecodeCompiler.compile` compares that hash with the
hash of the very source bytes that go into the archive beside it and marks the
``.pyc`` ``UNCHECKED_HASH`` only when they are equal, so that the browser runs
it without reading (inflating) and hashing the source at every import (the
standard meaning of unchecked: whoever wrote the file vouches for it). A
``.pyc`` whose hash differs (a damaged cache entry) ships checked: the browser
checks it and compiles the source instead. Either way stale bytecode is never
run (see runtime/README.md).

Compiled files are cached on disk by the runtime's tag and the sha256 of the
archive name and source (``$XDG_CACHE_HOME/pyfritz/bytecode``, else
``~/.cache/pyfritz/bytecode``): a rebuild compiles only what changed, and
starts Node.js only when something did. Without Node.js (a plain
``pip install``), without the runtime, or when the compile fails, the archive
ships sources only, as before, and :attr:`BytecodeCompiler.unavailable` says
why (logged once as a warning); a build never fails for want of bytecode.
"""

from __future__ import annotations

import _imp
import base64
import binascii
import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["SCRIPT", "BytecodeCompiler", "default_cache_dir", "pyc_name"]

#: The Node.js script that compiles with the vendored Pyodide.
SCRIPT = Path(__file__).resolve().with_name("compile_pyc.mjs")

_log = logging.getLogger(__name__)

# Seconds one compile may take: Node.js and Pyodide start in ~0.5 s on an idle
# machine, but the development machines are shared and busy.
_TIMEOUT = 300.0

_DONE = (".pyc", ".err")

# A hash-based .pyc's flags word (PEP 552): hash-based, and whether the import
# system checks the hash against the source.
_CHECKED_HASH = (0b11).to_bytes(4, "little")
_UNCHECKED_HASH = (0b01).to_bytes(4, "little")


def default_cache_dir() -> Path:
    """Return ``$XDG_CACHE_HOME/pyfritz/bytecode`` (``~/.cache/...`` without it)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pyfritz" / "bytecode"


def pyc_name(source: str) -> str:
    """Return where an archive holds the bytecode of its module file ``source``.

    Beside the source, where zipimport looks (the runtime imports the archive
    in place, see runtime/README.md), not in ``__pycache__/``.

    Example::

        pyc_name("pyfritz/dom.py")
        # 'pyfritz/dom.pyc'
    """
    return source + "c"


class BytecodeCompiler:
    """Compiles module sources to the browser Python's bytecode, with a disk cache.

    Args:
        cache_dir: where compiled files are kept (:func:`default_cache_dir`).
        node: the Node.js executable (default: ``node`` on ``PATH``).
        pyodide_dir: the runtime's ``pyodide/`` folder (default: the
            installed ``pyfritz-web-runtime``'s).

    Thread-safe: compiles may run at once (each cache file is written aside
    and renamed into place).

    Example::

        compiler = BytecodeCompiler()
        pycs = compiler.compile({"app/main.py": Path("app/main.py").read_bytes()})
        # {'app/main.pyc': b'...'}, or {} and
        # compiler.unavailable says why
    """

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        node: str | None = None,
        pyodide_dir: Path | None = None,
    ) -> None:
        self._cache_root = cache_dir or default_cache_dir()
        self._node = node
        self._pyodide_dir = pyodide_dir
        self._warned: str | None = None
        #: Why the last :meth:`compile` gave no bytecode for some source
        #: (``None`` when it gave bytecode for every one).
        self.unavailable: str | None = None
        #: How many times Node.js was started (for tests: a cached build starts none).
        self.runs = 0

    def compile(self, sources: Mapping[str, bytes]) -> dict[str, bytes]:
        """Return the bytecode files for the ``.py`` entries of ``sources``.

        Args:
            sources: archive name (``pkg/mod.py``) → source bytes.

        Returns:
            archive name of each ``.pyc`` (see :func:`pyc_name`) → its bytes,
            for every source that compiled: marked unchecked when its recorded
            hash is that of the source given, checked otherwise (see above). A
            source with a syntax error gets none (the browser reports the error
            at import, as without bytecode).
        """
        try:
            found, _ = self._compile(_python(sources), run=True)
        except _Unavailable as exc:
            self._report(str(exc))
            return {}
        except OSError as exc:  # e.g. a read-only cache folder
            self._report(f"the bytecode cache is not usable: {exc}")
            return {}
        self.unavailable = None
        return found

    def cached(self, sources: Mapping[str, bytes]) -> tuple[dict[str, bytes], bool]:
        """Return what :meth:`compile` would, from the cache only (Node.js is not
        started), and whether that is all of it (``False``: some source was
        never compiled; ``True`` also when no bytecode can be made here, or
        the last compile failed: nothing to wait for)."""
        try:
            found, complete = self._compile(_python(sources), run=False)
        except (_Unavailable, OSError):
            return {}, True
        return found, complete or self.unavailable is not None

    def _report(self, reason: str) -> None:
        self.unavailable = reason
        if self._warned != reason:  # once per reason, not on every rebuild
            self._warned = reason
            _log.warning("pkg/app.zip ships sources only (no bytecode): %s", reason)

    def _compile(self, sources: dict[str, bytes], *, run: bool) -> tuple[dict[str, bytes], bool]:
        pyodide = self._find_pyodide()
        cache = self._cache_root / _runtime_key(pyodide)
        keys = {name: _key(name, data) for name, data in sources.items()}
        tag = _read_text(cache / "cache_tag")
        # A source is done once it has a .pyc, or an .err when it does not compile.
        missing = {
            name: data
            for name, data in sources.items()
            if tag is None or not any((cache / f"{keys[name]}{end}").is_file() for end in _DONE)
        }
        if missing and run:
            tag = self._run(pyodide, missing, cache, keys)
        if tag is None:
            return {}, False
        found: dict[str, bytes] = {}
        for name, source in sources.items():
            try:
                pyc = (cache / f"{keys[name]}.pyc").read_bytes()
            except FileNotFoundError:
                continue  # a syntax error (or not compiled yet): the source alone ships
            if (vouched := _vouched(name, pyc, source)) is not None:
                found[pyc_name(name)] = vouched
        return found, run or not missing

    def _find_pyodide(self) -> Path:
        if self._pyodide_dir is not None:
            pyodide = self._pyodide_dir
        else:
            from pyfritz_runtime import RuntimeMissing, load_manifest

            try:
                pyodide = load_manifest().root / "pyodide"
            except RuntimeMissing as exc:
                raise _Unavailable(f"the runtime is not installed ({exc})") from exc
        if not (pyodide / "pyodide.core.mjs").is_file():
            raise _Unavailable(f"{pyodide} has no pyodide.core.mjs")
        return pyodide

    def _run(
        self, pyodide: Path, sources: dict[str, bytes], cache: Path, keys: dict[str, str]
    ) -> str:
        node = self._node or shutil.which("node")
        if node is None:
            raise _Unavailable(
                "Node.js is not on PATH (it compiles with the browser's Python; "
                "install it to have pages start faster)"
            )
        with tempfile.TemporaryDirectory(prefix="pyfritz-pyc-") as work:
            request, answer = Path(work) / "in.json", Path(work) / "out.json"
            encoded = {name: base64.b64encode(data).decode() for name, data in sources.items()}
            request.write_text(json.dumps({"sources": encoded}), encoding="utf-8")
            self.runs += 1
            try:
                done = subprocess.run(
                    [node, str(SCRIPT), str(pyodide), str(request), str(answer)],
                    capture_output=True,
                    text=True,
                    timeout=_TIMEOUT,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise _Unavailable(f"compiling under Node.js failed: {exc}") from exc
            if done.returncode != 0:
                detail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
                raise _Unavailable(f"compiling under Node.js failed: {detail[0]}")
            try:
                result = json.loads(answer.read_text(encoding="utf-8"))
                tag = str(result["cache_tag"])
                pycs = {name: base64.b64decode(text) for name, text in result["pycs"].items()}
                errors = {str(name): str(text) for name, text in result["errors"].items()}
            except (OSError, ValueError, KeyError, TypeError, binascii.Error) as exc:
                raise _Unavailable(f"the compiler's answer is unreadable: {exc}") from exc
        cache.mkdir(parents=True, exist_ok=True)
        for name, data in pycs.items():
            _write(cache / f"{keys[name]}.pyc", data)
        for name, text in errors.items():
            _log.info("%s does not compile; it ships as source: %s", name, text)
            _write(cache / f"{keys[name]}.err", text.encode())
        _write(cache / "cache_tag", tag.encode())
        return tag


def _vouched(name: str, pyc: bytes, source: bytes) -> bytes | None:
    """Return ``pyc`` marked unchecked if it records the hash of ``source``, else
    marked checked; None if it is not hash-based (never written by the compiler).

    The hash is keyed by the magic number of the Python that wrote the file
    (the browser's, read from the file: what its ``importlib.util.source_hash``
    uses); ``_imp.source_hash`` is the same function on every CPython since
    3.11. Were it ever to differ on some host, every ``.pyc`` would ship
    checked: slower pages, never stale bytecode.
    """
    if pyc[4:8] not in (_CHECKED_HASH, _UNCHECKED_HASH):
        return None
    if _imp.source_hash(int.from_bytes(pyc[:4], "little"), source) == pyc[8:16]:
        return pyc[:4] + _UNCHECKED_HASH + pyc[8:]
    _log.warning(
        "the cached bytecode of %s is not that of its source; it ships checked "
        "(the browser compiles the source instead)",
        name,
    )
    return pyc[:4] + _CHECKED_HASH + pyc[8:]


def _python(sources: Mapping[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in sources.items() if name.endswith(".py")}


class _Unavailable(Exception):
    """No bytecode can be made here; the message says why."""


@functools.cache
def _runtime_key(pyodide: Path) -> str:
    # The interpreter, its standard library and the compile script decide the
    # bytes: a new runtime or script gets a new cache folder.
    digest = hashlib.sha256()
    for path in (pyodide / "pyodide.asm.wasm", pyodide / "python_stdlib.zip", SCRIPT):
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _key(name: str, data: bytes) -> str:
    return hashlib.sha256(name.encode() + b"\0" + data).hexdigest()


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _write(path: Path, data: bytes) -> None:
    # Another process may build at the same time: write aside, then rename
    # (atomic), so that no reader ever sees half a file.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
