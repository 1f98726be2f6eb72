"""``python -m bench.soak [clients] [seconds]``: the long soak of the sync server.

200 clients for 60 s by default against ``python -m pyfritz.server`` with its
default limits: 70 % put a counter into their own entity and, every eighth
put, a 4 KB value into a shared one; 10 % never read; 10 % flood joins; 10 %
send puts over ``max_value`` and frames over ``max_frame``. It prints the
server's RSS (start, peak, end), what the hostile clients were answered, and
whether every well-behaved edit arrived; it exits 1 if one did not. The short
form runs in ``make test`` (``tests/unit/pyfritz/server/test_soak.py``).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))

from fakes.raw_client import sync_process  # after the path is set
from fakes.soak import soak

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the soak; print its summary."""
    args = sys.argv[1:] if argv is None else argv
    clients = int(args[0]) if args else 200
    seconds = float(args[1]) if len(args) > 1 else 60.0
    with sync_process() as server:
        result = asyncio.run(soak(server, clients=clients, seconds=seconds))
    print(f"soak: {clients} clients, {seconds:g} s: {result.summary()}")
    return 1 if result.lost or result.refused or result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
