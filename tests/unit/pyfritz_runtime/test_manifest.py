"""The runtime package records its versions and hashes, and checks its files against them."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import shutil
import struct
from pathlib import Path
from types import ModuleType

import pytest
from pyfritz_runtime import (
    FILES_DIR,
    RuntimeCorrupt,
    RuntimeMissing,
    load_manifest,
    unpack_snapshot,
)

from pyfritz.dev.bundle import CPYTHON_ONLY, bundle_members

ROOT = Path(__file__).resolve().parents[3]


def test_the_installed_runtime_is_the_pinned_one_and_intact() -> None:
    manifest = load_manifest()
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert (manifest.pyscript, manifest.pyodide) == (pinned["@pyscript/core"], pinned["pyodide"])
    assert "pyodide/pyodide.asm.wasm" in manifest.files
    assert "pyscript/core.js" in manifest.files
    manifest.verify()


def test_the_pages_pyodide_entry_starts_from_the_snapshot_made_for_this_pyodide() -> None:
    manifest = load_manifest()
    entry = (manifest.root / "pyodide" / "pyodide.mjs").read_text(encoding="utf-8")
    assert entry == (ROOT / "runtime" / "snapshot" / "entry.mjs").read_text(encoding="utf-8")
    assert {"pyodide/pyodide.core.mjs", "pyodide/snapshot.bin.gz"} <= set(manifest.files)
    packed = gzip.decompress((manifest.root / "pyodide" / "snapshot.bin.gz").read_bytes())
    header = unpack_snapshot(packed)[:48]
    # Pyodide refuses a snapshot of another build: the header holds the build
    # id as eight 32-bit words (Pyodide's encodeBuildId).
    core = (manifest.root / "pyodide" / "pyodide.core.mjs").read_text(encoding="utf-8")
    build_id = re.search(r'BUILD_ID:"([0-9a-f]{64})"', core)
    assert build_id is not None
    words = struct.unpack("<8I", header[16:48])
    assert "".join(f"{word:08x}" for word in words) == build_id.group(1)


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


def _vendor() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor", ROOT / "tools" / "vendor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_snapshot_holds_the_browser_modules_of_this_pyfritz() -> None:
    # The snapshot imports pyfritz's browser modules (runtime/snapshot/archives.py,
    # preload): the vendoring step reads what never ships from the archive
    # builder, and records which sources the snapshot was made from; `make`
    # makes a new one when they change.
    vendor = _vendor()
    left_out = vendor._cpython_only(ROOT / vendor.BUNDLE_MODULE)
    assert left_out == sorted(CPYTHON_ONLY)
    framework = ROOT / vendor.FRAMEWORK
    shipped = {
        path.relative_to(framework).as_posix()
        for path in vendor._framework_sources(framework, left_out)
    }
    members = bundle_members(ROOT / "app")
    assert shipped == {
        name.removeprefix("pyfritz/")
        for name in members
        if name.startswith("pyfritz/") and name.endswith(".py")
    }
    manifest = json.loads((FILES_DIR / "manifest.json").read_text())
    assert manifest["versions"]["framework"] == vendor._versions(ROOT)["framework"], (
        "the runtime's snapshot was made from other pyfritz sources: run `make setup`"
    )
