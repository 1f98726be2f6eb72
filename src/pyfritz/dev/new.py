"""``pyfritz new NAME``: write a new project from a template.

The templates are package data (``pyfritz/templates/``, never shipped to the
browser). Each one is laid over ``common/`` (the config, the tests' conftest,
the README, static/): a template needs only its own page, app package and
test. In them, ``app/app_package/`` becomes ``app/NAME/`` and ``{{name}}`` in
a page, a markdown or a TOML file becomes NAME; Python files hold no
placeholders (they import their siblings relatively), so the templates are
linted and type-checked as they are.

The project is written into a temporary folder beside the target and renamed
into place at the end: an error leaves nothing behind.
"""

from __future__ import annotations

import keyword
import re
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = ["DEFAULT_TEMPLATE", "TEMPLATES", "TEMPLATES_DIR", "check_name", "create_project"]

#: Where the templates are (package data of ``pyfritz``).
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

#: ``--template`` choices → template folder.
TEMPLATES = {"minimal": "minimal", "synced-list": "synced_list"}
DEFAULT_TEMPLATE = "synced-list"

_PACKAGE_PLACEHOLDER = "app_package"
_TEXT_PLACEHOLDER = "{{name}}"
_SUBSTITUTED = (".html", ".md", ".toml")
# Names the browser already has: a package of that name would shadow them.
_TAKEN = frozenset({"pyfritz", "js", "pyodide", "pyscript", "micropip", "app", "tests", "static"})
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def check_name(name: str) -> None:
    """Refuse a project name that cannot be its Python package's name.

    Raises:
        ValueError: why, and what would do.
    """
    if not _NAME.match(name):
        raise ValueError(
            f"{name!r} cannot be a project name: use a lowercase Python identifier "
            "(letters, digits and _, starting with a letter), e.g. kanban or my_board"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ValueError(f"{name!r} cannot be a project name: it is a Python keyword")
    if name in _TAKEN or name in sys.stdlib_module_names:
        raise ValueError(
            f"{name!r} cannot be a project name: a module of that name already exists in "
            "the browser's Python (it would be shadowed); pick another, e.g. my_" + name
        )


def _files(template: str) -> dict[Path, Path]:
    """Return relative path in the project → template file (``common/`` first)."""
    files: dict[Path, Path] = {}
    for folder in ("common", TEMPLATES[template]):
        base = TEMPLATES_DIR / folder
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(base)
            if path.is_file() and "__pycache__" not in relative.parts:
                files[relative] = path
    return files


def _target_name(relative: Path, name: str) -> Path:
    parts = [name if part == _PACKAGE_PLACEHOLDER else part for part in relative.parts]
    # Dot files are not package data (setuptools skips them): stored without the dot.
    if parts[-1] == "gitignore":
        parts[-1] = ".gitignore"
    return Path(*parts)


def create_project(name: str, target: Path, *, template: str = DEFAULT_TEMPLATE) -> list[Path]:
    """Write a project called ``name`` into the new folder ``target``; return its files.

    Raises:
        ValueError: a bad name or an unknown template.
        FileExistsError: ``target`` exists (nothing is overwritten).

    Example::

        create_project("kanban", Path("kanban"), template="synced-list")
    """
    check_name(name)
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; choose one of {sorted(TEMPLATES)}")
    if target.exists():
        raise FileExistsError(f"{target} already exists; pyfritz new never overwrites")
    target.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=target.parent) as scratch:
        staging = Path(scratch) / name
        for relative, source in _files(template).items():
            destination = staging / _target_name(relative, name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix in _SUBSTITUTED:
                text = source.read_text(encoding="utf-8").replace(_TEXT_PLACEHOLDER, name)
                destination.write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(source, destination)
            written.append(target / destination.relative_to(staging))
        # One rename: the project appears whole or not at all.
        staging.rename(target)
    return sorted(written)
