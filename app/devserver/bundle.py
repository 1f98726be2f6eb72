"""Pack the browser-side Python packages into one zip archive.

The page's ``pyscript.toml`` maps ``./pkg/app.zip`` to ``./*``, which PyScript
unpacks into the browser's working directory (on ``sys.path``). Building the
archive from the package folders means a new module needs no edit anywhere:
there is no file list to keep in step.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["BROWSER_PACKAGES", "BUNDLE_PATH", "build_bundle", "bundle_members"]

#: Packages under ``app/`` that ship to the browser. The servers never do.
BROWSER_PACKAGES = ("pyfritz", "demo")

#: Where the archive is served, relative to the site root.
BUNDLE_PATH = "pkg/app.zip"

# A fixed timestamp keeps the archive byte-identical for identical sources.
_EPOCH = (2020, 1, 1, 0, 0, 0)


def bundle_members(app_dir: Path, packages: Iterable[str] = BROWSER_PACKAGES) -> list[Path]:
    """Return the files that go into the archive, relative to ``app_dir``, sorted."""
    members: list[Path] = []
    for package in packages:
        root = app_dir / package
        if not (root / "__init__.py").is_file():
            raise FileNotFoundError(f"{root} is not a package (no __init__.py)")
        for path in root.rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix in (".py", ".typed", ".json", ".css", ".html"):
                members.append(path.relative_to(app_dir))
    return sorted(members)


def build_bundle(app_dir: Path, packages: Iterable[str] = BROWSER_PACKAGES) -> bytes:
    """Return the zip archive of the browser packages as bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in bundle_members(app_dir, packages):
            info = zipfile.ZipInfo(member.as_posix(), date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (app_dir / member).read_bytes())
    return buffer.getvalue()
