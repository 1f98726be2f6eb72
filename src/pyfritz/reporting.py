"""Error reporting for failures that have no caller to raise to: :func:`report`.

A collector running in the background, a broken subscriber, a sync frame the
store cannot use: each is logged with its traceback to stderr (the browser
console) and handed to the listeners, of which :data:`pyfritz.hot.errors` is
the public one. Kept apart from the flows so that the flow types can report
without the reporting depending on them.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

__all__ = ["add_listener", "report"]

_listeners: list[Callable[[BaseException], object]] = []


def add_listener(listener: Callable[[BaseException], object]) -> None:
    """Call ``listener(exc)`` for every later :func:`report` (``errors`` is one)."""
    _listeners.append(listener)


def report(exc: BaseException, context: str = "") -> None:
    """Log ``exc`` with its traceback to stderr (the browser console) and emit it on ``errors``.

    Use it for failures that have no caller to raise to, e.g. in a collector
    running in the background.

    Example::

        errors.handled_by(lambda exc: banner.show(str(exc)))
        report(ValueError("bad input"), "while parsing")
    """
    print(f"pyfritz: {context or 'unhandled error'}", file=sys.stderr)
    traceback.print_exception(exc, file=sys.stderr)
    for listener in _listeners:
        listener(exc)
