"""The `pyfritz` command: new, build, and the errors a user meets (on temporary folders)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pyfritz.cli import main
from pyfritz.dev.new import TEMPLATES

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_new_writes_a_project_of_the_template(
    tmp_path: Path, template: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "kanban", "--template", template, "--dir", str(tmp_path / "k")]) == 0
    project = tmp_path / "k"
    for name in (
        "index.html",
        "pyscript.toml",
        "app/kanban/__init__.py",
        "app/kanban/main.py",
        "static/style.css",
        "tests/conftest.py",
        "tests/test_app.py",
        "README.md",
        ".gitignore",
    ):
        assert (project / name).is_file(), name
    assert "from kanban.main import main" in (project / "index.html").read_text()
    assert "{{" not in (project / "README.md").read_text()
    assert "pyfritz dev" in capsys.readouterr().out


def test_new_writes_into_a_folder_named_after_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "board"]) == 0
    assert (tmp_path / "board" / "app" / "board" / "main.py").is_file()


def test_new_refuses_to_overwrite_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "kanban"
    target.mkdir()
    (target / "index.html").write_text("mine")
    assert main(["new", "kanban", "--dir", str(target)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert [p.name for p in target.iterdir()] == ["index.html"]
    assert (target / "index.html").read_text() == "mine"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Kanban", "lowercase Python identifier"),
        ("my-board", "lowercase Python identifier"),
        ("1board", "lowercase Python identifier"),
        ("class", "keyword"),
        ("json", "already exists in the browser"),
        ("pyfritz", "already exists in the browser"),
    ],
)
def test_new_refuses_a_bad_name_with_a_clear_error(
    tmp_path: Path, name: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", name, "--dir", str(tmp_path / "p")]) == 1
    assert reason in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_an_unknown_template_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["new", "kanban", "--template", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("new", ["--template", "--dir"]),
        ("dev", ["--host", "--port", "--db", "--allow-origin", "--no-reload", "--root"]),
        ("build", ["--out"]),
        ("serve", ["--host", "--port", "--db", "--allow-origin"]),
    ],
)
def test_every_flag_is_in_the_help(
    command: str, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert text.startswith(f"usage: pyfritz {command} ")
    for flag in flags:
        assert re.search(rf"{flag}\b", text), flag


def test_build_writes_a_site_with_versioned_runtime_urls(tmp_path: Path) -> None:
    project = tmp_path / "kanban"
    assert main(["new", "kanban", "--dir", str(project)]) == 0
    assert main(["build", str(project)]) == 0
    site = project / "site"
    page = (site / "index.html").read_text()
    tag = re.search(r"\./runtime/([0-9a-f]{16})/pyscript/core\.js", page)
    assert tag, page
    assert (site / "runtime" / tag.group(1) / "pyodide" / "pyodide.asm.wasm").is_file()
    config = (site / "pyscript.toml").read_text()
    bundle = re.search(r'"\./(pkg/app\.[0-9a-f]{16}\.zip)" = "\./\*"', config)
    assert bundle, config
    assert (site / bundle.group(1)).is_file()
    assert "immutable" in (site / "_headers").read_text()


def test_build_of_a_folder_that_is_no_project_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(tmp_path)]) == 1
    assert "no index.html" in capsys.readouterr().err


def test_dev_refuses_a_config_with_packages_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "kanban"
    assert main(["new", "kanban", "--dir", str(project)]) == 0
    config = project / "pyscript.toml"
    config.write_text('packages = ["./x.whl"]\n' + config.read_text())
    assert main(["dev", str(project)]) == 1
    assert "packages = [...]` is not supported" in capsys.readouterr().err
