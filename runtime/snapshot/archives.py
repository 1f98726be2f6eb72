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
page); archives it does not handle (ZIP64, names not flagged UTF-8, data in
front of the archive) are read by zipimport's reader.

Pure Python without JavaScript objects, as a memory snapshot requires.
"""

import _imp
import sys
import zipimport
from struct import unpack_from

__all__ = ["ArchiveImporter", "mount"]

_archives: list[str] = []

_END = b"PK\x05\x06"  # end of central directory record (APPNOTE 4.3.16)
_ENTRY = 0x02014B50  # central directory file header (APPNOTE 4.3.12)
_UTF8 = 0x800


def _directory(archive: str) -> dict[str, tuple | None] | None:
    """zipimport's table of the archive's members, or None where zipimport must read it."""
    with open(archive, "rb") as file:
        data = file.read()
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
        # A .pyc names the file it was compiled from; the import system's file
        # loader points it at the real source (_fix_co_filename), zipimport not.
        code = super().get_code(fullname)
        _imp._fix_co_filename(code, self.get_filename(fullname))
        return code


def _hook(path: str) -> ArchiveImporter:
    # Packages in an archive search their own folder in it (their __path__):
    # those entries get an ArchiveImporter too, not the plain zipimporter.
    if any(path == archive or path.startswith(archive + "/") for archive in _archives):
        return ArchiveImporter(path)
    raise ImportError("not in a mounted archive", path=path)


def mount(archive: str) -> None:
    """Put the zip file ``archive`` first on ``sys.path``, imported by :class:`ArchiveImporter`."""
    if not _archives:
        sys.path_hooks.insert(0, _hook)
    files = _directory(archive)
    if files is not None:
        zipimport._zip_directory_cache[archive] = files  # type: ignore[attr-defined]
    _archives.append(archive)
    sys.path.insert(0, archive)
