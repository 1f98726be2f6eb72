"""Make sure PostgreSQL and nginx exist for the multi-node tests; install them if not.

The tests start their own PostgreSQL server (``initdb`` + ``postgres`` from
Debian's ``postgresql`` package, under ``/usr/lib/postgresql/<version>/bin``)
and their own nginx (Debian's ``nginx-light``) on free loopback ports; this
only installs the binaries. When one is missing and we run as root on Debian,
``apt-get update`` once, then ``apt-get install -y`` what is missing. Exits
non-zero with a clear message when they cannot be had.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

__all__ = ["find_nginx", "find_postgres_bin", "main"]


def find_postgres_bin() -> str | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``initdb`` and ``postgres``."""
    found = [
        os.path.dirname(path)
        for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")
        if os.access(os.path.join(os.path.dirname(path), "postgres"), os.X_OK)
    ]
    found.sort(key=lambda path: int(path.split("/")[-2]) if path.split("/")[-2].isdigit() else 0)
    return found[-1] if found else None


def find_nginx() -> str | None:
    """The nginx binary, if installed."""
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
    )


def main() -> int:
    missing = []
    if find_postgres_bin() is None:
        missing.append("postgresql")
    if find_nginx() is None:
        missing.append("nginx-light")
    if not missing:
        print(f"ensure_servers: using {find_postgres_bin()} and {find_nginx()}")
        return 0
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if not (is_root and shutil.which("apt-get")):
        print(
            f"ensure_servers: {', '.join(missing)} missing; install Debian's packages "
            f"(sudo apt-get install -y {' '.join(missing)}) and run make setup again",
            file=sys.stderr,
        )
        return 1
    print(f"ensure_servers: installing {' '.join(missing)} (apt-get)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    install = subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=False, env=env)
    if update.returncode or install.returncode or find_postgres_bin() is None or not find_nginx():
        print(f"ensure_servers: apt-get could not install {' '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
