"""The site builder copies the site's regular files, no dotfiles, and no links out of it."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from pyfritz.dev.bytecode import BytecodeCompiler
from pyfritz.dev.new import create_project
from pyfritz.dev.site import build_site, main, site_files


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    create_project("kanban", root)
    (root / "static").mkdir(exist_ok=True)
    (root / "static" / "style.css").write_text("body {}")
    return root


def test_only_regular_files_that_are_not_dotfiles_are_copied(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "static" / ".env").write_text("SECRET=1")
    (root / "static" / ".git").mkdir()
    (root / "static" / ".git" / "config").write_text("[core]")
    (root / ".hidden.html").write_text("<head></head>")
    os.mkfifo(root / "static" / "pipe")
    (root / "static" / "inside.css").symlink_to(root / "static" / "style.css")
    out = build_site(root, tmp_path / "site")
    copied = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"static/style.css", "static/inside.css", "index.html"} <= copied
    assert not any(name.startswith(".") or "/." in name for name in copied)
    assert "static/pipe" not in copied
    assert not (out / "static" / "inside.css").is_symlink()


def test_a_symlink_out_of_static_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    root = project(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("private key")
    (root / "static" / "leak.txt").symlink_to(secret)
    out = tmp_path / "site"
    out.mkdir()
    (out / "old.html").write_text("kept")
    with pytest.raises(ValueError, match="symbolic link out of"):
        build_site(root, out)
    assert (out / "old.html").read_text() == "kept"
    (root / "static" / "leak.txt").unlink()
    (root / "static" / "dir").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(ValueError, match="symbolic link out of"):
        site_files(root)


def test_pages_carry_the_policy_first_in_their_head(tmp_path: Path) -> None:
    root = project(tmp_path)
    out = build_site(root, tmp_path / "site", connect=["wss://sync.example.com"])
    page = (out / "index.html").read_text()
    head = page.index("<head>") + len("<head>")
    assert page[head:].lstrip().startswith('<meta http-equiv="Content-Security-Policy"')
    assert "connect-src 'self' wss://sync.example.com;" in page
    assert "frame-ancestors" not in page  # a <meta> policy cannot carry it
    headers = (out / "_headers").read_text()
    assert "frame-ancestors 'none'" in headers
    assert "connect-src 'self' wss://sync.example.com;" in headers
    with pytest.raises(ValueError, match="not a CSP source"):
        build_site(root, tmp_path / "site", connect=["wss://x; script-src *"])
    (root / "index.html").write_text("<p>no head</p>")
    with pytest.raises(ValueError, match="without <head>"):
        build_site(root, tmp_path / "site")


def _archive_names(site: Path) -> list[str]:
    (archive,) = (site / "pkg").glob("app.*.zip")
    return zipfile.ZipFile(archive).namelist()


def test_the_sites_archive_carries_bytecode(tmp_path: Path) -> None:
    root = project(tmp_path)
    compiler = BytecodeCompiler(cache_dir=tmp_path / "cache")
    names = _archive_names(build_site(root, tmp_path / "site", bytecode=compiler))
    assert "kanban/main.pyc" in names
    # pyfritz's own modules come imported in the runtime's snapshot: sources only.
    assert "pyfritz/store.py" in names
    assert "pyfritz/store.pyc" not in names


def test_without_node_the_site_is_built_with_sources_and_the_command_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-node-here"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main([str(root), "--out", str(tmp_path / "site")]) == 0
    names = _archive_names(tmp_path / "site")
    assert "pyfritz/store.py" in names
    assert not [name for name in names if name.endswith(".pyc")]
    assert "the archive holds sources only: Node.js is not on PATH" in capsys.readouterr().err
