"""Make sure a Chromium for the e2e tests exists; install one if not.

Order: Debian's ``/usr/bin/chromium``; Playwright's own download; then install
(``apt-get install -y chromium`` when root on Debian, else
``python -m playwright install chromium``). Exits non-zero with a clear message
when none can be had.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pyfritz.dev.browser import load_playwright_config  # noqa: E402 - needs the path above


def _found(config: ModuleType) -> str | None:
    try:
        path = config.find_chromium()
    except FileNotFoundError:
        return None
    return str(path) if path else "playwright's own chromium"


def _install() -> list[str]:
    """Try the installers in order; return what failed, for the message."""
    failures: list[str] = []
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root and shutil.which("apt-get"):
        print("ensure_browser: installing Debian's chromium (apt-get)", flush=True)
        update = subprocess.run(["apt-get", "update", "-qq"], check=False)
        install = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if update.returncode == 0 and install.returncode == 0:
            return failures
        failures.append(
            f"apt-get install chromium exited {install.returncode or update.returncode}"
        )
    print("ensure_browser: trying `python -m playwright install chromium`", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"], check=False
    )
    if result.returncode != 0:
        failures.append(f"playwright install chromium exited {result.returncode}")
    return failures


def main() -> int:
    config = load_playwright_config(ROOT)
    found = _found(config)
    if found:
        print(f"ensure_browser: using {found}")
        return 0
    failures = _install()
    found = _found(config)
    if found:
        print(f"ensure_browser: using {found}")
        return 0
    print(
        "ensure_browser: no Chromium available. Tried: "
        + "; ".join(failures or ["nothing"])
        + ".\n"
        "Install Debian's `chromium` package, or set PYFRITZ_CHROMIUM to a Chromium binary.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
