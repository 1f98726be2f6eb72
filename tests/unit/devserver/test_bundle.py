"""The browser archive holds every module of the browser packages, and only those."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from devserver.bundle import build_bundle, bundle_members

APP = Path(__file__).resolve().parents[3] / "app"


def test_bundle_contains_every_pyfritz_module() -> None:
    names = set(zipfile.ZipFile(io.BytesIO(build_bundle(APP))).namelist())
    expected = {
        path.relative_to(APP).as_posix()
        for path in (APP / "pyfritz").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert expected <= names
    assert "pyfritz/py.typed" in names
    assert "demo/__init__.py" in names


def test_bundle_never_ships_the_servers() -> None:
    names = zipfile.ZipFile(io.BytesIO(build_bundle(APP))).namelist()
    assert not [name for name in names if name.startswith(("syncserver/", "devserver/"))]


def test_a_new_module_is_picked_up_without_any_list_to_edit(tmp_path: Path) -> None:
    package = tmp_path / "pyfritz"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "brand_new.py").write_text("X = 1\n")
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(tmp_path, ["pyfritz"])))
    assert archive.read("pyfritz/brand_new.py") == b"X = 1\n"


def test_bundle_is_byte_identical_for_identical_sources() -> None:
    assert build_bundle(APP) == build_bundle(APP)


def test_a_folder_without_init_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyfritz").mkdir()
    with pytest.raises(FileNotFoundError, match="not a package"):
        bundle_members(tmp_path, ["pyfritz"])
