"""pyfritz: a reactive web framework for Python in the browser, after fritz2."""

from __future__ import annotations

from .errors import (
    BufferOverflowError,
    ConnectionClosed,
    ConnectionException,
    DecodeError,
    FlowError,
    PyfritzError,
    SendException,
    SyncError,
    WebSocketError,
)

__version__ = "0.1.0"

__all__ = [
    "BufferOverflowError",
    "ConnectionClosed",
    "ConnectionException",
    "DecodeError",
    "FlowError",
    "PyfritzError",
    "SendException",
    "SyncError",
    "WebSocketError",
    "__version__",
]
