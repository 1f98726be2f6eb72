"""``python -m pyfritz.dev`` with the engine tests' hook in every page (the restart tests).

Run as a program by ``test_reconnect.GuardedServer``: the e2e tier's
restartable server, plus ``head_script``.
"""

from __future__ import annotations

import functools
import sys

__all__ = ["GUARD_SCRIPT"]

#: The hook every page loads first (``pages/engine_guard.js``).
GUARD_SCRIPT = "/engine_guard.js"

if __name__ == "__main__":
    from pyfritz.dev import run

    run.create_app = functools.partial(run.create_app, head_script=GUARD_SCRIPT)  # type: ignore[assignment]
    sys.exit(run.main(prog="guarded_dev"))
