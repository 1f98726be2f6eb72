"""Exceptions raised by pyfritz.

Hierarchy::

    PyfritzError
    ├── FlowError
    │   └── BufferOverflowError   a collector fell too far behind a shared flow
    ├── WebSocketError
    │   ├── ConnectionException   a socket could not be opened (bad URL, refused)
    │   ├── ConnectionClosed      the session closed abnormally (code, reason)
    │   └── SendException         send() on a closing or closed session
    ├── DecodeError               a value could not be decoded (path, reason)
    ├── LensError                 a lens found nothing to focus on (path, reason)
    └── SyncError                 the sync protocol was violated or a put refused

Misuse of an API (wrong argument type or value) raises the builtin
``TypeError`` or ``ValueError`` instead.
"""

from __future__ import annotations

__all__ = [
    "BufferOverflowError",
    "ConnectionClosed",
    "ConnectionException",
    "DecodeError",
    "FlowError",
    "LensError",
    "PyfritzError",
    "SendException",
    "SyncError",
    "WebSocketError",
]


class PyfritzError(Exception):
    """Base class of every error pyfritz raises on purpose."""


class FlowError(PyfritzError):
    """A flow could not deliver its values."""


class BufferOverflowError(FlowError):
    """A collector's buffer on a shared flow overflowed.

    The collector is ended with this error rather than losing values silently.
    """

    def __init__(self, capacity: int) -> None:
        super().__init__(
            f"collector fell behind by more than {capacity} values; "
            "collect faster, use a sync collector, or raise the buffer capacity"
        )
        self.capacity = capacity


class WebSocketError(PyfritzError):
    """Base class of the WebSocket errors."""


class ConnectionException(WebSocketError):
    """The WebSocket could not be opened."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot connect to {url!r}: {reason}")
        self.url = url
        self.reason = reason


class ConnectionClosed(WebSocketError):
    """The session closed abnormally; carries the close ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str, *, was_clean: bool = False) -> None:
        detail = f": {reason}" if reason else ""
        super().__init__(f"connection closed with code {code}{detail}")
        self.code = code
        self.reason = reason
        self.was_clean = was_clean


class SendException(WebSocketError):
    """``send()`` was called on a session that is closing or closed."""

    def __init__(self, state: str, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(f"cannot send: the session is {state}{extra}")
        self.state = state


class DecodeError(PyfritzError):
    """A value could not be decoded; ``path`` says where, ``reason`` says why."""

    def __init__(self, path: str, reason: str) -> None:
        where = path or "<root>"
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.reason = reason


class LensError(PyfritzError, LookupError):
    """A lens found nothing to focus on: a missing field, key or list element.

    ``path`` is the lens's path (``address.city``, ``[42]``); ``reason`` says
    what was missing. It is a ``LookupError``, like ``KeyError``, so code that
    already handles lookups keeps working.
    """

    def __init__(self, path: str, reason: str) -> None:
        where = path or "<root>"
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.reason = reason


class SyncError(PyfritzError):
    """The sync protocol was violated, or the server refused a change."""
