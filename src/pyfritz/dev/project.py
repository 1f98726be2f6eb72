"""What a pyfritz project is, and the checks that give a clear error when it is not one.

A project is a folder with the shape ``pyfritz new`` writes (the repository's
own demo has it too)::

    index.html        pages at the top level (more *.html beside it)
    pyscript.toml     interpreter = "./runtime/pyodide/pyodide.mjs",
                      [files] "./pkg/app.zip" = "./*"
    app/<package>/    the project's Python; ships to the browser in pkg/app.zip
    static/           the project's own css, images, ...

The pages load the runtime from ``./runtime/pyscript/...`` and
``./runtime/pyodide/...``: ``pyfritz dev`` serves those URLs from the
``pyfritz-web-runtime`` package; ``pyfritz build`` copies the runtime under
``runtime/<tag>/`` and rewrites the pages to it (:func:`versioned`), so that a
static host can cache it as immutable.

Python packages reach the browser in one way only: the archive built from
``app/``. ``packages = [...]`` in ``pyscript.toml`` is refused (the runtime has
no ``micropip``, the pages must work offline, and a wheel could drag server
dependencies into the browser); put a pure-Python package under ``app/``.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .bundle import BUNDLE_PATH

__all__ = [
    "CONFIG",
    "INTERPRETER",
    "RUNTIME_URL",
    "ProjectError",
    "check_config",
    "check_project",
    "versioned",
]

#: The PyScript config every page names.
CONFIG = "pyscript.toml"

#: Where the pages find the runtime, relative to the site root.
RUNTIME_URL = "runtime/"

#: The interpreter a project's ``pyscript.toml`` names.
INTERPRETER = f"./{RUNTIME_URL}pyodide/pyodide.mjs"

_RUNTIME_REF = re.compile(r"\bruntime/(pyscript|pyodide)/")


class ProjectError(ValueError):
    """The folder is not a pyfritz project, or its ``pyscript.toml`` cannot work.

    The message says what is wrong and what to do.
    """


def check_config(text: str, *, where: str = CONFIG) -> None:
    """Check the text of a ``pyscript.toml``.

    Raises:
        ProjectError: it is not TOML, names ``packages``, another interpreter,
            or does not unpack the archive.
    """
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{where} is not valid TOML: {exc}") from exc
    if config.get("packages"):
        raise ProjectError(
            f"{where}: `packages = [...]` is not supported. pyfritz pages load no packages at "
            "run time (the runtime has no micropip, and pages work offline); put a pure-Python "
            "package under app/ instead: it ships in the page's archive."
        )
    interpreter = config.get("interpreter")
    if interpreter != INTERPRETER:
        raise ProjectError(
            f"{where}: `interpreter` must be {INTERPRETER!r} (the pinned runtime that "
            f"pyfritz dev and pyfritz build provide), not {interpreter!r}"
        )
    files = config.get("files")
    if not isinstance(files, dict) or files.get(f"./{BUNDLE_PATH}") != "./*":
        raise ProjectError(
            f'{where}: [files] must map "./{BUNDLE_PATH}" = "./*" '
            "(the archive of app/ and pyfritz, unpacked into the browser)"
        )


def check_project(root: Path) -> None:
    """Check that ``root`` is a pyfritz project (see the module docstring).

    Raises:
        ProjectError: what is missing or wrong.
    """
    if not root.is_dir():
        raise ProjectError(f"{root} is not a folder")
    if not (root / "index.html").is_file():
        raise ProjectError(
            f"{root} has no index.html: is it a pyfritz project? (`pyfritz new NAME` makes one)"
        )
    config = root / CONFIG
    if not config.is_file():
        raise ProjectError(f"{root} has no {CONFIG}")
    check_config(config.read_text(encoding="utf-8"), where=str(config))


def versioned(text: str, *, tag: str, bundle: str) -> str:
    """Point a page's (or ``pyscript.toml``'s) runtime and archive URLs at versioned ones.

    Example::

        versioned('src="./runtime/pyscript/core.js"', tag="ab12", bundle="pkg/app.cd34.zip")
        # 'src="./runtime/ab12/pyscript/core.js"'
    """
    text = _RUNTIME_REF.sub(lambda match: f"{RUNTIME_URL}{tag}/{match.group(1)}/", text)
    return text.replace(BUNDLE_PATH, bundle)
