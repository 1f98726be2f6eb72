"""A project's pyscript.toml is checked, and the repository's demo is a project too."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyfritz.dev.new import TEMPLATES_DIR
from pyfritz.dev.project import ProjectError, check_config, check_project, versioned

ROOT = Path(__file__).resolve().parents[4]
GOOD = 'interpreter = "./runtime/pyodide/pyodide.mjs"\n[files]\n"./pkg/app.zip" = "./*"\n'


def test_the_repository_demo_is_a_project_of_the_template_shape() -> None:
    check_project(ROOT)
    # The demo and the template share one pyscript.toml shape: the same settings.
    template = (TEMPLATES_DIR / "common" / "pyscript.toml").read_text()
    check_config(template)
    assert _settings(template) == _settings((ROOT / "pyscript.toml").read_text())


def _settings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_a_good_config_passes() -> None:
    check_config(GOOD)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('packages = ["./x.whl"]\n' + GOOD, "not supported"),
        ("interpreter = '0.27.0'\n[files]\n'./pkg/app.zip' = './*'\n", "must be"),
        ('interpreter = "./runtime/pyodide/pyodide.mjs"\n', "must map"),
        ("interpreter = [", "not valid TOML"),
    ],
)
def test_a_config_that_cannot_work_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        check_config(text)


def test_a_folder_without_pages_is_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="pyfritz new"):
        check_project(tmp_path)


def test_versioned_points_runtime_and_archive_urls_at_their_hashes() -> None:
    page = '<script src="./runtime/pyscript/core.js"></script>"./pkg/app.zip"'
    assert versioned(page, tag="t1", bundle="pkg/app.h1.zip") == (
        '<script src="./runtime/t1/pyscript/core.js"></script>"./pkg/app.h1.zip"'
    )
