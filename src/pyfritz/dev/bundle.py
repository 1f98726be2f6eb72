"""Pack the browser-side Python packages into one zip archive.

The page's ``pyscript.toml`` maps ``./pkg/app.zip`` to ``./*``, the browser's
working directory; the runtime puts an archive of modules on ``sys.path`` as
it is instead of unpacking it (see runtime/README.md). The archive
holds the framework (``pyfritz`` without its CPython-only parts) and every
package of the project's ``app/`` folder. Building it from the folders means a
new module needs no edit anywhere: there is no file list to keep in step.

:class:`BundleCache` keeps the last archive and builds a new one only when a
member file was added, removed or changed (by name, size and mtime), which is
what lets the dev server answer every reload without packing again.

Given a :class:`~pyfritz.dev.bytecode.BytecodeCompiler` (the dev server and
``pyfritz build`` give one), the archive also holds each module's bytecode
for the browser's Python, ``<package>/<module>.pyc`` (where zipimport looks),
so that pages skip compiling it at every load (see :mod:`.bytecode`).
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .bytecode import BytecodeCompiler

__all__ = [
    "BUNDLE_PATH",
    "CPYTHON_ONLY",
    "FRAMEWORK_DIR",
    "Bundle",
    "BundleCache",
    "app_packages",
    "build_bundle",
    "bundle_members",
    "fingerprint",
]

#: Where the archive is served, relative to the site root.
BUNDLE_PATH = "pkg/app.zip"

#: The installed ``pyfritz`` package folder (the framework that ships).
FRAMEWORK_DIR = Path(__file__).resolve().parent.parent

#: Parts of ``pyfritz`` that run on CPython only and never ship to the browser.
CPYTHON_ONLY = frozenset({"server", "dev", "cli.py", "__main__.py", "templates"})

# Suffixes that ship; anything else in a package folder (caches, data files of
# the tests) stays home.
_SHIPPED = (".py", ".typed", ".json", ".css", ".html")

# The general purpose flag bit 11 (APPNOTE 4.4.4): names are UTF-8.
_UTF8_NAMES = 0x800


class _Utf8Info(zipfile.ZipInfo):
    """An entry whose name is flagged UTF-8 even when it is ASCII.

    Without the flag, the browser's ``zipfile`` decodes the names as cp437,
    and importing ``encodings.cp437`` (compiled from source) costs every
    page load. ``ZipFile.writestr`` resets ``flag_bits``, so the flag is
    added where the name is encoded.
    """

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("utf-8"), self.flag_bits | _UTF8_NAMES


# A fixed timestamp keeps the archive byte-identical for identical sources.
_EPOCH = (2020, 1, 1, 0, 0, 0)


def app_packages(app_dir: Path) -> list[Path]:
    """Return the package folders directly under ``app_dir``, sorted by name."""
    if not app_dir.is_dir():
        return []
    return sorted(
        path for path in app_dir.iterdir() if path.is_dir() and (path / "__init__.py").is_file()
    )


def _package_files(package: Path, *, skip: frozenset[str] = frozenset()) -> list[Path]:
    if not (package / "__init__.py").is_file():
        raise FileNotFoundError(f"{package} is not a package (no __init__.py)")
    files: list[Path] = []
    for path in package.rglob("*"):
        relative = path.relative_to(package)
        if relative.parts[0] in skip or "__pycache__" in relative.parts:
            continue
        if path.is_file() and path.suffix in _SHIPPED:
            files.append(path)
    return files


def bundle_members(
    app_dir: Path, packages: Iterable[Path] | None = None, *, framework: Path | None = FRAMEWORK_DIR
) -> dict[str, Path]:
    """Return the archive's members: archive name → source file, sorted by name.

    Args:
        app_dir: the project's ``app/`` folder; every package in it ships.
        packages: the package folders to ship instead of those of ``app_dir``.
        framework: the ``pyfritz`` folder to ship (its CPython-only parts
            left out), or ``None`` for none.
    """
    members: dict[str, Path] = {}
    folders = list(app_packages(app_dir) if packages is None else packages)
    if framework is not None:
        for path in _package_files(framework, skip=CPYTHON_ONLY):
            members["pyfritz/" + path.relative_to(framework).as_posix()] = path
    for folder in folders:
        if folder.name == "pyfritz":
            raise ValueError(f"{folder}: an app package may not be named pyfritz")
        for path in _package_files(folder):
            members[folder.name + "/" + path.relative_to(folder).as_posix()] = path
    return dict(sorted(members.items()))


def _read(members: dict[str, Path]) -> dict[str, bytes]:
    return {name: source.read_bytes() for name, source in members.items()}


def _pack(members: dict[str, Path], bytecode: BytecodeCompiler | None = None) -> bytes:
    contents = _read(members)
    if bytecode is not None:
        contents.update(bytecode.compile(_compiled_for_pages(contents)))
    return _zip(contents)


_FRAMEWORK_PREFIX = "pyfritz/"


def _compiled_for_pages(contents: dict[str, bytes]) -> dict[str, bytes]:
    """The members whose bytecode a page may read: all of them, except pyfritz's own.

    Why: when the installed runtime's snapshot was made from these very
    sources of pyfritz (its manifest's ``framework`` hash), a page takes those
    modules imported from the snapshot and never reads their bytecode
    (runtime/README.md): leaving it out makes the demo's archive 466 → 167 KiB
    and its directory half as long. Another runtime, or pyfritz edited in
    development, gets the bytecode of every module.
    """
    framework = [
        (name.removeprefix(_FRAMEWORK_PREFIX), data)
        for name, data in contents.items()
        if name.startswith(_FRAMEWORK_PREFIX) and name.endswith(".py")
    ]
    if not framework:
        return contents
    try:
        from pyfritz_runtime import framework_hash, load_manifest

        held = load_manifest().framework
    except (ImportError, OSError):  # no runtime installed (RuntimeMissing is an OSError)
        return contents
    if held is None or framework_hash(framework) != held:
        return contents
    return {name: data for name, data in contents.items() if not name.startswith(_FRAMEWORK_PREFIX)}


def _zip(contents: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(contents.items()):
            info = _Utf8Info(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def build_bundle(
    app_dir: Path,
    packages: Iterable[Path] | None = None,
    *,
    framework: Path | None = FRAMEWORK_DIR,
    bytecode: BytecodeCompiler | None = None,
) -> bytes:
    """Return the zip archive of the browser packages as bytes (see :func:`bundle_members`).

    With ``bytecode``, each module's ``.pyc`` for the browser's Python ships
    beside it (``<module>.pyc``), when it can be made (see :mod:`.bytecode`).
    """
    return _pack(bundle_members(app_dir, packages, framework=framework), bytecode)


def fingerprint(members: dict[str, Path]) -> tuple[tuple[str, int, int], ...]:
    """Return what identifies the members' current contents: name, size, mtime (ns)."""
    stats = ((name, path.stat()) for name, path in members.items())
    return tuple((name, stat.st_size, stat.st_mtime_ns) for name, stat in stats)


class Bundle:
    """One built archive: its bytes and a short content hash (an ETag, a file name)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.digest = hashlib.sha256(data).hexdigest()[:16]


class BundleCache:
    """The archive of one project, rebuilt only when a source changed.

    :meth:`get` walks and stats the sources and packs them only if they differ
    from the last call; it does file I/O, so async code calls it in a thread
    (``starlette.concurrency.run_in_threadpool``). Thread-safe.

    With ``bytecode``, the first archive waits for every module's bytecode.
    With ``background=True`` too (the dev server), a later rebuild does not
    wait for Node.js: it packs the bytecode already cached, compiles what an
    edit changed in a thread, and the archive after that has it all, so a
    reload after saving a file is not held up by the compile.

    Example::

        cache = BundleCache(Path("app"))
        first = cache.get()
        assert cache.get() is first     # nothing changed: the same archive
    """

    def __init__(
        self,
        app_dir: Path,
        *,
        framework: Path | None = FRAMEWORK_DIR,
        bytecode: BytecodeCompiler | None = None,
        background: bool = False,
    ) -> None:
        self._app_dir = app_dir
        self._framework = framework
        self._bytecode = bytecode
        self._background = background
        self._compiling = False
        self._lock = threading.Lock()
        self._key: tuple[tuple[str, int, int], ...] | None = None
        self._bundle: Bundle | None = None
        #: How many archives were packed (for tests: a cached answer packs none).
        self.builds = 0

    def sources(self) -> tuple[tuple[str, int, int], ...]:
        """Return the current fingerprint of the sources (see :func:`fingerprint`)."""
        return fingerprint(bundle_members(self._app_dir, framework=self._framework))

    def get(self) -> Bundle:
        """Return the archive for the sources as they are now."""
        with self._lock:
            members = bundle_members(self._app_dir, framework=self._framework)
            key = fingerprint(members)
            if self._bundle is None or key != self._key:
                contents = _read(members)
                if self._bytecode is not None:
                    contents.update(self._bytecode_for(contents, first=self._bundle is None))
                self._bundle = Bundle(_zip(contents))
                self._key = key
                self.builds += 1
            return self._bundle

    def _bytecode_for(self, contents: dict[str, bytes], *, first: bool) -> dict[str, bytes]:
        assert self._bytecode is not None
        contents = _compiled_for_pages(contents)
        if first or not self._background:
            return self._bytecode.compile(contents)
        found, complete = self._bytecode.cached(contents)
        if not complete and not self._compiling:
            self._compiling = True
            threading.Thread(
                target=self._compile, args=(contents,), name="pyfritz-bytecode", daemon=True
            ).start()
        return found

    def _compile(self, contents: dict[str, bytes]) -> None:
        assert self._bytecode is not None
        try:
            self._bytecode.compile(contents)
        finally:
            with self._lock:
                self._compiling = False
                self._key = None  # the next get() packs again, from the cache
