"""``python -m pyfritz.dev``: the same as ``pyfritz dev`` (see :mod:`pyfritz.dev.run`)."""

from __future__ import annotations

import sys

from .run import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main(prog="python -m pyfritz.dev"))
