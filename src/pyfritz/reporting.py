"""Error reporting for failures that have no caller to raise to: :func:`report`.

A collector running in the background, a broken subscriber, a sync frame the
store cannot use: each is logged with its traceback to stderr (the browser
console) and handed to the listeners, of which :data:`pyfritz.hot.errors` is
the public one. Kept apart from the flows so that the flow types can report
without the reporting depending on them.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

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

    The traceback starts at the first frame of your code (the runtime's and
    pyfritz's own frames before it are left out); set the ``"pyfritz"``
    logger to DEBUG for the whole one.
    """
    print(f"pyfritz: {context or 'unhandled error'}", file=sys.stderr)
    if logging.getLogger("pyfritz").isEnabledFor(logging.DEBUG):
        traceback.print_exception(exc, file=sys.stderr)
    else:
        print("".join(_user_traceback(exc)), end="", file=sys.stderr)
    for listener in _listeners:
        listener(exc)


# Frames of the runtime and of the framework itself: a traceback the user reads
# starts at their own code (the whole one at DEBUG level of the "pyfritz" logger).
_INTERNAL = (
    "/_pyodide/",
    "/pyodide/",
    "/asyncio/",
    "<frozen ",
    os.path.dirname(os.path.abspath(__file__)) + os.sep,
)


def _user_traceback(exc: BaseException) -> list[str]:
    """The lines of ``exc``'s traceback without the runtime's and pyfritz's frames.

    If no frame is left (the error is pyfritz's own), the whole traceback.
    """
    tb: TracebackType | None = exc.__traceback__
    kept: TracebackType | None = None
    while tb is not None:
        if not any(part in tb.tb_frame.f_code.co_filename for part in _INTERNAL):
            kept = tb
            break
        tb = tb.tb_next
    if kept is None:
        return traceback.format_exception(exc)
    return traceback.format_exception(type(exc), exc, kept)
