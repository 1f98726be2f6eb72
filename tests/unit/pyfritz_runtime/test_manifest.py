"""The runtime package records its versions and hashes, and checks its files against them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyfritz_runtime import FILES_DIR, RuntimeCorrupt, RuntimeMissing, load_manifest

ROOT = Path(__file__).resolve().parents[3]


def test_the_installed_runtime_is_the_pinned_one_and_intact() -> None:
    manifest = load_manifest()
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert (manifest.pyscript, manifest.pyodide) == (pinned["@pyscript/core"], pinned["pyodide"])
    assert "pyodide/pyodide.asm.wasm" in manifest.files
    assert "pyscript/core.js" in manifest.files
    manifest.verify()


def test_a_changed_file_is_found_and_changes_the_tag(tmp_path: Path) -> None:
    copy = tmp_path / "files"
    shutil.copytree(FILES_DIR, copy)
    before = load_manifest(copy).tag
    (copy / "pyscript" / "core.js").write_text("tampered")
    with pytest.raises(RuntimeCorrupt, match=r"core\.js"):
        load_manifest(copy).verify()
    data = json.loads((copy / "manifest.json").read_text())
    data["files"]["pyscript/core.js"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(data))
    assert load_manifest(copy).tag != before


def test_a_missing_runtime_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(RuntimeMissing, match="pyfritz-web-runtime"):
        load_manifest(tmp_path)
