"""The runtime's archive importer (runtime/snapshot/archives.py), on CPython's own zipimport."""

from __future__ import annotations

import gc
import importlib.util
import io
import sys
import traceback
import zipfile
import zipimport
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pyfritz.dev.bundle import build_bundle

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def archives() -> Iterator[ModuleType]:
    """A fresh ``_pyfritz_archives`` module; sys.path and its hooks restored afterwards."""
    spec = importlib.util.spec_from_file_location(
        "_pyfritz_archives", ROOT / "runtime" / "snapshot" / "archives.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path, hooks, modules = list(sys.path), list(sys.path_hooks), set(sys.modules)
    try:
        yield module
    finally:
        sys.path[:], sys.path_hooks[:] = path, hooks
        for name in set(sys.modules) - modules:
            del sys.modules[name]
        sys.path_importer_cache.clear()


class _Utf8Info(zipfile.ZipInfo):
    # ZipFile.writestr resets flag_bits: names flagged UTF-8 as the site builder writes them.
    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode(), self.flag_bits | 0x800


def _write(tmp_path: Path, files: dict[str, str | bytes], *, utf8: bool = True) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = (_Utf8Info if utf8 else zipfile.ZipInfo)(name, date_time=(2020, 1, 2, 3, 4, 6))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    path = tmp_path / "0.zip"
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_the_directory_is_the_one_zipimport_reads(archives: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "app.zip"
    path.write_bytes(build_bundle(ROOT / "app"))
    mine = archives._directory(str(path), path.read_bytes())
    assert mine is not None and "pyfritz/store.py" in mine and "demo/" in mine
    theirs = zipimport._read_directory(str(path))  # type: ignore[attr-defined]
    # Python 3.13+ adds the folders (None) as this one does; 3.11 does not.
    assert {name: toc for name, toc in mine.items() if toc is not None} == theirs
    assert {name for name, toc in mine.items() if toc is None} == {"demo/", "pyfritz/"}


def test_archives_it_does_not_read_are_left_to_zipimport(
    archives: ModuleType, tmp_path: Path
) -> None:
    path = Path(_write(tmp_path, {"a.py": ""}, utf8=False))
    assert archives._directory(str(path), path.read_bytes()) is None
    path.write_bytes(b"data in front" + path.read_bytes())
    assert archives._directory(str(path), path.read_bytes()) is None


def test_a_mounted_archive_is_imported_in_place(archives: ModuleType, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "shelf/__init__.py": "",
            "shelf/books.py": "def fail():\n    raise ValueError('from the archive')\n",
        },
    )
    archives.mount(path)
    assert sys.path[0] == path
    books = importlib.import_module("shelf.books")
    assert type(books.__loader__) is archives.ArchiveImporter  # the package's folder too
    assert books.__file__ == f"{path}/shelf/books.py"
    assert books.fail.__code__.co_filename == books.__file__
    with pytest.raises(ValueError) as caught:
        books.fail()
    # Tracebacks show the line: its source is read from the archive.
    shown = "".join(traceback.format_exception(caught.value))
    assert f'File "{path}/shelf/books.py", line 2' in shown
    assert "raise ValueError('from the archive')" in shown


def _with_pyc(tmp_path: Path, source: str, compiled: str, *, checked: bool) -> str:
    """An archive of the package ``shelf`` whose ``value.py`` holds ``source``, beside
    a hash-based .pyc of ``compiled`` (stamped with the hash of ``compiled``)."""
    code = compile(compiled, "shelf/value.py", "exec")
    pyc = importlib._bootstrap_external._code_to_hash_pyc(  # type: ignore[attr-defined]
        code, importlib.util.source_hash(compiled.encode()), checked=checked
    )
    files = {"shelf/__init__.py": "", "shelf/value.py": source, "shelf/value.pyc": bytes(pyc)}
    return _write(tmp_path, files)


def test_bytecode_beside_its_source_is_run_and_names_the_source(
    archives: ModuleType, tmp_path: Path
) -> None:
    # A hash-checked .pyc of another text would be refused: unchecked proves it ran.
    path = _with_pyc(tmp_path, "VALUE = 'source'\n", "VALUE = 'bytecode'\n", checked=False)
    archives.mount(path)
    value = importlib.import_module("shelf.value")
    assert value.VALUE == "bytecode"
    assert value.__file__ == f"{path}/shelf/value.py"
    assert value.__spec__.loader.get_code("shelf.value").co_filename == value.__file__


def _refuse(name: str) -> None:
    raise AssertionError(f"opened {name}")


def test_bytecode_is_read_from_the_archives_bytes_without_opening_it(
    archives: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = "VALUE = 'same'\n"
    path = _with_pyc(tmp_path, source, source, checked=True)
    archives.mount(path)
    monkeypatch.setattr(zipimport._io, "open_code", _refuse)  # type: ignore[attr-defined]
    value = importlib.import_module("shelf.value")
    assert value.VALUE == "same"
    assert value.__spec__.loader.get_code("shelf.value").co_filename == value.__file__
    assert importlib.import_module("shelf").__file__ == f"{path}/shelf/__init__.py"  # source


def test_bytecode_that_does_not_match_its_source_is_not_run(
    archives: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _with_pyc(tmp_path, "VALUE = 'source'\n", "VALUE = 'stale'\n", checked=True)
    archives.mount(path)
    monkeypatch.setattr(zipimport._io, "open_code", _refuse)  # type: ignore[attr-defined]
    assert importlib.import_module("shelf.value").VALUE == "source"


def test_unchecked_bytecode_runs_without_reading_its_source_which_tracebacks_still_show(
    archives: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What pyfritz's archive builder ships once it has checked the hash itself.
    source = "def fail():\n    raise ValueError('from the bytecode')\n"
    path = _with_pyc(tmp_path, source, source, checked=False)
    archives.mount(path)
    read: list[str] = []
    member = archives._member

    def reading(data: bytes, toc: tuple[str, ...]) -> bytes | None:
        read.append(toc[0])
        return member(data, toc)  # type: ignore[no-any-return]

    monkeypatch.setattr(archives, "_member", reading)
    value = importlib.import_module("shelf.value")
    assert read == [f"{path}/shelf/__init__.py", f"{path}/shelf/value.pyc"]
    with pytest.raises(ValueError) as caught:
        value.fail()
    shown = "".join(traceback.format_exception(caught.value))
    assert f'File "{path}/shelf/value.py", line 2' in shown
    assert "raise ValueError('from the bytecode')" in shown


# Preloading: the snapshot's modules, taken by a page whose archive holds the same sources.

_SHELF = {
    "shelf/__init__.py": "RUNS = []\n",
    "shelf/books.py": (
        "import shelf\nshelf.RUNS.append('books')\n\n"
        "def fail():\n    raise ValueError('preloaded')\n"
    ),
}


def _preloaded(archives: ModuleType, tmp_path: Path, files: dict[str, str]) -> ModuleType:
    """Preload shelf.books as the snapshot maker does; return the module it held back."""
    path = _write(tmp_path, files)
    archives.preload(path, ["shelf.books"])
    assert "shelf" not in sys.modules and "shelf.books" not in sys.modules
    assert path not in sys.path and not Path(path).exists()  # unmounted
    assert not any(key.startswith(path) for key in sys.path_importer_cache)
    held: ModuleType = archives._preloaded[path][1]["shelf.books"]
    return held


def test_an_archive_with_the_same_sources_takes_the_preloaded_modules(
    archives: ModuleType, tmp_path: Path
) -> None:
    held = _preloaded(archives, tmp_path, _SHELF)
    # The page's archive: the same sources at the same path, with more beside them.
    path = _write(tmp_path, {**_SHELF, "shelf/more.py": "VALUE = 1\n", "app/__init__.py": ""})
    archives.mount(path)
    assert sorted(archives.adopted) == ["shelf", "shelf.books"]
    books = importlib.import_module("shelf.books")
    assert books is held
    assert books.__file__ == f"{path}/shelf/books.py"
    assert importlib.import_module("shelf").RUNS == ["books"]  # not run again
    assert importlib.import_module("shelf.more").VALUE == 1  # the rest from the archive
    # Tracebacks read the source from the page's archive.
    with pytest.raises(ValueError) as caught:
        books.fail()
    shown = "".join(traceback.format_exception(caught.value))
    assert f'File "{path}/shelf/books.py", line 5' in shown
    assert "raise ValueError('preloaded')" in shown
    assert archives._preloaded == {}


@pytest.mark.parametrize(
    "page",
    [
        {**_SHELF, "shelf/books.py": _SHELF["shelf/books.py"].replace("preloaded", "Preloaded")},
        {**_SHELF, "shelf/books.py": _SHELF["shelf/books.py"] + "\n"},
        {"shelf/__init__.py": _SHELF["shelf/__init__.py"]},
        {"app/__init__.py": ""},
    ],
    ids=["edited", "longer", "missing", "another-app"],
)
def test_an_archive_with_other_sources_imports_its_own(
    archives: ModuleType, tmp_path: Path, page: dict[str, str]
) -> None:
    held = _preloaded(archives, tmp_path, _SHELF)
    path = _write(tmp_path, page)
    archives.mount(path)
    assert archives.adopted == []
    assert archives._preloaded == {}  # held back no longer
    if "shelf/books.py" in page:
        books = importlib.import_module("shelf.books")
        assert books is not held
        assert importlib.import_module("shelf").RUNS == ["books"]  # run from this archive
    else:
        with pytest.raises(ImportError):
            importlib.import_module("shelf.books")


@pytest.mark.parametrize(
    ("page", "stays_frozen"),
    [(_SHELF, True), ({"app/__init__.py": ""}, False)],
    ids=["taken", "not-taken"],
)
def test_modules_not_taken_are_given_back_to_the_collector(
    archives: ModuleType, tmp_path: Path, page: dict[str, str], stays_frozen: bool
) -> None:
    _preloaded(archives, tmp_path, _SHELF)
    gc.freeze()
    try:
        assert gc.get_freeze_count() > 0
        archives.mount(_write(tmp_path, page))
        # Taken, they stay out of every collection; not taken, they can be freed.
        assert (gc.get_freeze_count() > 0) is stays_frozen
    finally:
        gc.unfreeze()


def test_an_archive_at_another_path_imports_its_own(archives: ModuleType, tmp_path: Path) -> None:
    held = _preloaded(archives, tmp_path, _SHELF)
    other = tmp_path / "other"
    other.mkdir()
    path = _write(other, _SHELF)
    archives.mount(path)
    assert archives.adopted == []
    assert importlib.import_module("shelf.books") is not held


def test_preloading_a_module_not_in_the_archive_is_an_error(
    archives: ModuleType, tmp_path: Path
) -> None:
    path = _write(tmp_path, _SHELF)
    with pytest.raises(ImportError):
        archives.preload(path, ["shelf.missing"])


@pytest.mark.parametrize(
    ("source", "compiles"),
    [('VALUE = "as compiled"\n', False), ('VALUE = "edited"\n', True)],
    ids=["the-compiled-source", "another-source"],
)
def test_placed_bytecode_runs_only_for_the_source_it_was_compiled_from(
    archives: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    compiles: bool,
) -> None:
    # As in a page: the bytecode is placed first, then PyScript writes its
    # sources, then they are imported (Pyodide writes no bytecode of its own).
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    sources = {"kit/__init__.py": "", "kit/value.py": 'VALUE = "as compiled"\n'}
    archives.pyscript_bytecode.update(archives.checked_bytecode(sources))
    archives.place_bytecode(str(tmp_path))
    (tmp_path / "kit" / "__init__.py").write_text("")
    (tmp_path / "kit" / "value.py").write_text(source)
    compiled: list[str] = []
    external = importlib._bootstrap_external  # type: ignore[attr-defined]
    original = external.SourceLoader.source_to_code

    def counting(self: object, data: bytes, path: str, *args: Any, **kwargs: Any) -> Any:
        compiled.append(Path(path).name)
        return original(self, data, path, *args, **kwargs)

    monkeypatch.setattr(external.SourceLoader, "source_to_code", counting)
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    module = importlib.import_module("kit.value")
    assert source == f'VALUE = "{module.VALUE}"\n'  # the source's value, whichever it is
    # The package's unchanged __init__ is never compiled; the module only when
    # its source is not the one its bytecode was compiled from.
    assert compiled == (["value.py"] if compiles else [])
    assert module.__cached__ == importlib.util.cache_from_source(str(tmp_path / "kit" / "value.py"))
