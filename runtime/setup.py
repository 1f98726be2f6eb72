"""Refuse to build the runtime wheel without its files (they are generated, not in git)."""

from pathlib import Path

from setuptools import setup

_MANIFEST = Path(__file__).resolve().parent / "src" / "pyfritz_runtime" / "files" / "manifest.json"

if not _MANIFEST.is_file():
    raise SystemExit(
        f"pyfritz-web-runtime: {_MANIFEST} is missing; run `python tools/vendor.py` "
        "(after `npm ci`) in the repository first, or `make setup`"
    )

setup()
