"""The strict-page guard: a test page fails on any sign of trouble.

It lives in :mod:`pyfritz.dev.testing` (projects made by ``pyfritz new`` use
the same one); this module keeps the e2e tests' import short.
"""

from __future__ import annotations

from pyfritz.dev.testing import PageGuard, PageTrouble

__all__ = ["PageGuard", "PageTrouble"]
