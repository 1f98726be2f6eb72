"""Import a page's zip archive in place: the ``_pyfritz_archives`` module of the runtime.

make_snapshot.mjs runs this file into the memory snapshot as the module
``_pyfritz_archives`` (compiled once, when the runtime is vendored, not at
every page load); entry.mjs calls :func:`mount` for each zip that PyScript
would otherwise unpack into the working directory (a ``[files]`` entry mapped
to ``"./*"``), after writing the archive's bytes to one file.

The import system then reads a module's ``.pyc`` (beside its ``.py`` in the
archive, where zipimport looks) or its source from the archive when the module
is imported. :class:`ArchiveImporter` is zipimport with two fixes: the file
name a module gets is found in the archive's directory (zipimport's own reads,
checks and unmarshals the bytecode only to name the file, and the import
system asks for the name at every import), and the code's file name is the
source's path in the archive (so tracebacks name it, as for unpacked files).
The archive's directory is read in one pass over its bytes (zipimport's own
reader seeks and reads each entry on its own: ≈ 20 ms for 100 entries in a
page), and those bytes are kept: a module's hash-based ``.pyc``, and the
source it is checked against or compiled from, are read from them, where
zipimport opens the archive file again for every member it reads (reading the demo's 38 modules'
code took 70-180 ms in a page that way, 15-35 ms from memory). Archives it
does not handle (ZIP64, names not flagged UTF-8, data in front of the
archive) and timestamp-based ``.pyc`` files are left to zipimport.

The snapshot also holds modules already imported from an archive
(:func:`preload`: pyfritz itself, run once when the runtime is vendored).
They are kept out of ``sys.modules`` until a page mounts an archive at the
same path whose sources of those modules are the same bytes (each member's
CRC-32 and size, read from the zip's directory without inflating anything);
then they are put into ``sys.modules`` as they are, and importing them costs
nothing. A page whose archive differs (another pyfritz, an edited module) or
that has none imports from its own archive, as without a snapshot. The
snapshot also freezes its objects out of the garbage collector's reach
(``gc.freeze()``, make_snapshot.mjs); modules not taken are unfrozen with the
rest, so that they can be freed.

PyScript's own Python package is not in an archive: its bundle writes the
sources into the working directory (``pyscript/__init__.py``, ...) at every
start, and the page compiled them each time (84-124 ms of every page's
scripts in Chromium). The snapshot's maker compiles them once
(:func:`checked_bytecode`, from the sources the vendored bundle writes) and
entry.mjs has :func:`place_bytecode` write the ``.pyc`` files where the
import system looks (``__pycache__``) before PyScript writes the sources.
They are hash-based and checked against the source: a source that differs
from the one compiled is compiled as before, never run from stale bytecode.

Pure Python without JavaScript objects, as a memory snapshot requires.
"""

import _imp
import gc
import importlib
import marshal
import os
import sys
import zipimport
import zlib
from importlib._bootstrap_external import MAGIC_NUMBER, cache_from_source
from struct import unpack_from

__all__ = [
    "ArchiveImporter",
    "adopted",
    "checked_bytecode",
    "mount",
    "place_bytecode",
    "preload",
    "pyscript_bytecode",
    "snapshot_modules",
]

_archives: list[str] = []
#: The bytes of each mounted archive whose directory :func:`_directory` read.
_data: dict[str, bytes] = {}
#: Modules imported by :func:`preload`, by archive: each source's member name
#: with its CRC-32 and size, and the modules, not yet in ``sys.modules``.
_preloaded: dict[str, tuple[dict[str, tuple[int, int]], dict[str, object]]] = {}
#: The names of the preloaded modules a page's archive took, in import order.
adopted: list[str] = []
#: The names of the modules in ``sys.modules`` when the snapshot was made (a
#: module imported later, from the standard library's sources, was compiled
#: in the page).
snapshot_modules: frozenset[str] = frozenset()
#: PyScript's package compiled by the snapshot's maker: each source's path
#: relative to the working directory, with its checked hash-based ``.pyc``.
pyscript_bytecode: dict[str, bytes] = {}

_END = b"PK\x05\x06"  # end of central directory record (APPNOTE 4.3.16)
_ENTRY = 0x02014B50  # central directory file header (APPNOTE 4.3.12)
_UTF8 = 0x800
_MEMBER = b"PK\x03\x04"  # local file header (APPNOTE 4.3.7)
_HASH_BASED, _CHECK_SOURCE = 0b01, 0b10  # a .pyc's flags (PEP 552)
_HASH_KEY = int.from_bytes(MAGIC_NUMBER, "little")  # what importlib.util.source_hash keys with


def _directory(archive: str, data: bytes) -> dict[str, tuple | None] | None:
    """zipimport's table of the members of ``data`` (the file ``archive``), or None
    where zipimport must read it."""
    end = data.rfind(_END, max(0, len(data) - 22 - 0xFFFF))
    if end < 0:
        return None
    count, size, offset = unpack_from("<xxxxxxHII", data, end + 4)
    if offset + size != end or count == 0xFFFF:  # data in front, or ZIP64
        return None
    files: dict[str, tuple | None] = {}
    at = offset
    for _ in range(count):
        (
            signature, flags, compress, time, date, crc, data_size, file_size,
            name_size, extra_size, comment_size, file_offset,
        ) = unpack_from("<I4xHHHHIIIHHH8xI", data, at)  # fmt: skip
        if signature != _ENTRY or not flags & _UTF8:
            return None
        name = data[at + 46 : at + 46 + name_size].decode()
        files[name] = (
            f"{archive}/{name}", compress, data_size, file_size, file_offset, time, date, crc,
        )  # fmt: skip
        at += 46 + name_size + extra_size + comment_size
    # The folders, as zipimport adds them (namespace packages are looked up by them).
    for name in list(files):
        while (cut := name.rstrip("/").rfind("/")) >= 0:
            name = name[: cut + 1]
            if name in files:
                break
            files[name] = None
    return files


def _member(data: bytes, toc: tuple) -> bytes | None:
    """A member's bytes, given its entry in the table; None where zipimport must read it."""
    _, compress, data_size, _, offset = toc[:5]
    if data[offset : offset + 4] != _MEMBER or compress not in (0, 8):
        return None
    name_size, extra_size = unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_size + extra_size
    raw = data[start : start + data_size]
    return zlib.decompress(raw, -15) if compress else raw


def _members(importer: zipimport.zipimporter) -> dict[str, tuple | None]:
    # Python 3.13+ reads the directory when first asked (_get_files); before,
    # when the importer was made (_files). The browser runs 3.14, the tests 3.11.
    get = getattr(importer, "_get_files", None)
    return get() if get is not None else importer._files  # type: ignore[attr-defined]


class ArchiveImporter(zipimport.zipimporter):
    """zipimport naming each module's file without loading it, and its code by its source."""

    def get_filename(self, fullname: str) -> str:
        path = zipimport._get_module_path(self, fullname)  # type: ignore[attr-defined]
        files = _members(self)
        for suffix in ("/__init__.py", ".py"):
            if path + suffix in files:
                return str(files[path + suffix][0])
        return str(super().get_filename(fullname))

    def get_code(self, fullname: str):  # type: ignore[no-untyped-def]
        code = self._code(fullname)
        if code is None:
            code = super().get_code(fullname)
        # A .pyc names the file it was compiled from; the import system's file
        # loader points it at the real source (_fix_co_filename), zipimport not.
        _imp._fix_co_filename(code, self.get_filename(fullname))
        return code

    def _code(self, fullname: str):  # type: ignore[no-untyped-def]
        """The module's code read from the archive's bytes, as zipimport would make
        it: its hash-based .pyc, or its source compiled where there is none or the
        .pyc is stale. None where zipimport must decide (a timestamp-based .pyc,
        an archive not in memory)."""
        data = _data.get(self.archive)
        if data is None:
            return None
        path = zipimport._get_module_path(self, fullname)  # type: ignore[attr-defined]
        files = _members(self)
        for stem in (path + "/__init__", path):  # zipimport's search order
            toc, source = files.get(stem + ".pyc"), files.get(stem + ".py")
            if toc is None and source is None:
                continue
            if toc is not None:
                pyc = _member(data, toc)
                if pyc is None or pyc[:4] != MAGIC_NUMBER:
                    return None
                flags = int.from_bytes(pyc[4:8], "little")
                if not flags & _HASH_BASED or flags & ~(_HASH_BASED | _CHECK_SOURCE):
                    return None
                check = _imp.check_hash_based_pycs
                if source is None or not (
                    check == "always" or (check != "never" and flags & _CHECK_SOURCE)
                ):
                    return marshal.loads(memoryview(pyc)[16:])
            if source is None:
                return None
            text = _member(data, source)
            if text is None:
                return None
            if toc is not None and _imp.source_hash(_HASH_KEY, text) == pyc[8:16]:
                return marshal.loads(memoryview(pyc)[16:])
            # No bytecode, or bytecode of another text: the source, compiled as zipimport does.
            return zipimport._compile_source(source[0], text)  # type: ignore[attr-defined]
        return None


def _hook(path: str) -> ArchiveImporter:
    # Packages in an archive search their own folder in it (their __path__):
    # those entries get an ArchiveImporter too, not the plain zipimporter.
    if any(path == archive or path.startswith(archive + "/") for archive in _archives):
        return ArchiveImporter(path)
    raise ImportError("not in a mounted archive", path=path)


def mount(archive: str) -> None:
    """Put the zip file ``archive`` first on ``sys.path``, imported by :class:`ArchiveImporter`.

    Modules :func:`preload` imported from an archive at this path, whose
    sources ``archive`` holds unchanged, go into ``sys.modules`` as they are.
    """
    if not _archives:
        sys.path_hooks.insert(0, _hook)
    with open(archive, "rb") as file:
        data = file.read()
    files = _directory(archive, data)
    if files is not None:
        zipimport._zip_directory_cache[archive] = files  # type: ignore[attr-defined]
        _data[archive] = data
    _archives.append(archive)
    sys.path.insert(0, archive)
    held = _preloaded.pop(archive, None)
    if held is None:
        return
    sources, modules = held
    if files is None or any(_crc_size(files.get(name)) != known for name, known in sources.items()):
        # Not taken: the snapshot froze them out of the collector's reach
        # (make_snapshot.mjs); back in it, they can be freed.
        gc.unfreeze()
        return
    for name, module in modules.items():
        if sys.modules.setdefault(name, module) is module:  # type: ignore[arg-type]
            adopted.append(name)
            loader = getattr(module, "__loader__", None)
            if hasattr(loader, "_files"):  # Python < 3.13 copies the directory
                loader._files = files  # type: ignore[union-attr]


def _crc_size(toc: tuple | None) -> tuple[int, int] | None:
    return None if toc is None else (toc[7], toc[3])


def preload(archive: str, names: list[str]) -> None:
    """Import the modules ``names`` from the zip file ``archive``, then hold them back.

    Every module the imports load from ``archive`` leaves ``sys.modules`` and
    ``archive`` is unmounted and deleted; a later :func:`mount` of an archive
    at the same path with the same sources puts them back. For the snapshot:
    the modules must hold no JavaScript object once imported.
    """
    mount(archive)
    before = set(sys.modules)
    for name in names:
        importlib.import_module(name)
    files = _members(zipimport.zipimporter(archive))
    inside = archive + "/"
    modules = {
        name: module
        for name, module in sys.modules.items()
        if name not in before and (getattr(module, "__file__", None) or "").startswith(inside)
    }
    sources: dict[str, tuple[int, int]] = {}
    for name, module in modules.items():
        member = module.__file__[len(inside) :]  # type: ignore[attr-defined]
        known = _crc_size(files.get(member))
        if known is None:
            raise ImportError(f"{name} was not imported from a source in {archive}", name=name)
        sources[member] = known
        del sys.modules[name]
    # Unmounted: the page mounts its own archive at this path.
    sys.path.remove(archive)
    _archives.remove(archive)
    if not _archives:
        sys.path_hooks.remove(_hook)
    _data.pop(archive, None)
    zipimport._zip_directory_cache.pop(archive, None)  # type: ignore[attr-defined]
    cached = [path for path in sys.path_importer_cache if path.startswith(archive)]
    for path in cached:
        if path == archive or path.startswith(inside):
            del sys.path_importer_cache[path]
    os.remove(archive)
    _preloaded[archive] = (sources, modules)


def checked_bytecode(sources: dict[str, str]) -> dict[str, bytes]:
    """Each source (by its path) compiled to a hash-based ``.pyc`` checked against it
    (PEP 552), as the import system would write it with ``CHECKED_HASH``."""
    flags = (_HASH_BASED | _CHECK_SOURCE).to_bytes(4, "little")
    compiled = {}
    for path, text in sources.items():
        data = text.encode()
        code = compile(data, path, "exec", dont_inherit=True)
        check = _imp.source_hash(_HASH_KEY, data)
        compiled[path] = MAGIC_NUMBER + flags + check + marshal.dumps(code)
    return compiled


def place_bytecode(folder: str) -> None:
    """Write :data:`pyscript_bytecode` under ``folder`` where the import system
    looks for each source's bytecode (``__pycache__/<name>.<tag>.pyc``)."""
    for path, pyc in pyscript_bytecode.items():
        target = cache_from_source(os.path.join(folder, path))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as file:
            file.write(pyc)
