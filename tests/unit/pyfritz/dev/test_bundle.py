"""The browser archive holds every module of the browser packages, and only those."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from pyfritz.dev.bundle import (
    CPYTHON_ONLY,
    FRAMEWORK_DIR,
    BundleCache,
    build_bundle,
    bundle_members,
)

APP = Path(__file__).resolve().parents[4] / "app"


def _names(app_dir: Path = APP) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(build_bundle(app_dir))).namelist())


def test_bundle_contains_every_browser_module_of_pyfritz() -> None:
    expected = {
        "pyfritz/" + path.relative_to(FRAMEWORK_DIR).as_posix()
        for path in FRAMEWORK_DIR.rglob("*.py")
        if "__pycache__" not in path.parts
        and path.relative_to(FRAMEWORK_DIR).parts[0] not in CPYTHON_ONLY
    }
    names = _names()
    assert "pyfritz/flows.py" in expected
    assert expected <= names
    assert "pyfritz/py.typed" in names


def test_bundle_contains_every_package_of_the_project() -> None:
    assert {"demo/__init__.py", "demo/person.py"} <= _names()


def test_bundle_never_ships_the_servers_or_the_tooling() -> None:
    names = _names()
    assert not [n for n in names if n.startswith(("pyfritz/server/", "pyfritz/dev/"))]
    assert "pyfritz/cli.py" not in names


def test_a_new_module_is_picked_up_without_any_list_to_edit(tmp_path: Path) -> None:
    package = tmp_path / "kanban"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "brand_new.py").write_text("X = 1\n")
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(tmp_path)))
    assert archive.read("kanban/brand_new.py") == b"X = 1\n"
    assert "pyfritz/__init__.py" in archive.namelist()


def test_bundle_is_byte_identical_for_identical_sources() -> None:
    assert build_bundle(APP) == build_bundle(APP)


def test_a_folder_without_init_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kanban").mkdir()
    with pytest.raises(FileNotFoundError, match="not a package"):
        bundle_members(tmp_path, [tmp_path / "kanban"])


def test_an_app_package_named_pyfritz_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyfritz").mkdir()
    (tmp_path / "pyfritz" / "__init__.py").write_text("")
    with pytest.raises(ValueError, match="may not be named pyfritz"):
        bundle_members(tmp_path)


def test_the_cache_packs_again_only_when_a_source_changes(tmp_path: Path) -> None:
    package = tmp_path / "kanban"
    package.mkdir()
    (package / "__init__.py").write_text("")
    cache = BundleCache(tmp_path)
    first = cache.get()
    assert cache.get() is first
    assert cache.builds == 1
    (package / "board.py").write_text("X = 1\n")
    second = cache.get()
    assert second.digest != first.digest
    assert zipfile.ZipFile(io.BytesIO(second.data)).read("kanban/board.py") == b"X = 1\n"
    assert cache.builds == 2


def test_every_name_is_flagged_utf8() -> None:
    # Else the browser's zipfile imports encodings.cp437 to read the names.
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(APP)))
    assert {info.flag_bits & 0x800 for info in archive.infolist()} == {0x800}
    assert "demo/person.py" in archive.namelist()


class _Recorder:
    """A bytecode compiler that records what it is asked to compile."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def compile(self, contents: dict[str, bytes]) -> dict[str, bytes]:
        self.asked |= set(contents)
        return {name + "c": b"bytecode" for name in contents if name.endswith(".py")}


def test_pyfritz_ships_no_bytecode_when_the_runtime_holds_its_modules() -> None:
    # The installed runtime's snapshot was made from these sources (make setup;
    # tests/unit/pyfritz_runtime/test_manifest.py): pages take pyfritz from it.
    for build in (
        lambda compiler: build_bundle(APP, bytecode=compiler),
        lambda compiler: BundleCache(APP, bytecode=compiler).get().data,  # the dev server
    ):
        compiler = _Recorder()
        names = set(zipfile.ZipFile(io.BytesIO(build(compiler))).namelist())
        assert "demo/person.py" in compiler.asked
        assert not {name for name in compiler.asked if name.startswith("pyfritz/")}
        assert "demo/person.pyc" in names and "pyfritz/flows.pyc" not in names
        assert "pyfritz/flows.py" in names


def test_an_edited_pyfritz_ships_its_bytecode(tmp_path: Path) -> None:
    framework = tmp_path / "pyfritz"
    shutil.copytree(FRAMEWORK_DIR, framework, ignore=shutil.ignore_patterns("__pycache__"))
    errors = framework / "errors.py"
    errors.write_text(errors.read_text() + '\nVALUE = "edited"\n')
    compiler = _Recorder()
    names = zipfile.ZipFile(
        io.BytesIO(build_bundle(APP, framework=framework, bytecode=compiler))
    ).namelist()
    assert {"pyfritz/errors.pyc", "pyfritz/flows.pyc", "demo/person.pyc"} <= set(names)
