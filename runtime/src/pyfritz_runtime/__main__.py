"""``python -m pyfritz_runtime``: print the runtime's versions and verify its files."""

from __future__ import annotations

import sys

from . import RuntimeCorrupt, RuntimeMissing, load_manifest

__all__ = ["main"]


def main() -> int:
    """Print versions and the tag; exit 1 if a file is missing or differs."""
    try:
        manifest = load_manifest()
        manifest.verify()
    except (RuntimeMissing, RuntimeCorrupt) as exc:
        print(f"pyfritz_runtime: {exc}", file=sys.stderr)
        return 1
    print(
        f"PyScript {manifest.pyscript}, Pyodide {manifest.pyodide}: "
        f"{len(manifest.files)} files verified (tag {manifest.tag})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
